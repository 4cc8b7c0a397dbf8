import type { AnalysisResultRow } from 'src/analysis/analysis-request';
import { formatPeriod } from 'src/common/calendar/periods';
import type { DatasetQuery, ResultGroup } from 'src/engine';

/** Metrics whose shares of a total mean something: parts of a count or of a sum add up. */
const SHARED_METRICS = ['count', 'sum'] as const;

/** `(current − previous) / |previous|`, null when there is nothing to compare with. */
export function relativeChange(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) {
    return null;
  }
  return (current - previous) / Math.abs(previous);
}

/**
 * The countries `top` keeps: the `n` with the highest ranking value, ties broken by country code,
 * countries whose value is undefined (the stddev of one row) last.
 */
export function topCountries(
  ranked: readonly { readonly country: string; readonly value: number | null }[],
  n: number,
): string[] {
  return [...ranked]
    .sort((a, b) => {
      if (a.value !== b.value) {
        if (a.value === null || b.value === null) {
          return a.value === null ? 1 : -1;
        }
        return b.value - a.value;
      }
      return a.country < b.country ? -1 : a.country > b.country ? 1 : 0;
    })
    .slice(0, n)
    .map(({ country }) => country);
}

/**
 * Result rows from the engine's groups: the group keys, then per metric its value (followed by
 * `_previous` and `_change` when comparing), then `count_share`/`sum_share` when asked, then
 * `windowPeriods` for rolling windows.
 */
export function toResultRows(
  groups: readonly ResultGroup[],
  query: DatasetQuery,
  share: boolean,
): AnalysisResultRow[] {
  const { period, metrics } = query;
  const fiscalYearStart = query.fiscalYearStart ?? 1;
  const comparing = query.compare !== undefined && query.compare !== null;
  const rows = groups.map((group) => {
    const row: AnalysisResultRow = {};
    if (group.country !== null) {
      row.country = group.country;
    }
    if (period && group.period !== null) {
      row[period] = formatPeriod(group.period, period, fiscalYearStart);
    }
    metrics.forEach(({ name }, index) => {
      const value = group.values[index] ?? null;
      row[name] = value;
      if (comparing) {
        // A comparison period without rows has a count of 0 and no other metric.
        const previous = group.previous?.values[index] ?? (name === 'count' ? 0 : null);
        row[`${name}_previous`] = previous;
        row[`${name}_change`] = relativeChange(value, previous);
      }
    });
    return row;
  });
  if (share) {
    for (const name of SHARED_METRICS) {
      const index = metrics.findIndex((metric) => metric.name === name);
      if (index >= 0) {
        addShares(groups, rows, index, `${name}_share`);
      }
    }
  }
  groups.forEach((group, i) => {
    if (group.windowPeriods !== undefined) {
      rows[i].windowPeriods = group.windowPeriods;
    }
  });
  return rows;
}

/** Each row's part of its period's total (of the whole answer without periods). */
function addShares(
  groups: readonly ResultGroup[],
  rows: AnalysisResultRow[],
  index: number,
  column: string,
): void {
  const totals = new Map<number | null, number>();
  for (const group of groups) {
    totals.set(group.period, (totals.get(group.period) ?? 0) + (group.values[index] ?? 0));
  }
  groups.forEach((group, i) => {
    const total = totals.get(group.period) ?? 0;
    const value = group.values[index];
    rows[i][column] = total === 0 || value === null ? null : value / total;
  });
}
