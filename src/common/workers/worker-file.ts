import { extname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * From source (tests under ts-jest), a worker compiles its modules as ts-jest does for the main
 * thread; from dist/ it runs the compiled file.
 */
const SOURCE_BOOTSTRAP = `
require('ts-node').register({ transpileOnly: true });
require('tsconfig-paths/register');
require(require('node:worker_threads').workerData.file);
`;

/**
 * Starts the worker thread whose entry point is `<name>.worker.js` beside `callerFile` (the
 * caller's `__filename`): the compiled file in dist/, or `<name>.worker.ts` when the caller itself
 * runs from source. The worker reads its own data from `workerData.data`. Throws where no thread
 * can be started.
 */
export function startWorkerBeside(
  callerFile: string,
  name: string,
  data?: unknown,
  options: Omit<WorkerOptions, 'eval' | 'workerData'> = {},
): Worker {
  const extension = extname(callerFile);
  const file = join(callerFile, '..', `${name}.worker${extension}`);
  const workerData = { file, data };
  return extension === '.ts'
    ? new Worker(SOURCE_BOOTSTRAP, { ...options, eval: true, workerData })
    : new Worker(file, { ...options, workerData });
}
