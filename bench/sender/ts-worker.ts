import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a TypeScript module. Node 20 does not run `--import` loader hooks for a worker's
 * entry, so the worker begins as a one-line script that registers tsx and then imports the module.
 */
export function tsWorker(module: URL, workerData: unknown): Worker {
  const tsxPackage = pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsx = new URL('dist/esm/api/index.mjs', tsxPackage).href;
  const script = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(module.href)}))`;
  return new Worker(script, { eval: true, workerData });
}
