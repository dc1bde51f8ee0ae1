import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on one of this package's worker modules (`crypto-worker`, `send-worker`). From the
 * built package that is a .js file. From the TypeScript sources (tests, benches under tsx) it is a .ts file,
 * and Node 20 does not apply `--import` loader hooks to a worker's entry module, so the worker starts as a
 * one-line script that registers tsx's loader and then imports the real entry.
 */
export function startWorker(name: 'crypto-worker' | 'send-worker'): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url));
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const tsxPackage = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = new URL('dist/esm/api/index.mjs', tsxPackage).href;
  const script = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}))`;
  return new Worker(script, { eval: true });
}
