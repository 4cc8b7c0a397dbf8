import type { ColumnarLayout } from 'src/engine/columnar/columnar-layout';

/**
 * Each month run's bounds at the month level and its extremes, in arrays indexed by month
 * partition: a query over whole months reads them in order instead of following
 * `dayStart[monthFirstDay[m]]` and the run's two ends, three scattered reads per month.
 */
export interface MonthExtents {
  /** Month run m is `values[start[m], start[m + 1])` (the month level's offset included). */
  readonly start: Uint32Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
}

export function monthExtentsOf(layout: ColumnarLayout): MonthExtents {
  const { values, dayStart, monthFirstDay, rowCount: n } = layout;
  const months = monthFirstDay.length - 1;
  const start = new Uint32Array(months + 1);
  const min = new Float64Array(months);
  const max = new Float64Array(months);
  for (let m = 0; m <= months; m++) {
    start[m] = n + dayStart[monthFirstDay[m]];
  }
  for (let m = 0; m < months; m++) {
    // Runs are sorted and never empty, so their extremes are their ends.
    min[m] = values[start[m]];
    max[m] = values[start[m + 1] - 1];
  }
  return { start, min, max };
}
