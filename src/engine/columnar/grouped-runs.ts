import {
  addExactTotals,
  exactTotals,
  type ExactDecimalTotals,
  type ExactTotals,
} from 'src/engine/metrics/exact-decimal';

/**
 * The output groups of one query while it is answered: each group's sorted runs and its combined
 * totals, all in typed arrays that the table reuses from query to query, so that collecting
 * thousands of groups allocates nothing.
 *
 * A group's runs are a linked list of entries in insertion order. An entry is either a span of
 * consecutive month partitions `[from, to)` of one country or a single day partition (`from` =
 * -1 - p), so a group of whole months holds one entry per unbroken span rather than one per month.
 */
export class GroupedRuns {
  groupCount = 0;
  /** The one country whose rows a group holds, or SEVERAL_COUNTRIES when it spans several. */
  source = new Int32Array(16);
  /** Country rank named in the answer, or -1 without a country split. */
  country = new Int32Array(16);
  period = new Int32Array(16);
  firstEntry = new Int32Array(16);
  lastEntry = new Int32Array(16);
  rows = new Float64Array(16);
  sum = new Float64Array(16);
  mean = new Float64Array(16);
  m2 = new Float64Array(16);
  min = new Float64Array(16);
  max = new Float64Array(16);
  /** Each group's exact Σk and Σk², when the table keeps exact totals. */
  exact: ExactTotals = exactTotals(16);

  entryCount = 0;
  entryFrom = new Int32Array(64);
  entryTo = new Int32Array(64);
  nextEntry = new Int32Array(64);

  /** Whether to combine means and M2s, which only variance and stddev read. */
  spread = false;
  /**
   * The table's exact partition totals, when this query reads them; null when it computes in
   * floating point or asks for no sum, mean or spread.
   */
  private levels: ExactDecimalTotals | null = null;
  /** Whether to add up exact Σk² too, which only exact spreads read. */
  private exactSquares = false;

  reset(spread: boolean, levels: ExactDecimalTotals | null, exactSquares: boolean): void {
    this.groupCount = 0;
    this.entryCount = 0;
    this.spread = spread;
    this.levels = levels;
    this.exactSquares = exactSquares;
  }

  addGroup(country: number, source: number, period: number): number {
    if (this.groupCount === this.source.length) {
      this.growGroups();
    }
    const g = this.groupCount++;
    this.country[g] = country;
    this.source[g] = source;
    this.period[g] = period;
    this.firstEntry[g] = -1;
    this.lastEntry[g] = -1;
    this.rows[g] = 0;
    if (this.levels !== null) {
      const exact = this.exact;
      exact.sumHi[g] = 0;
      exact.sumLo[g] = 0;
      exact.squaresHi[g] = 0;
      exact.squaresLo[g] = 0;
    }
    return g;
  }

  /** Whether group g reads a single sorted run (one month or one day). */
  isSingleRun(g: number): boolean {
    const entry = this.firstEntry[g];
    return (
      entry === this.lastEntry[g] &&
      (this.entryFrom[entry] < 0 || this.entryTo[entry] === this.entryFrom[entry] + 1)
    );
  }

  /** Adds month partition m, extending the group's last span when it ends at m. */
  addMonth(
    g: number,
    m: number,
    source: number,
    count: number,
    sum: number,
    mean: number,
    m2: number,
    min: number,
    max: number,
  ): void {
    const last = this.lastEntry[g];
    if (last >= 0 && this.entryTo[last] === m && this.entryFrom[last] >= 0) {
      this.entryTo[last] = m + 1;
    } else {
      this.addEntry(g, m, m + 1);
    }
    this.fold(g, source, count, sum, mean, m2, min, max);
    if (this.levels !== null) {
      addExactTotals(this.exact, g, this.levels.month, m, this.exactSquares);
    }
  }

  /**
   * Adds month partitions [from, to) of country `source` in turn, as many `addMonth` calls would,
   * in one loop: a 12-month window adds a dozen months to each of thousands of groups.
   */
  addMonths(g: number, from: number, to: number, source: number, totals: MonthTotals): void {
    if (from >= to) {
      return;
    }
    const last = this.lastEntry[g];
    if (last >= 0 && this.entryTo[last] === from && this.entryFrom[last] >= 0) {
      this.entryTo[last] = to;
    } else {
      this.addEntry(g, from, to);
    }
    // `fold` month by month, on locals: the same operations in the same order, so the same
    // roundings, without a store and reload of every total per month.
    const { start, sum, mean, m2, min, max } = totals;
    const spread = this.spread;
    let rows = this.rows[g];
    let gSource = this.source[g];
    let gSum = this.sum[g];
    let gMean = this.mean[g];
    let gM2 = this.m2[g];
    let gMin = this.min[g];
    let gMax = this.max[g];
    for (let m = from; m < to; m++) {
      const count = start[m + 1] - start[m];
      if (rows === 0) {
        gSource = source;
        rows = count;
        gSum = sum[m];
        gMean = mean[m];
        gM2 = m2[m];
        gMin = min[m];
        gMax = max[m];
        continue;
      }
      const total = rows + count;
      if (spread) {
        const delta = mean[m] - gMean;
        gMean += (delta * count) / total;
        gM2 = gM2 + m2[m] + ((delta * delta * rows) / total) * count;
      }
      gMin = min[m] < gMin ? min[m] : gMin;
      gMax = max[m] > gMax ? max[m] : gMax;
      gSum += sum[m];
      rows = total;
      if (gSource !== source) {
        gSource = SEVERAL_COUNTRIES;
      }
    }
    this.rows[g] = rows;
    this.source[g] = gSource;
    this.sum[g] = gSum;
    this.mean[g] = gMean;
    this.m2[g] = gM2;
    this.min[g] = gMin;
    this.max[g] = gMax;
    const levels = this.levels;
    if (levels !== null) {
      for (let m = from; m < to; m++) {
        addExactTotals(this.exact, g, levels.month, m, this.exactSquares);
      }
    }
  }

  addDay(
    g: number,
    p: number,
    source: number,
    count: number,
    sum: number,
    mean: number,
    m2: number,
    min: number,
    max: number,
  ): void {
    this.addEntry(g, -1 - p, 0);
    this.fold(g, source, count, sum, mean, m2, min, max);
    if (this.levels !== null) {
      addExactTotals(this.exact, g, this.levels.day, p, this.exactSquares);
    }
  }

  private addEntry(g: number, from: number, to: number): void {
    if (this.entryCount === this.entryFrom.length) {
      this.entryFrom = grow(this.entryFrom);
      this.entryTo = grow(this.entryTo);
      this.nextEntry = grow(this.nextEntry);
    }
    const entry = this.entryCount++;
    this.entryFrom[entry] = from;
    this.entryTo[entry] = to;
    this.nextEntry[entry] = -1;
    if (this.lastEntry[g] < 0) {
      this.firstEntry[g] = entry;
    } else {
      this.nextEntry[this.lastEntry[g]] = entry;
    }
    this.lastEntry[g] = entry;
  }

  /**
   * Folds a partition's totals in the way `combineStats` does, in the same order, so sums and
   * spreads round exactly as they would combining the partitions one by one.
   */
  private fold(
    g: number,
    source: number,
    count: number,
    sum: number,
    mean: number,
    m2: number,
    min: number,
    max: number,
  ): void {
    const rows = this.rows[g];
    if (rows === 0) {
      // A group may be created for one country and receive its first rows from another.
      this.source[g] = source;
      this.rows[g] = count;
      this.sum[g] = sum;
      this.mean[g] = mean;
      this.m2[g] = m2;
      this.min[g] = min;
      this.max[g] = max;
      return;
    }
    const total = rows + count;
    this.rows[g] = total;
    if (this.spread) {
      const delta = mean - this.mean[g];
      this.mean[g] += (delta * count) / total;
      this.m2[g] = this.m2[g] + m2 + ((delta * delta * rows) / total) * count;
    }
    this.min[g] = min < this.min[g] ? min : this.min[g];
    this.max[g] = max > this.max[g] ? max : this.max[g];
    this.sum[g] += sum;
    if (this.source[g] !== source) {
      this.source[g] = SEVERAL_COUNTRIES;
    }
  }

  private growGroups(): void {
    this.source = grow(this.source);
    this.country = grow(this.country);
    this.period = grow(this.period);
    this.firstEntry = grow(this.firstEntry);
    this.lastEntry = grow(this.lastEntry);
    this.rows = grow(this.rows);
    this.sum = grow(this.sum);
    this.mean = grow(this.mean);
    this.m2 = grow(this.m2);
    this.min = grow(this.min);
    this.max = grow(this.max);
    const exact = this.exact;
    this.exact = {
      sumHi: grow(exact.sumHi),
      sumLo: grow(exact.sumLo),
      squaresHi: grow(exact.squaresHi),
      squaresLo: grow(exact.squaresLo),
    };
  }
}

export const SEVERAL_COUNTRIES = -1;

/** Per month partition: its run's bounds (`start[m]`, `start[m + 1]`), totals and extremes. */
export interface MonthTotals {
  readonly start: Uint32Array;
  readonly sum: Float64Array;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

function grow<T extends Int32Array | Float64Array>(from: T): T {
  const to = new (from.constructor as new (length: number) => T)(from.length * 2);
  to.set(from);
  return to;
}
