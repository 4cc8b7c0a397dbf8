import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT_DIR = dirname(BENCH_DIR);
export const DATA_DIR = join(BENCH_DIR, 'data');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const DIST_DIR = join(ROOT_DIR, 'dist');
export const SAMPLE_CSV = join(ROOT_DIR, 'data', 'sales.csv');
