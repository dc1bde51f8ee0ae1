#!/usr/bin/env node
// The `outpost` command as npm links it. This file is committed, not built, so `npm ci` can link it before
// anything is compiled; it loads the compiled CLI from dist/, or says how to build it.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
const notBuilt =
  'outpost: the CLI is not built yet. Run `npm run build` at the repository root (it compiles every package\n' +
  'into its dist/ folder), then run `npx outpost --help` again.\n';

if (!existsSync(compiled)) {
  process.stderr.write(notBuilt);
  process.exitCode = 1;
} else {
  try {
    const cli = await import(compiled.href);
    await cli.runProcess(process.argv.slice(2));
  } catch (error) {
    // A package the CLI imports (e.g. @outpost/webpush) has no dist/ yet: the build ran only in part.
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && /[\\/]dist[\\/]/.test(String(error.message))) {
      process.stderr.write(`${notBuilt}(${error.message})\n`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
}
