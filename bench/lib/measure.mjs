/** Helpers used inside an engine child process (started with --expose-gc). */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { nowMs, summarize } from './stats.mjs';

/** Full GCs with short pauses so freed pages and finalizers settle before RSS is read. */
export async function settle() {
  if (typeof global.gc !== 'function') {
    throw new Error('engine children must run with --expose-gc');
  }
  for (let i = 0; i < 3; i++) {
    global.gc();
    await sleep(30);
  }
}

export function rssBytes() {
  return process.memoryUsage.rss();
}

/** Live JS memory: V8 heap in use plus ArrayBuffer backing stores (typed-array columns). */
export function liveBytes() {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heapUsed, arrayBuffers, total: heapUsed + arrayBuffers };
}

/** Peak RSS of this process so far; Linux reports ru_maxrss in KiB. */
export function peakRssBytes() {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Times `fn` (sync or async) `runs` times after `warmup` calls, but stops early once `budgetMs`
 * is spent (keeping at least `minRuns`) so a slow engine cannot stall the suite.
 */
export async function timeRuns(fn, { warmup, runs, budgetMs, minRuns = 5 }) {
  let answer;
  for (let i = 0; i < warmup; i++) {
    answer = await fn();
  }
  const samples = [];
  const started = nowMs();
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    let result = fn();
    // Await only real promises so synchronous engines are timed without a microtask hop.
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      result = await result;
    }
    samples.push(nowMs() - t0);
    answer = result;
    if (samples.length >= minRuns && nowMs() - started > budgetMs) {
      break;
    }
  }
  return { timing: summarize(samples), samples, answer };
}

export function benchSettings() {
  return {
    warmup: Number(process.env.BENCH_WARMUP ?? 5),
    runs: Number(process.env.BENCH_RUNS ?? 30),
    budgetMs: Number(process.env.BENCH_QUERY_BUDGET_MS ?? 20000),
  };
}

/** The parent passes a file path in BENCH_OUT; JSON there keeps stdout free for logs. */
export function writeResult(result) {
  const out = process.env.BENCH_OUT;
  if (!out) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  writeFileSync(out, JSON.stringify(result));
}
