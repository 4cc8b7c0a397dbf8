/** Small numeric helpers shared by the orchestrator and the engine children. */

/** Nearest-rank percentile of already sorted samples (q in 0..1). */
export function percentileOfSorted(sorted, q) {
  if (sorted.length === 0) {
    return null;
  }
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p95/min/max/mean of millisecond samples. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, x) => sum + x, 0);
  return {
    runs: sorted.length,
    p50: percentileOfSorted(sorted, 0.5),
    p95: percentileOfSorted(sorted, 0.95),
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
    mean: sorted.length ? total / sorted.length : null,
  };
}

export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** True when a and b agree to `rel` relative error (exactly equal also covers 0 and null). */
export function closeEnough(a, b, rel) {
  if (a === b) {
    return true;
  }
  if (
    typeof a !== 'number' ||
    typeof b !== 'number' ||
    !Number.isFinite(a) ||
    !Number.isFinite(b)
  ) {
    return false;
  }
  return Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
}
