/**
 * The output groups of one query while it is answered: each group's sorted runs (a linked list in
 * insertion order) and its combined totals, all in typed arrays that the table reuses from query to
 * query, so that collecting thousands of groups allocates nothing.
 */
export class GroupedRuns {
  groupCount = 0;
  /** The one country whose rows a group holds, or MIXED when it spans several. */
  source = new Int32Array(16);
  /** Country rank named in the answer, or -1 without a country split. */
  country = new Int32Array(16);
  period = new Int32Array(16);
  firstRun = new Int32Array(16);
  lastRun = new Int32Array(16);
  rows = new Float64Array(16);
  sum = new Float64Array(16);
  mean = new Float64Array(16);
  m2 = new Float64Array(16);
  min = new Float64Array(16);
  max = new Float64Array(16);

  runCount = 0;
  /** A month partition m as m, a day partition p as -1 - p. */
  runRef = new Int32Array(64);
  nextRun = new Int32Array(64);

  /** Whether to combine means and M2s, which only variance and stddev read. */
  spread = false;

  reset(spread: boolean): void {
    this.groupCount = 0;
    this.runCount = 0;
    this.spread = spread;
  }

  addGroup(country: number, source: number, period: number): number {
    if (this.groupCount === this.source.length) {
      this.growGroups();
    }
    const g = this.groupCount++;
    this.country[g] = country;
    this.source[g] = source;
    this.period[g] = period;
    this.firstRun[g] = -1;
    this.lastRun[g] = -1;
    this.rows[g] = 0;
    return g;
  }

  /**
   * Appends a run and folds its totals in the way `combineStats` does, in the same order, so sums
   * and spreads round exactly as they would combining the partitions one by one.
   */
  addRun(
    g: number,
    ref: number,
    source: number,
    count: number,
    sum: number,
    mean: number,
    m2: number,
    min: number,
    max: number,
  ): void {
    if (this.runCount === this.runRef.length) {
      this.runRef = grow(this.runRef);
      this.nextRun = grow(this.nextRun);
    }
    const run = this.runCount++;
    this.runRef[run] = ref;
    this.nextRun[run] = -1;
    const rows = this.rows[g];
    if (rows === 0) {
      this.firstRun[g] = run;
      this.rows[g] = count;
      this.sum[g] = sum;
      this.mean[g] = mean;
      this.m2[g] = m2;
      this.min[g] = min;
      this.max[g] = max;
    } else {
      this.nextRun[this.lastRun[g]] = run;
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
        this.source[g] = MIXED;
      }
    }
    this.lastRun[g] = run;
  }

  private growGroups(): void {
    this.source = grow(this.source);
    this.country = grow(this.country);
    this.period = grow(this.period);
    this.firstRun = grow(this.firstRun);
    this.lastRun = grow(this.lastRun);
    this.rows = grow(this.rows);
    this.sum = grow(this.sum);
    this.mean = grow(this.mean);
    this.m2 = grow(this.m2);
    this.min = grow(this.min);
    this.max = grow(this.max);
  }
}

export const MIXED = -1;

function grow<T extends Int32Array | Float64Array>(from: T): T {
  const to = new (from.constructor as new (length: number) => T)(from.length * 2);
  to.set(from);
  return to;
}
