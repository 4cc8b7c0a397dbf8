import type { SortedValues } from 'src/engine/columnar/columnar-layout';

/**
 * Order statistics over several ascending runs of one typed array, without merging them: a
 * quantile over a year reads a dozen month runs and a few edge days, and selecting inside them
 * costs a few binary searches per run instead of copying and sorting every value.
 */

/** First index in [lo, hi) whose value is ≥ x (hi when none). */
export function lowerBound(data: SortedValues, lo: number, hi: number, x: number): number {
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
export function upperBound(data: SortedValues, lo: number, hi: number, x: number): number {
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

/** The k-th smallest (0-based) value of the union of the sorted runs `data[starts[i], ends[i])`. */
export function selectKth(
  data: SortedValues,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  k: number,
): number {
  return selectKthAndNext(data, starts, ends, k)[0];
}

/**
 * The k-th and (k+1)-th smallest values of the union of the sorted runs `data[starts[i],
 * ends[i])`, the pair a quantile interpolates between; the second is the first again when k is
 * the last rank.
 *
 * Each run keeps a window [lo, hi) of candidates, and rank k is tracked within the windows. A
 * round brackets it between the smallest and the largest of the runs' own values at that relative
 * rank: every run has at most its share of values below the smallest and at least its share up to
 * the largest, so the bracket always holds rank k, and when the runs come from similar
 * distributions (months of sales) it keeps a few percent of the candidates. Should a round fail
 * to halve them (runs with unlike values), the next pivots on the weighted median of the windows'
 * middles instead, which drops at least a quarter. Once few candidates remain they are copied
 * out and selected.
 */
export function selectKthAndNext(
  data: SortedValues,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  k: number,
): [number, number] {
  const runCount = starts.length;
  const { lo, hi, end, cut, cutEnd } = windowScratch(runCount);
  let count = 0;
  for (let i = 0; i < runCount; i++) {
    lo[i] = starts[i];
    hi[i] = ends[i];
    end[i] = ends[i];
    count += ends[i] - starts[i];
  }
  if (!Number.isInteger(k) || k < 0 || k >= count) {
    throw new RangeError(`rank ${k} is outside 0..${count - 1}`);
  }
  let rank = k;
  let bracket = true;
  while (count > RUN_GATHER_LIMIT) {
    const before = count;
    if (bracket) {
      // Run i holds floor(n_i * rank / count) values below its own value at that offset, and at
      // least ceil(n_i * (rank + 1) / count) up to its value at the offset before that count.
      const low = rank / count;
      const high = (rank + 1) / count;
      let from = Number.POSITIVE_INFINITY;
      let to = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < runCount; i++) {
        const n = hi[i] - lo[i];
        if (n > 0) {
          const a = data[lo[i] + Math.floor(n * low)];
          const b = data[lo[i] + Math.max(0, Math.min(n, Math.ceil(n * high)) - 1)];
          from = a < from ? a : from;
          to = b > to ? b : to;
        }
      }
      let below = 0;
      let upTo = 0;
      for (let i = 0; i < runCount; i++) {
        cut[i] = lowerBound(data, lo[i], hi[i], from);
        cutEnd[i] = upperBound(data, cut[i], hi[i], to);
        below += cut[i] - lo[i];
        upTo += cutEnd[i] - lo[i];
      }
      // Rounding in n * low cannot break the bracket by more than a value; check it regardless.
      if (below <= rank && rank < upTo) {
        for (let i = 0; i < runCount; i++) {
          lo[i] = cut[i];
          hi[i] = cutEnd[i];
        }
        rank -= below;
        count = upTo - below;
        if (from === to) {
          // Every candidate left equals the bracket's single value.
          return [from, rank + 1 < count ? from : successor(data, runCount, hi, end, from)];
        }
      }
    } else {
      const pivot = weightedMedianOfMiddles(data, runCount, lo, hi, count);
      let below = 0;
      let upTo = 0;
      for (let i = 0; i < runCount; i++) {
        cut[i] = lowerBound(data, lo[i], hi[i], pivot);
        cutEnd[i] = upperBound(data, cut[i], hi[i], pivot);
        below += cut[i] - lo[i];
        upTo += cutEnd[i] - lo[i];
      }
      if (rank < below) {
        for (let i = 0; i < runCount; i++) {
          hi[i] = cut[i];
        }
        count = below;
      } else if (rank < upTo) {
        // Rank k falls among the values equal to the pivot.
        for (let i = 0; i < runCount; i++) {
          hi[i] = cutEnd[i];
        }
        return [pivot, rank + 1 < upTo ? pivot : successor(data, runCount, hi, end, pivot)];
      } else {
        for (let i = 0; i < runCount; i++) {
          lo[i] = cutEnd[i];
        }
        rank -= upTo;
        count -= upTo;
      }
    }
    bracket = count * 2 <= before || !bracket;
  }

  const candidates = gatherScratch;
  let at = 0;
  for (let i = 0; i < runCount; i++) {
    for (let p = lo[i]; p < hi[i]; p++) {
      candidates[at++] = data[p];
    }
  }
  const pair = pairScratch;
  selectPairInPlace(candidates, count, rank, pair);
  const kth = pair[0];
  return [
    kth,
    pair[1] < Number.POSITIVE_INFINITY ? pair[1] : successor(data, runCount, hi, end, kth),
  ];
}

/**
 * The least value after the windows, all of which lie above them; `fallback` when every run ends
 * with its window.
 */
function successor(
  data: SortedValues,
  runCount: number,
  hi: Uint32Array,
  end: Uint32Array,
  fallback: number,
): number {
  let next = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runCount; i++) {
    if (hi[i] < end[i] && data[hi[i]] < next) {
      next = data[hi[i]];
    }
  }
  return next === Number.POSITIVE_INFINITY ? fallback : next;
}

/** The windows' middle element whose run is the median by candidate count, for a safe split. */
function weightedMedianOfMiddles(
  data: SortedValues,
  runCount: number,
  lo: Uint32Array,
  hi: Uint32Array,
  count: number,
): number {
  const live: number[] = [];
  const middles: number[] = [];
  for (let i = 0; i < runCount; i++) {
    if (hi[i] > lo[i]) {
      middles[i] = data[lo[i] + ((hi[i] - lo[i]) >>> 1)];
      live.push(i);
    }
  }
  live.sort((a, b) => middles[a] - middles[b]);
  for (let j = 0, weight = 0; j < live.length; j++) {
    weight += hi[live[j]] - lo[live[j]];
    if (weight * 2 >= count) {
      return middles[live[j]];
    }
  }
  return middles[live[live.length - 1]];
}

/** Below this many candidates left, copying and selecting them beats another narrowing round. */
const RUN_GATHER_LIMIT = 512;
const gatherScratch = new Float64Array(RUN_GATHER_LIMIT);
const pairScratch = new Float64Array(2);

interface Windows {
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
  readonly end: Uint32Array;
  readonly cut: Uint32Array;
  readonly cutEnd: Uint32Array;
}

let windows: Windows = windowsOfSize(64);

/** Per-run window arrays for a selection, shared (selections run one at a time). */
function windowScratch(runCount: number): Windows {
  if (runCount > windows.lo.length) {
    windows = windowsOfSize(Math.max(runCount, windows.lo.length * 2));
  }
  return windows;
}

function windowsOfSize(size: number): Windows {
  return {
    lo: new Uint32Array(size),
    hi: new Uint32Array(size),
    end: new Uint32Array(size),
    cut: new Uint32Array(size),
    cutEnd: new Uint32Array(size),
  };
}

/**
 * Rearranges `data[0, count)` so that position k holds the k-th smallest value, everything before
 * it is ≤ and everything after it is ≥ (Hoare partitions around a median of three): O(count)
 * expected, for candidates already copied out of their runs.
 */
export function selectInPlace(data: Float64Array, count: number, k: number): number {
  if (!Number.isInteger(k) || k < 0 || k >= count) {
    throw new RangeError(`rank ${k} is outside 0..${count - 1}`);
  }
  let lo = 0;
  let hi = count - 1;
  while (hi - lo >= INSERTION_LIMIT) {
    const mid = lo + ((hi - lo) >>> 1);
    // Order lo, mid, hi so the pivot is their median and both scans stop at the ends.
    if (data[mid] < data[lo]) {
      swap(data, mid, lo);
    }
    if (data[hi] < data[lo]) {
      swap(data, hi, lo);
    }
    if (data[hi] < data[mid]) {
      swap(data, hi, mid);
    }
    const pivot = data[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (data[i] < pivot) {
        i++;
      }
      while (data[j] > pivot) {
        j--;
      }
      if (i <= j) {
        swap(data, i, j);
        i++;
        j--;
      }
    }
    // Now [lo, j] ≤ pivot, [i, hi] ≥ pivot and anything between equals it.
    if (k <= j) {
      hi = j;
    } else if (k >= i) {
      lo = i;
    } else {
      return data[k];
    }
  }
  insertionSort(data, lo, hi);
  return data[k];
}

/**
 * The k-th smallest of `data[0, count)` into `out[0]` and the next one into `out[1]` (+∞ when k is
 * the last rank), for candidates copied out of runs. Quickselect's comparisons are coin flips the
 * branch predictor always loses, so this bins the values by linear interpolation between their
 * min and max in one pass without data-dependent branches, then sorts only the handful in the bin
 * holding rank k. `data` is reordered.
 */
export function selectPairInPlace(
  data: Float64Array,
  count: number,
  k: number,
  out: Float64Array,
): void {
  let min = data[0];
  let max = data[0];
  for (let i = 1; i < count; i++) {
    const x = data[i];
    min = x < min ? x : min;
    max = x > max ? x : max;
  }
  const binCount = binCountFor(count);
  const bins = zeroedBins(binCount);
  const scale = binScale(binCount, min, max);
  const last = binCount - 1;
  for (let i = 0; i < count; i++) {
    const bin = ((data[i] - min) * scale) | 0;
    bins[bin < last ? bin : last]++;
  }
  selectPairInBins(data, count, k, bins, binCount, min, scale, out);
}

/**
 * Bins for about `count` candidates: about 2^`shift` to a bin (eight by default), within the
 * shared counters.
 */
export function binCountFor(count: number, shift = 3): number {
  return Math.min(MAX_BINS, Math.max(1, count >>> shift));
}

/** The shared bin counters, the first `binCount` zeroed; queries run one at a time. */
export function zeroedBins(binCount: number): Uint32Array {
  binCounts.fill(0, 0, binCount);
  return binCounts;
}

/**
 * The factor mapping [low, high] onto `binCount` bins: value x goes to bin
 * `min(binCount - 1, (x - low) * scale | 0)`, which keeps the values' order, as subtraction,
 * scaling and truncation are all monotone. 0 (one bin for all) when the range is empty or too
 * wide or narrow to divide.
 */
export function binScale(binCount: number, low: number, high: number): number {
  const scale = binCount / (high - low);
  return scale > 0 && scale < Number.POSITIVE_INFINITY ? scale : 0;
}

/**
 * Finishes a selection once `bins[0, binCount)` counts `data[0, count)` by bin (see `binScale`),
 * into `out` as `selectPairInPlace` does: finds the bin
 * holding rank k, moves its values to the front and sorts them. Ties sharing one bin are
 * partitioned instead.
 */
export function selectPairInBins(
  data: Float64Array,
  count: number,
  k: number,
  bins: Uint32Array,
  binCount: number,
  low: number,
  scale: number,
  out: Float64Array,
): void {
  if (!Number.isInteger(k) || k < 0 || k >= count) {
    throw new RangeError(`rank ${k} is outside 0..${count - 1}`);
  }
  const last = binCount - 1;
  let target = 0;
  let before = 0;
  while (before + bins[target] <= k) {
    before += bins[target++];
  }
  const inTarget = bins[target];
  let after = target + 1;
  while (after < binCount && bins[after] === 0) {
    after++;
  }
  // The successor lies in the next non-empty bin when rank k is the last of its own.
  const successorBin = k + 1 - before < inTarget || after === binCount ? -1 : after;

  // Move the target bin's values to the front (behind the scan, so nothing unread is lost).
  let kept = 0;
  let successor = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const x = data[i];
    const raw = ((x - low) * scale) | 0;
    const bin = raw < last ? raw : last;
    if (bin === target) {
      data[kept++] = x;
    } else if (bin === successorBin && x < successor) {
      successor = x;
    }
  }
  const r = k - before;
  if (kept > SORT_LIMIT) {
    selectPairByPartition(data, kept, r, out);
  } else {
    insertionSort(data, 0, kept - 1);
    out[0] = data[r];
    out[1] = r + 1 < kept ? data[r + 1] : Number.POSITIVE_INFINITY;
  }
  if (r + 1 === kept) {
    out[1] = successor;
  }
}

function selectPairByPartition(
  data: Float64Array,
  count: number,
  k: number,
  out: Float64Array,
): void {
  out[0] = selectInPlace(data, count, k);
  let next = Number.POSITIVE_INFINITY;
  for (let i = k + 1; i < count; i++) {
    next = data[i] < next ? data[i] : next;
  }
  out[1] = next;
}

/** Bins per selection: about eight candidates each, and a bounded, reused counter array. */
const MAX_BINS = 1024;
/** A target bin with more values than this (ties) is partitioned rather than sorted. */
const SORT_LIMIT = 48;
const binCounts = new Uint32Array(MAX_BINS);

function insertionSort(data: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i <= hi; i++) {
    const x = data[i];
    let j = i - 1;
    while (j >= lo && data[j] > x) {
      data[j + 1] = data[j];
      j--;
    }
    data[j + 1] = x;
  }
}

/** Below this many candidates, insertion sort finishes a selection. */
const INSERTION_LIMIT = 16;

function swap(data: Float64Array, i: number, j: number): void {
  const t = data[i];
  data[i] = data[j];
  data[j] = t;
}
