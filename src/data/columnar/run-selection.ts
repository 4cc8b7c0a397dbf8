/**
 * Order statistics over several ascending runs of one Float64Array, without merging them: a
 * quantile over a year reads a dozen month runs and a few edge days, and selecting inside them
 * costs O(runs · log² rows) instead of copying and sorting every value.
 */

/** Below this many candidates left, copying and sorting them beats another narrowing round. */
const GATHER_LIMIT = 64;

/** First index in [lo, hi) whose value is ≥ x (hi when none). */
export function lowerBound(data: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = lo + ((hi - lo) >>> 1);
    if (data[mid] < x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/** First index in [lo, hi) whose value is > x (hi when none). */
export function upperBound(data: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = lo + ((hi - lo) >>> 1);
    if (data[mid] <= x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/**
 * The k-th smallest (0-based) value of the union of the sorted runs `data[starts[i], ends[i])`.
 *
 * Each run keeps a window [lo, hi) of candidates. Every round pivots on the weighted median of
 * the windows' middle elements, so at least about a quarter of the candidates lie on each side of
 * it; two binary searches per run count the candidates below and equal to the pivot, and the side
 * that cannot hold rank k is dropped. Ties end the search as soon as rank k falls among the values
 * equal to the pivot.
 */
export function selectKth(
  data: Float64Array,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  k: number,
): number {
  const runCount = starts.length;
  const lo = new Uint32Array(runCount);
  const hi = new Uint32Array(runCount);
  let total = 0;
  for (let i = 0; i < runCount; i++) {
    lo[i] = starts[i];
    hi[i] = ends[i];
    total += hi[i] - lo[i];
  }
  if (!Number.isInteger(k) || k < 0 || k >= total) {
    throw new RangeError(`rank ${k} is outside 0..${total - 1}`);
  }
  const live = new Uint32Array(runCount);
  const middles = new Float64Array(runCount);
  const less = new Uint32Array(runCount);
  const lessOrEqual = new Uint32Array(runCount);
  const byMiddle = (a: number, b: number): number => middles[a] - middles[b];

  for (;;) {
    if (total <= GATHER_LIMIT) {
      return gather(data, lo, hi, total).sort()[k];
    }
    let liveCount = 0;
    for (let i = 0; i < runCount; i++) {
      if (hi[i] > lo[i]) {
        live[liveCount++] = i;
        middles[i] = data[lo[i] + ((hi[i] - lo[i]) >>> 1)];
      }
    }
    if (liveCount === 1) {
      return data[lo[live[0]] + k];
    }

    const order = live.subarray(0, liveCount).sort(byMiddle);
    let pivot = middles[order[liveCount - 1]];
    for (let j = 0, weight = 0; j < liveCount; j++) {
      weight += hi[order[j]] - lo[order[j]];
      if (weight * 2 >= total) {
        pivot = middles[order[j]];
        break;
      }
    }

    let below = 0;
    let belowOrEqual = 0;
    for (let j = 0; j < liveCount; j++) {
      const i = order[j];
      less[i] = lowerBound(data, lo[i], hi[i], pivot);
      lessOrEqual[i] = upperBound(data, less[i], hi[i], pivot);
      below += less[i] - lo[i];
      belowOrEqual += lessOrEqual[i] - lo[i];
    }

    if (k < below) {
      for (let j = 0; j < liveCount; j++) {
        hi[order[j]] = less[order[j]];
      }
      total = below;
    } else if (k < belowOrEqual) {
      return pivot;
    } else {
      for (let j = 0; j < liveCount; j++) {
        lo[order[j]] = lessOrEqual[order[j]];
      }
      k -= belowOrEqual;
      total -= belowOrEqual;
    }
  }
}

/**
 * The k-th and (k+1)-th smallest values, the pair a quantile interpolates between; the second is
 * the first again when k is the last rank. The successor needs no second selection: it is the k-th
 * value itself when enough values tie with it, otherwise the smallest value above it in any run.
 */
export function selectKthAndNext(
  data: Float64Array,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  k: number,
): [number, number] {
  const kth = selectKth(data, starts, ends, k);
  let atMost = 0;
  let next = kth;
  let found = false;
  for (let i = 0; i < starts.length; i++) {
    const above = upperBound(data, starts[i], ends[i], kth);
    atMost += above - starts[i];
    if (above < ends[i] && (!found || data[above] < next)) {
      next = data[above];
      found = true;
    }
  }
  return [kth, atMost > k + 1 ? kth : next];
}

function gather(data: Float64Array, lo: Uint32Array, hi: Uint32Array, total: number): Float64Array {
  const out = new Float64Array(total);
  let at = 0;
  for (let i = 0; i < lo.length; i++) {
    out.set(data.subarray(lo[i], hi[i]), at);
    at += hi[i] - lo[i];
  }
  return out;
}
