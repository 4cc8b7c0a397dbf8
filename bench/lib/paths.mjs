import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT_DIR = dirname(BENCH_DIR);
export const DATA_DIR = join(BENCH_DIR, 'data');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
// BENCH_DIST_DIR points the engine benches at another build, to compare two in one run.
export const DIST_DIR = process.env.BENCH_DIST_DIR ?? join(ROOT_DIR, 'dist');
export const SAMPLE_CSV = join(ROOT_DIR, 'data', 'sales.csv');

/**
 * Node's arguments in the production start command (`npm run start:prod`, which the Dockerfile's
 * CMD repeats), the entry point made absolute, so benches run the server the way it is deployed.
 */
export function productionServerArgs() {
  const { scripts } = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8'));
  const [program, ...args] = scripts['start:prod'].trim().split(/\s+/);
  if (program !== 'node' || !args.includes('dist/main.js')) {
    throw new Error(`start:prod is not "node [flags] dist/main.js": ${scripts['start:prod']}`);
  }
  return args.map((arg) => (arg === 'dist/main.js' ? join(DIST_DIR, 'main.js') : arg));
}
