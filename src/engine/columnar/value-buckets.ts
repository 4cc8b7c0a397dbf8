import type { ColumnarLayout } from 'src/engine/columnar/columnar-layout';
import type { MonthExtents } from 'src/engine/columnar/month-extents';
import {
  binCountFor,
  binScale,
  lowerBound,
  selectKthAndNext,
  selectPairInBins,
  zeroedBins,
} from 'src/engine/columnar/run-selection';

/**
 * Counters of each country's values by value bucket, cumulative over its months, so that a
 * quantile over a span of months finds its bucket without touching a run, and every run's slice of
 * that bucket is an offset read from the counters. A selection then copies only the bucket's
 * values (about four per month run of a whole country) instead of narrowing 132 runs with binary
 * searches round after round.
 *
 * Per country c with R months and boundaries b_0 < … < b_{w-1} (its values at evenly spaced ranks,
 * from a sample), `below[countStart[c] + r * w + j]` is how many rows of its first r months are
 * < b_j. A month run's rows below b_j are then the difference of entries r + 1 and r, and they
 * are the run's first ones, as runs are sorted. Counters of one month lie side by side: a search
 * for a bucket and the next window's search (a neighbouring bucket) read the same few cache lines,
 * where counters of one boundary side by side cost a cache miss per boundary tried.
 *
 * Memory: a country gets at most one counter per `rowsPerCounter` of its rows (4 by default), so
 * the counters stay at or under one byte per row.
 */
export class ValueBuckets {
  /** Boundaries per country; 0 means the country has no index (too few rows per month). */
  readonly width: Uint32Array;
  private readonly boundaryStart: Uint32Array;
  private readonly boundaries: Float64Array;
  private readonly countStart: Uint32Array;
  private readonly below: Uint32Array;

  /** Scratch for one selection; queries run one at a time. */
  private windowLo = new Uint32Array(64);
  private windowHi = new Uint32Array(64);
  private runStart = new Uint32Array(64);
  private runEnd = new Uint32Array(64);
  private readonly candidates: Float64Array;
  private readonly gatherLimit: number;
  private readonly acrossCopyLimit: number;
  private readonly acrossGatherLimit: number;
  /** Per country of a selection across countries: its window of buckets and rows below it. */
  private partLo = new Int32Array(16);
  private partHi = new Int32Array(16);
  private rowsBelowLo = new Float64Array(16);
  private rowsBelowHi = new Float64Array(16);
  private pivotAt = new Int32Array(16);
  private pivotAfter = new Int32Array(16);
  private pivotRowsAt = new Float64Array(16);
  private pivotRowsAfter = new Float64Array(16);
  private pivotOrder = new Int32Array(16);
  private pivotValue = new Float64Array(16);
  private readonly pair = new Float64Array(2);

  private constructor(
    private readonly layout: ColumnarLayout,
    private readonly months: MonthExtents,
    tuning: BucketTuning,
    parts: BucketParts,
  ) {
    this.gatherLimit = tuning.gatherLimit;
    this.acrossCopyLimit = tuning.acrossCopyLimit ?? ACROSS_COPY_LIMIT;
    this.acrossGatherLimit = tuning.acrossGatherLimit ?? ACROSS_GATHER_LIMIT;
    this.candidates = new Float64Array(tuning.gatherLimit);
    this.width = parts.width;
    this.boundaryStart = parts.boundaryStart;
    this.boundaries = parts.boundaries;
    this.countStart = parts.countStart;
    this.below = parts.below;
  }

  /** The boundaries and counters, to take this index to another thread (see `fromParts`). */
  get parts(): BucketParts {
    const { width, boundaryStart, boundaries, countStart, below } = this;
    return { width, boundaryStart, boundaries, countStart, below };
  }

  /** The index whose `parts` another thread built over the same layout. */
  static fromParts(
    layout: ColumnarLayout,
    months: MonthExtents,
    parts: BucketParts,
    tuning: BucketTuning = DEFAULT_BUCKET_TUNING,
  ): ValueBuckets {
    return new ValueBuckets(layout, months, tuning, parts);
  }

  /** Bytes held by the index, for memory accounting. */
  get byteLength(): number {
    return this.boundaries.byteLength + this.below.byteLength;
  }

  static build(
    layout: ColumnarLayout,
    months: MonthExtents,
    tuning: BucketTuning = DEFAULT_BUCKET_TUNING,
  ): ValueBuckets {
    const countries = layout.countryCodes.length;
    const { countryFirstMonth, countryRowStart } = layout;
    const width = new Uint32Array(countries);
    for (let c = 0; c < countries; c++) {
      const monthCount = countryFirstMonth[c + 1] - countryFirstMonth[c];
      const rows = countryRowStart[c + 1] - countryRowStart[c];
      const fit = Math.floor(rows / (tuning.rowsPerCounter * (monthCount + 1)));
      width[c] = fit < MIN_WIDTH ? 0 : Math.min(fit, MAX_WIDTH);
    }

    const chosen = Array.from({ length: countries }, (_, c) =>
      width[c] === 0 ? new Float64Array(0) : chooseBoundaries(layout, months, c, width[c]),
    );
    const boundaryStart = new Uint32Array(countries + 1);
    const countStart = new Uint32Array(countries + 1);
    for (let c = 0; c < countries; c++) {
      // Ties can leave fewer distinct boundaries than asked for.
      width[c] = chosen[c].length;
      const monthCount = countryFirstMonth[c + 1] - countryFirstMonth[c];
      boundaryStart[c + 1] = boundaryStart[c] + width[c];
      countStart[c + 1] = countStart[c] + (width[c] === 0 ? 0 : (monthCount + 1) * width[c]);
    }
    const boundaries = new Float64Array(boundaryStart[countries]);
    const below = new Uint32Array(countStart[countries]);
    for (let c = 0; c < countries; c++) {
      boundaries.set(chosen[c], boundaryStart[c]);
      if (width[c] > 0) {
        countBelow(layout, months, c, chosen[c], below, countStart[c]);
      }
    }
    return new ValueBuckets(layout, months, tuning, {
      width,
      boundaryStart,
      boundaries,
      countStart,
      below,
    });
  }

  /**
   * The k-th smallest value (0-based) of country `rank`'s rows in whole months
   * `[monthFrom[i], monthTo[i])` (month partitions, ascending and disjoint) and in day partitions
   * `days[0, dayCount)`, and the value after it (the k-th again when k is the last rank). Written
   * to `out[0]` and `out[1]`. `min` and `max` bound those rows' values.
   */
  selectKthAndNext(
    rank: number,
    monthFrom: Uint32Array,
    monthTo: Uint32Array,
    rangeCount: number,
    days: Uint32Array,
    dayCount: number,
    k: number,
    min: number,
    max: number,
    out: Float64Array,
  ): void {
    const { values, dayStart } = this.layout;
    const monthStart = this.months.start;
    const w = this.width[rank];
    const bounds = this.boundaries;
    const firstBound = this.boundaryStart[rank];
    const below = this.below;
    const origin = this.counterOrigin(rank);
    let dayRows = 0;
    for (let i = 0; i < dayCount; i++) {
      dayRows += dayStart[days[i] + 1] - dayStart[days[i]];
    }
    let monthRows = 0;
    for (let i = 0; i < rangeCount; i++) {
      monthRows += monthStart[monthTo[i]] - monthStart[monthFrom[i]];
    }

    // The bucket [b_lo, b_hi) holding rank k; lo = -1 and hi = w stand for -∞ and +∞. Month
    // counters alone settle most steps, as day runs can add at most `dayRows` below a boundary;
    // only the steps near rank k binary-search the day runs.
    let lo = -1;
    let hi = w;
    let monthRowsBelowLo = 0;
    let monthRowsBelowHi = monthRows;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      const at = origin + mid;
      let monthRowsBelow = 0;
      for (let i = 0; i < rangeCount; i++) {
        monthRowsBelow += below[at + monthTo[i] * w] - below[at + monthFrom[i] * w];
      }
      let rows = monthRowsBelow;
      if (rows <= k && rows + dayRows > k) {
        rows += this.dayRowsBelow(days, dayCount, bounds[firstBound + mid]);
      }
      if (rows <= k) {
        lo = mid;
        monthRowsBelowLo = monthRowsBelow;
      } else {
        hi = mid;
        monthRowsBelowHi = monthRowsBelow;
      }
    }

    let next = Number.POSITIVE_INFINITY;
    let runs = -1;
    let r: number;
    let inBucket: number;
    // At most this many rows fall in the bucket.
    const bound = monthRowsBelowHi - monthRowsBelowLo + dayRows;
    if (bound <= this.gatherLimit) {
      // Copy the bucket's slice of every run (a month's slice is read off its counters) and bin
      // the values on the way, for `selectPairInBins`.
      const low = lo < 0 ? min : bounds[firstBound + lo];
      const high = hi >= w ? max : bounds[firstBound + hi];
      const binCount = binCountFor(bound);
      const bins = zeroedBins(binCount);
      const scale = binScale(binCount, low, high);
      const last = binCount - 1;
      const candidates = this.candidates;
      let count = 0;
      let rowsBelowLo = 0;
      for (let i = 0; i < rangeCount; i++) {
        for (let m = monthFrom[i]; m < monthTo[i]; m++) {
          const start = monthStart[m];
          const at = origin + m * w;
          const from = lo < 0 ? start : start + below[at + w + lo] - below[at + lo];
          const to = hi >= w ? monthStart[m + 1] : start + below[at + w + hi] - below[at + hi];
          rowsBelowLo += from - start;
          for (let p = from; p < to; p++) {
            const x = values[p];
            candidates[count++] = x;
            const bin = ((x - low) * scale) | 0;
            bins[bin < last ? bin : last]++;
          }
        }
      }
      for (let i = 0; i < dayCount; i++) {
        const start = dayStart[days[i]];
        const end = dayStart[days[i] + 1];
        const from = lo < 0 ? start : lowerBound(values, start, end, bounds[firstBound + lo]);
        const to = hi >= w ? end : lowerBound(values, start, end, bounds[firstBound + hi]);
        rowsBelowLo += from - start;
        for (let p = from; p < to; p++) {
          const x = values[p];
          candidates[count++] = x;
          const bin = ((x - low) * scale) | 0;
          bins[bin < last ? bin : last]++;
        }
      }
      r = k - rowsBelowLo;
      inBucket = count;
      selectPairInBins(candidates, count, r, bins, binCount, low, scale, out);
      next = out[1];
    } else {
      // Heavy ties or a skewed span: narrow inside the windows instead of copying them.
      runs = this.windowsOf(rank, monthFrom, monthTo, rangeCount, days, dayCount, lo, hi);
      const { windowLo, windowHi, runStart } = this;
      let rowsBelowLo = 0;
      inBucket = 0;
      for (let i = 0; i < runs; i++) {
        rowsBelowLo += windowLo[i] - runStart[i];
        inBucket += windowHi[i] - windowLo[i];
      }
      r = k - rowsBelowLo;
      const [kth, after] = selectKthAndNext(
        values,
        windowLo.subarray(0, runs),
        windowHi.subarray(0, runs),
        r,
      );
      out[0] = kth;
      if (r + 1 < inBucket) {
        next = after;
      }
    }
    if (r + 1 === inBucket) {
      // The successor opens the next non-empty bucket: the least first value past a window.
      if (runs < 0) {
        runs = this.windowsOf(rank, monthFrom, monthTo, rangeCount, days, dayCount, lo, hi);
      }
      const { windowHi, runEnd } = this;
      for (let i = 0; i < runs; i++) {
        if (windowHi[i] < runEnd[i] && values[windowHi[i]] < next) {
          next = values[windowHi[i]];
        }
      }
    }
    out[1] = next === Number.POSITIVE_INFINITY ? out[0] : next;
  }

  /**
   * `selectKthAndNext` for many spans of whole months of country `rank` at once: span i is months
   * `[spans.from[i], spans.to[i])` with rank `spans.k[i]` and values within
   * `[spans.min[i], spans.max[i]]`; its pair goes to `out[2i]` and `out[2i + 1]`. A span whose
   * bucket holds more rows than the gather limit (heavy ties) gets NaN, to be selected alone.
   *
   * Meant for spans that slide, as a rolling window's do: consecutive spans share most months and
   * mostly their bucket too, so each bucket search starts from the last span's bucket and widens
   * in doubling steps, two counts instead of a dozen in the usual case.
   */
  selectInMonthSpans(rank: number, spans: MonthSpanBatch, count: number, out: Float64Array): void {
    const { values } = this.layout;
    const monthStart = this.months.start;
    const w = this.width[rank];
    const bounds = this.boundaries;
    const firstBound = this.boundaryStart[rank];
    const below = this.below;
    const origin = this.counterOrigin(rank);
    const { from: spanFrom, to: spanTo, k: spanK, bucket } = spans;

    // Each span's bucket [b_lo, b_lo+1) holding its rank (lo = -1 for -∞, w for +∞ as above).
    let months = 0;
    let lo = -1;
    for (let i = 0; i < count; i++) {
      const from = spanFrom[i];
      const to = spanTo[i];
      const k = spanK[i];
      months += to - from;
      // Rows below boundary j: below[atTo + j] - below[atFrom + j].
      const atTo = origin + to * w;
      const atFrom = origin + from * w;
      let hi = w;
      if (lo >= 0 && below[atTo + lo] - below[atFrom + lo] > k) {
        hi = lo;
        lo = -1;
        for (let step = 1; hi - step >= 0; step *= 2) {
          if (below[atTo + hi - step] - below[atFrom + hi - step] <= k) {
            lo = hi - step;
            break;
          }
          hi -= step;
        }
      } else {
        for (let step = 1; lo + step < w; step *= 2) {
          if (below[atTo + lo + step] - below[atFrom + lo + step] > k) {
            hi = lo + step;
            break;
          }
          lo += step;
        }
      }
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (below[atTo + mid] - below[atFrom + mid] <= k) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      bucket[i] = lo;
    }

    // Every span's slice of its bucket in each of its months.
    this.reserve(months);
    const { windowLo, windowHi } = this;
    for (let i = 0, s = 0; i < count; i++) {
      const jLo = bucket[i];
      const jHi = jLo + 1;
      for (let m = spanFrom[i]; m < spanTo[i]; m++, s++) {
        const start = monthStart[m];
        const at = origin + m * w;
        const a = jLo < 0 ? start : start + below[at + w + jLo] - below[at + jLo];
        const z = jHi >= w ? monthStart[m + 1] : start + below[at + w + jHi] - below[at + jHi];
        windowLo[s] = a;
        windowHi[s] = z;
      }
    }

    const candidates = this.candidates;
    for (let i = 0, s = 0; i < count; i++) {
      const from = spanFrom[i];
      const to = spanTo[i];
      const jLo = bucket[i];
      const jHi = jLo + 1;
      const first = s;
      s += to - from;
      let bound = 0;
      let rowsBelowLo = 0;
      for (let t = first, m = from; t < s; t++, m++) {
        bound += windowHi[t] - windowLo[t];
        rowsBelowLo += windowLo[t] - monthStart[m];
      }
      if (bound > this.gatherLimit) {
        out[2 * i] = Number.NaN;
        out[2 * i + 1] = Number.NaN;
        continue;
      }
      const low = jLo < 0 ? spans.min[i] : bounds[firstBound + jLo];
      const high = jHi >= w ? spans.max[i] : bounds[firstBound + jHi];
      // One bin per candidate: the bin holding rank k then has one or two values, so the second
      // scan moves almost nothing and sorts nothing (eight to a bin cost about 20% more here).
      const binCount = binCountFor(bound, 0);
      const bins = zeroedBins(binCount);
      const scale = binScale(binCount, low, high);
      const last = binCount - 1;
      let count = 0;
      for (let t = first; t < s; t++) {
        for (let p = windowLo[t], z = windowHi[t]; p < z; p++) {
          const x = values[p];
          candidates[count++] = x;
          const bin = ((x - low) * scale) | 0;
          bins[bin < last ? bin : last]++;
        }
      }
      const r = spanK[i] - rowsBelowLo;
      selectPairInBins(candidates, count, r, bins, binCount, low, scale, this.pair);
      let next = this.pair[1];
      if (r + 1 === count) {
        // The successor opens the next non-empty bucket: the least first value past a slice.
        for (let t = first, m = from; t < s; t++, m++) {
          const z = windowHi[t];
          if (z < monthStart[m + 1] && values[z] < next) {
            next = values[z];
          }
        }
      }
      out[2 * i] = this.pair[0];
      out[2 * i + 1] = next === Number.POSITIVE_INFINITY ? this.pair[0] : next;
    }
  }

  /**
   * The k-th smallest value (0-based) of the rows of several countries, each with its own whole
   * month spans and day partitions (`spans`), and the value after it, into `out[0]` and `out[1]`
   * (the k-th again when k is the last rank). `min` and `max` bound those rows' values.
   *
   * Each country keeps a window of its own buckets, [b_lo, b_hi), and the windows share one value
   * bracket [low, high): every window starts at a boundary ≤ low and ends at one ≥ high, and rank k
   * lies in the bracket (fewer than k + 1 rows below low, more than k below high). A round pivots on
   * a boundary inside some window and counts the rows below it from every country's counters:
   * each country brackets that count between its two boundaries around the pivot, and the rows of
   * the buckets the pivot cuts are counted exactly only when the bracket leaves the side in doubt.
   * Once the windows hold few rows (or cannot shrink), their slices are copied and selected; rows
   * below a window are below every row of the bracket and rows past one above, so rank k is rank
   * k − (rows below the windows) among the copies.
   */
  selectKthAndNextAcross(
    spans: CountrySpans,
    k: number,
    min: number,
    max: number,
    out: Float64Array,
  ): void {
    const parts = spans.countryCount;
    this.reserveCountries(parts);
    const { partLo, partHi, rowsBelowLo, rowsBelowHi, pivotAt, pivotAfter } = this;
    const bounds = this.boundaries;
    let total = 0;
    for (let i = 0; i < parts; i++) {
      partLo[i] = -1;
      partHi[i] = this.width[spans.rank[i]];
      rowsBelowLo[i] = 0;
      rowsBelowHi[i] = this.rowsBelowBoundary(spans, i, partHi[i]);
      total += rowsBelowHi[i];
    }
    if (!Number.isInteger(k) || k < 0 || k >= total) {
      throw new RangeError(`rank ${k} is outside 0..${total - 1}`);
    }
    // The bracket's high end; its low end is only implied by the windows' starts.
    let high = Number.POSITIVE_INFINITY;
    for (;;) {
      let windowRows = 0;
      for (let i = 0; i < parts; i++) {
        windowRows += rowsBelowHi[i] - rowsBelowLo[i];
      }
      if (windowRows <= this.gatherLimit) {
        break;
      }
      const pivot = this.pivotOf(spans, parts);
      if (Number.isNaN(pivot)) {
        break;
      }
      // Per country, the last boundary ≤ pivot and the first ≥ pivot, and the rows below each.
      let fewest = 0;
      let most = 0;
      for (let i = 0; i < parts; i++) {
        const first = this.boundaryStart[spans.rank[i]];
        let a = partLo[i];
        let b = partHi[i];
        while (b - a > 1) {
          const mid = (a + b) >> 1;
          if (bounds[first + mid] <= pivot) {
            a = mid;
          } else {
            b = mid;
          }
        }
        const exactHit = a > partLo[i] && bounds[first + a] === pivot;
        pivotAt[i] = a;
        pivotAfter[i] = exactHit ? a : b;
        const belowAt = a === partLo[i] ? rowsBelowLo[i] : this.rowsBelowBoundary(spans, i, a);
        const belowAfter = exactHit
          ? belowAt
          : b === partHi[i]
            ? rowsBelowHi[i]
            : this.rowsBelowBoundary(spans, i, b);
        fewest += belowAt;
        most += belowAfter;
        this.pivotRowsAt[i] = belowAt;
        this.pivotRowsAfter[i] = belowAfter;
      }
      let pivotBelowOrAtRank = most <= k;
      if (!pivotBelowOrAtRank && fewest <= k) {
        if (windowRows <= this.acrossCopyLimit) {
          // Copying the windows costs less than counting inside every run of the cut buckets.
          break;
        }
        // The counters leave it open: count the rows below the pivot in the buckets it cuts.
        let rows = fewest;
        for (let i = 0; i < parts && rows <= k; i++) {
          if (pivotAt[i] !== pivotAfter[i]) {
            rows += this.bucketRowsBelow(spans, i, pivotAt[i], pivot);
          }
        }
        pivotBelowOrAtRank = rows <= k;
      }
      if (pivotBelowOrAtRank) {
        // At most k rows lie below the pivot, so rank k is at or above it: the bracket's new low.
        for (let i = 0; i < parts; i++) {
          partLo[i] = pivotAt[i];
          rowsBelowLo[i] = this.pivotRowsAt[i];
        }
      } else {
        high = pivot;
        for (let i = 0; i < parts; i++) {
          partHi[i] = pivotAfter[i];
          rowsBelowHi[i] = this.pivotRowsAfter[i];
        }
      }
    }

    let below = 0;
    let windowRows = 0;
    let gatherLow = Number.POSITIVE_INFINITY;
    let gatherHigh = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < parts; i++) {
      below += rowsBelowLo[i];
      windowRows += rowsBelowHi[i] - rowsBelowLo[i];
      const first = this.boundaryStart[spans.rank[i]];
      const w = this.width[spans.rank[i]];
      const from = partLo[i] < 0 ? min : bounds[first + partLo[i]];
      const to = partHi[i] >= w ? max : bounds[first + partHi[i]];
      gatherLow = from < gatherLow ? from : gatherLow;
      gatherHigh = to > gatherHigh ? to : gatherHigh;
    }
    const r = k - below;
    let next: number;
    if (windowRows <= this.acrossGatherLimit) {
      const candidates = acrossScratch(windowRows);
      const binCount = binCountFor(windowRows);
      const bins = zeroedBins(binCount);
      const scale = binScale(binCount, gatherLow, gatherHigh);
      const last = binCount - 1;
      const { values } = this.layout;
      const runs = this.windowsAcross(spans, parts);
      const { windowLo, windowHi } = this;
      let count = 0;
      for (let run = 0; run < runs; run++) {
        for (let p = windowLo[run]; p < windowHi[run]; p++) {
          const x = values[p];
          candidates[count++] = x;
          const bin = ((x - gatherLow) * scale) | 0;
          bins[bin < last ? bin : last]++;
        }
      }
      selectPairInBins(candidates, count, r, bins, binCount, gatherLow, scale, out);
      next = out[1];
    } else {
      // Heavy ties: narrow inside the windows instead of copying them.
      const runs = this.windowsAcross(spans, parts);
      const [kth, after] = selectKthAndNext(
        this.layout.values,
        this.windowLo.subarray(0, runs),
        this.windowHi.subarray(0, runs),
        r,
      );
      out[0] = kth;
      next = r + 1 < windowRows ? after : Number.POSITIVE_INFINITY;
    }
    if (!(next <= high)) {
      // Rows past a window are ≥ high, but a later window may still hold a smaller one.
      const runs = this.windowsAcross(spans, parts);
      const { values } = this.layout;
      const { windowHi, runEnd } = this;
      for (let run = 0; run < runs; run++) {
        if (windowHi[run] < runEnd[run] && values[windowHi[run]] < next) {
          next = values[windowHi[run]];
        }
      }
    }
    out[1] = next === Number.POSITIVE_INFINITY ? out[0] : next;
  }

  /** Rows of country i of `spans` below its boundary j (-1 for none, width for all its rows). */
  private rowsBelowBoundary(spans: CountrySpans, i: number, j: number): number {
    const rank = spans.rank[i];
    const { dayStart, values } = this.layout;
    const monthStart = this.months.start;
    const { monthFrom, monthTo, days } = spans;
    const rangeEnd = spans.rangeStart[i + 1];
    const dayEnd = spans.dayStart[i + 1];
    let rows = 0;
    if (j < 0) {
      return 0;
    }
    if (j >= this.width[rank]) {
      for (let s = spans.rangeStart[i]; s < rangeEnd; s++) {
        rows += monthStart[monthTo[s]] - monthStart[monthFrom[s]];
      }
      for (let d = spans.dayStart[i]; d < dayEnd; d++) {
        rows += dayStart[days[d] + 1] - dayStart[days[d]];
      }
      return rows;
    }
    const w = this.width[rank];
    const at = this.counterOrigin(rank) + j;
    const below = this.below;
    for (let s = spans.rangeStart[i]; s < rangeEnd; s++) {
      rows += below[at + monthTo[s] * w] - below[at + monthFrom[s] * w];
    }
    const bound = this.boundaries[this.boundaryStart[rank] + j];
    for (let d = spans.dayStart[i]; d < dayEnd; d++) {
      const start = dayStart[days[d]];
      rows += lowerBound(values, start, dayStart[days[d] + 1], bound) - start;
    }
    return rows;
  }

  /** Rows of country i of `spans` in its bucket [b_j, b_j+1) that are below `x`. */
  private bucketRowsBelow(spans: CountrySpans, i: number, j: number, x: number): number {
    const rank = spans.rank[i];
    const { dayStart, values } = this.layout;
    const monthStart = this.months.start;
    const w = this.width[rank];
    const origin = this.counterOrigin(rank);
    const below = this.below;
    let rows = 0;
    for (let s = spans.rangeStart[i]; s < spans.rangeStart[i + 1]; s++) {
      for (let m = spans.monthFrom[s]; m < spans.monthTo[s]; m++) {
        const start = monthStart[m];
        const at = origin + m * w + j;
        const from = j < 0 ? start : start + below[at + w] - below[at];
        const to = j + 1 >= w ? monthStart[m + 1] : start + below[at + w + 1] - below[at + 1];
        rows += lowerBound(values, from, to, x) - from;
      }
    }
    const low = j < 0 ? Number.NEGATIVE_INFINITY : this.boundaries[this.boundaryStart[rank] + j];
    for (let d = spans.dayStart[i]; d < spans.dayStart[i + 1]; d++) {
      const start = dayStart[spans.days[d]];
      const end = dayStart[spans.days[d] + 1];
      const from = j < 0 ? start : lowerBound(values, start, end, low);
      rows += lowerBound(values, from, end, x) - from;
    }
    return rows;
  }

  /**
   * The boundary to split on: of the countries whose window holds an inner boundary, the middle
   * one of the country that is the weighted median by window rows (so about a quarter of the
   * windows' rows lies on either side); NaN when no window can shrink.
   */
  private pivotOf(spans: CountrySpans, parts: number): number {
    const { partLo, partHi, rowsBelowLo, rowsBelowHi, pivotOrder, pivotValue } = this;
    let live = 0;
    let weight = 0;
    for (let i = 0; i < parts; i++) {
      if (partHi[i] - partLo[i] >= 2) {
        const mid = (partLo[i] + partHi[i]) >> 1;
        pivotValue[i] = this.boundaries[this.boundaryStart[spans.rank[i]] + mid];
        // Insertion sort by middle value: a few countries at most.
        let at = live++;
        while (at > 0 && pivotValue[pivotOrder[at - 1]] > pivotValue[i]) {
          pivotOrder[at] = pivotOrder[at - 1];
          at--;
        }
        pivotOrder[at] = i;
        weight += rowsBelowHi[i] - rowsBelowLo[i];
      }
    }
    if (live === 0) {
      return Number.NaN;
    }
    for (let j = 0, seen = 0; j < live; j++) {
      const i = pivotOrder[j];
      seen += rowsBelowHi[i] - rowsBelowLo[i];
      if (seen * 2 >= weight) {
        return pivotValue[i];
      }
    }
    return pivotValue[pivotOrder[live - 1]];
  }

  /**
   * Every run of `spans` (month by month, then day by day, country by country) with its slice
   * [windowLo, windowHi) of its country's window [b_partLo, b_partHi); the run count.
   */
  private windowsAcross(spans: CountrySpans, parts: number): number {
    const { values, dayStart } = this.layout;
    const monthStart = this.months.start;
    const below = this.below;
    let runCount = 0;
    for (let i = 0; i < parts; i++) {
      runCount += spans.dayStart[i + 1] - spans.dayStart[i];
      for (let s = spans.rangeStart[i]; s < spans.rangeStart[i + 1]; s++) {
        runCount += spans.monthTo[s] - spans.monthFrom[s];
      }
    }
    this.reserve(runCount);
    const { windowLo, windowHi, runStart, runEnd } = this;
    let runs = 0;
    for (let i = 0; i < parts; i++) {
      const rank = spans.rank[i];
      const w = this.width[rank];
      const lo = this.partLo[i];
      const hi = this.partHi[i];
      const origin = this.counterOrigin(rank);
      for (let s = spans.rangeStart[i]; s < spans.rangeStart[i + 1]; s++) {
        for (let m = spans.monthFrom[s]; m < spans.monthTo[s]; m++) {
          const start = monthStart[m];
          const end = monthStart[m + 1];
          const at = origin + m * w;
          windowLo[runs] = lo < 0 ? start : start + below[at + w + lo] - below[at + lo];
          windowHi[runs] = hi >= w ? end : start + below[at + w + hi] - below[at + hi];
          runStart[runs] = start;
          runEnd[runs++] = end;
        }
      }
      const first = this.boundaryStart[rank];
      for (let d = spans.dayStart[i]; d < spans.dayStart[i + 1]; d++) {
        const start = dayStart[spans.days[d]];
        const end = dayStart[spans.days[d] + 1];
        windowLo[runs] =
          lo < 0 ? start : lowerBound(values, start, end, this.boundaries[first + lo]);
        windowHi[runs] =
          hi >= w ? end : lowerBound(values, start, end, this.boundaries[first + hi]);
        runStart[runs] = start;
        runEnd[runs++] = end;
      }
    }
    return runs;
  }

  private reserveCountries(parts: number): void {
    if (parts <= this.partLo.length) {
      return;
    }
    const size = Math.max(parts, this.partLo.length * 2);
    this.partLo = new Int32Array(size);
    this.partHi = new Int32Array(size);
    this.rowsBelowLo = new Float64Array(size);
    this.rowsBelowHi = new Float64Array(size);
    this.pivotAt = new Int32Array(size);
    this.pivotAfter = new Int32Array(size);
    this.pivotRowsAt = new Float64Array(size);
    this.pivotRowsAfter = new Float64Array(size);
    this.pivotOrder = new Int32Array(size);
    this.pivotValue = new Float64Array(size);
  }

  /** Rows of the day runs below `bound`. */
  private dayRowsBelow(days: Uint32Array, dayCount: number, bound: number): number {
    const { values, dayStart } = this.layout;
    let rows = 0;
    for (let i = 0; i < dayCount; i++) {
      const start = dayStart[days[i]];
      rows += lowerBound(values, start, dayStart[days[i] + 1], bound) - start;
    }
    return rows;
  }

  /** Every run's bounds and its slice [windowLo, windowHi) of bucket [b_lo, b_hi); the run count. */
  private windowsOf(
    rank: number,
    monthFrom: Uint32Array,
    monthTo: Uint32Array,
    rangeCount: number,
    days: Uint32Array,
    dayCount: number,
    lo: number,
    hi: number,
  ): number {
    const { values, dayStart } = this.layout;
    const monthStart = this.months.start;
    const w = this.width[rank];
    const firstBound = this.boundaryStart[rank];
    const below = this.below;
    const origin = this.counterOrigin(rank);
    this.reserve(dayCount + (rangeCount > 0 ? monthTo[rangeCount - 1] - monthFrom[0] : 0));
    const { windowLo, windowHi, runStart, runEnd } = this;
    let runs = 0;
    for (let i = 0; i < rangeCount; i++) {
      for (let m = monthFrom[i]; m < monthTo[i]; m++) {
        const start = monthStart[m];
        const end = monthStart[m + 1];
        const at = origin + m * w;
        windowLo[runs] = lo < 0 ? start : start + below[at + w + lo] - below[at + lo];
        windowHi[runs] = hi >= w ? end : start + below[at + w + hi] - below[at + hi];
        runStart[runs] = start;
        runEnd[runs++] = end;
      }
    }
    for (let i = 0; i < dayCount; i++) {
      const start = dayStart[days[i]];
      const end = dayStart[days[i] + 1];
      const bounds = this.boundaries;
      windowLo[runs] = lo < 0 ? start : lowerBound(values, start, end, bounds[firstBound + lo]);
      windowHi[runs] = hi >= w ? end : lowerBound(values, start, end, bounds[firstBound + hi]);
      runStart[runs] = start;
      runEnd[runs++] = end;
    }
    return runs;
  }

  /**
   * Where country `rank`'s counters start: the counter of boundary j for month partition m (how
   * many of the country's rows before m are below b_j) is `below[origin + m * width[rank] + j]`.
   */
  private counterOrigin(rank: number): number {
    return this.countStart[rank] - this.layout.countryFirstMonth[rank] * this.width[rank];
  }

  private reserve(runs: number): void {
    if (runs <= this.windowLo.length) {
      return;
    }
    const size = Math.max(runs, this.windowLo.length * 2);
    const grow = (from: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> => {
      const to = new Uint32Array(size);
      to.set(from);
      return to;
    };
    this.windowLo = grow(this.windowLo);
    this.windowHi = grow(this.windowHi);
    this.runStart = grow(this.runStart);
    this.runEnd = grow(this.runEnd);
  }
}

/** Space and copying limits; tests shrink them to reach every path with little data. */
/** A `ValueBuckets` index's arrays (see the class comment). */
export interface BucketParts {
  readonly width: Uint32Array;
  readonly boundaryStart: Uint32Array;
  readonly boundaries: Float64Array;
  readonly countStart: Uint32Array;
  readonly below: Uint32Array;
}

export interface BucketTuning {
  /** Rows per counter: one Uint32 counter per four rows is at most a byte per row. */
  readonly rowsPerCounter: number;
  /** Buckets at most this big are copied and selected in place. */
  readonly gatherLimit: number;
  /** Windows across countries at most this big are copied rather than counted inside (16384). */
  readonly acrossCopyLimit?: number;
  /** Windows across countries bigger than this are narrowed inside their runs (131072). */
  readonly acrossGatherLimit?: number;
}

export const DEFAULT_BUCKET_TUNING: BucketTuning = { rowsPerCounter: 4, gatherLimit: 4096 };
/**
 * Windows across countries holding at most this many rows are copied and selected: a window
 * cannot shrink below one bucket per country, so this allows a few hundred rows per bucket for
 * dozens of countries.
 */
const ACROSS_GATHER_LIMIT = 131072;
/**
 * When the counters cannot tell on which side of a pivot rank k lies, windows holding at most
 * this many rows are copied rather than counted inside every run of the buckets the pivot cuts.
 */
const ACROSS_COPY_LIMIT = 16384;
let acrossCandidates = new Float64Array(0);

/** The shared copy buffer of selections across countries, grown on demand. */
function acrossScratch(size: number): Float64Array {
  if (acrossCandidates.length < size) {
    acrossCandidates = new Float64Array(Math.max(size, acrossCandidates.length * 2, 4096));
  }
  return acrossCandidates;
}

/**
 * Spans of whole months of one country for `ValueBuckets.selectInMonthSpans`: span i is months
 * `[from[i], to[i])` with rank `k[i]` and values within `[min[i], max[i]]`; `bucket` is scratch.
 */
export class MonthSpanBatch {
  from = new Uint32Array(64);
  to = new Uint32Array(64);
  k = new Float64Array(64);
  min = new Float64Array(64);
  max = new Float64Array(64);
  bucket = new Int32Array(64);

  /** Room for `count` spans; the contents are not kept. */
  reserve(count: number): void {
    if (count > this.from.length) {
      this.from = new Uint32Array(count);
      this.to = new Uint32Array(count);
      this.k = new Float64Array(count);
      this.min = new Float64Array(count);
      this.max = new Float64Array(count);
      this.bucket = new Int32Array(count);
    }
  }
}

/**
 * Several countries' whole-month spans and day partitions, country by country: country i
 * (`rank[i]`) has the spans `[monthFrom[s], monthTo[s])` for s in `[rangeStart[i],
 * rangeStart[i + 1])` and the day partitions `days[d]` for d in `[dayStart[i], dayStart[i + 1])`.
 */
export class CountrySpans {
  countryCount = 0;
  rank = new Int32Array(16);
  rangeStart = new Uint32Array(17);
  dayStart = new Uint32Array(17);
  monthFrom = new Uint32Array(64);
  monthTo = new Uint32Array(64);
  days = new Uint32Array(64);

  /** Room for `countries` countries, `ranges` month spans and `days` day partitions. */
  reserve(countries: number, ranges: number, days: number): void {
    if (countries + 1 > this.rangeStart.length) {
      this.rank = new Int32Array(countries);
      this.rangeStart = new Uint32Array(countries + 1);
      this.dayStart = new Uint32Array(countries + 1);
    }
    if (ranges > this.monthFrom.length) {
      this.monthFrom = new Uint32Array(ranges);
      this.monthTo = new Uint32Array(ranges);
    }
    if (days > this.days.length) {
      this.days = new Uint32Array(days);
    }
  }
}

/** Fewer boundaries than this would not narrow enough to pay for the counters. */
const MIN_WIDTH = 4;
const MAX_WIDTH = 4096;
/** Sample values per boundary; the boundaries need only be roughly evenly spaced in rank. */
const SAMPLES_PER_BOUNDARY = 4;

/** Distinct values at evenly spaced ranks of a sample taken across all the country's months. */
function chooseBoundaries(
  layout: ColumnarLayout,
  months: MonthExtents,
  rank: number,
  width: number,
): Float64Array {
  const { values, countryRowStart, countryFirstMonth } = layout;
  // The country's month runs lie back to back at the month level.
  const first = months.start[countryFirstMonth[rank]];
  const rows = countryRowStart[rank + 1] - countryRowStart[rank];
  const stride = Math.max(1, Math.floor(rows / (width * SAMPLES_PER_BOUNDARY)));
  const sample = new Float64Array(Math.floor(rows / stride));
  // A fixed offset per stride would read every sorted month at the same few ranks; a jittered one
  // spreads the sample over all ranks.
  let state = 0x9e3779b9;
  for (let i = 0; i < sample.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    sample[i] = values[first + i * stride + (state % stride)];
  }
  sample.sort();
  const chosen: number[] = [];
  for (let j = 1; j <= width; j++) {
    const value = sample[Math.floor((j * sample.length) / (width + 1))];
    // Strictly ascending, so that every bucket [b_j, b_j+1) is a proper value range.
    if (chosen.length === 0 || value > chosen[chosen.length - 1]) {
      chosen.push(value);
    }
  }
  return Float64Array.from(chosen);
}

/** Fills the country's cumulative counters with one merge-like walk per month run. */
function countBelow(
  layout: ColumnarLayout,
  months: MonthExtents,
  rank: number,
  bounds: Float64Array,
  below: Uint32Array,
  at: number,
): void {
  const { values, countryFirstMonth } = layout;
  const w = bounds.length;
  const firstMonth = countryFirstMonth[rank];
  const monthCount = countryFirstMonth[rank + 1] - firstMonth;
  // Row r (w counters) covers the first r months; row 0 stays zero.
  for (let r = 0; r < monthCount; r++) {
    const start = months.start[firstMonth + r];
    const end = months.start[firstMonth + r + 1];
    let p = start;
    for (let j = 0, cell = at + r * w; j < w; j++, cell++) {
      const bound = bounds[j];
      while (p < end && values[p] < bound) {
        p++;
      }
      below[cell + w] = below[cell] + (p - start);
    }
  }
}
