import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Runs a full garbage collection now and returns how long it took, in milliseconds.
 *
 * Start-up calls it once, after the datasets are loaded and before the server listens: loading
 * leaves the file's parsed columns and their grown copies (about 33 bytes a row) unreachable but
 * still mapped, and when the load is quick V8 has not collected them by the time the service is
 * ready, nor for as long as it stays idle (3 countries × 10M rows: 513 MiB RSS at readiness and
 * 20 s later, 185 MiB after one full collection). Node exposes no collector without
 * `--expose-gc`, so the flag is turned on only for as long as it takes to fetch `gc` from a fresh
 * context (the idiom of the `expose-gc` package), and plain `node dist/main.js` benefits too.
 */
export function collectGarbage(): number {
  const started = performance.now();
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    (exposed as () => void)();
  } else {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
    gc();
  }
  return performance.now() - started;
}
