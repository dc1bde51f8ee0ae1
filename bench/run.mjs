#!/usr/bin/env node
// `npm run bench`: runs every bench/<name>/run.ts in turn (or only the names given as arguments), each in its own
// process so one benchmark's heap and sockets never colour another's numbers. Each prints its own table of
// ratios against its anchor; this runner only sequences them and fails if any failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const names = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'run.ts')))
  .map((d) => d.name)
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();

let failed = 0;
for (const name of names) {
  console.log(`\n=== bench/${name} ===`);
  const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, ['--conditions=@outpost/source', join(here, name, 'run.ts')], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${name} exited with ${r.status ?? r.signal}`);
  }
}
if (names.length === 0) console.error('no benchmarks found');
process.exit(failed > 0 || names.length === 0 ? 1 : 0);
