// @ts-check
import { formatChange, formatShare, formatValue, keyLabel, metricLabel } from './format.js';

/**
 * @typedef {object} AnalysisQuery the query an answer was computed for, as the API echoes it
 * @property {string[]} metrics
 * @property {string[] | null} countries
 * @property {number[] | null} years
 * @property {string | null} from
 * @property {string | null} to
 * @property {string[]} groupBy
 * @property {string} [compare]
 * @property {number} [window]
 * @property {boolean} [cumulative]
 * @property {boolean} [share]
 * @property {number} [top]
 * @property {string} [rankBy]
 */
/**
 * @typedef {object} AnalysisResult the body of GET /v1/datasets/{dataset}/analysis
 * @property {string} dataset
 * @property {AnalysisQuery} query
 * @property {number} matchedRows
 * @property {number} rejectedRows
 * @property {Array<Record<string, string | number | null>>} results
 */
/**
 * @typedef {object} ValueColumn one number column of the table
 * @property {string} key the field of each result row
 * @property {string} metric the metric it belongs to
 * @property {'value' | 'previous' | 'change' | 'share' | 'periods'} kind
 */

/** Metrics whose shares of the total the API adds with `share=true`. */
export const SHARED_METRICS = ['count', 'sum'];

/**
 * The number columns of a result, in reading order: each metric, then its previous value and
 * change (with `compare`) and its share (with `share`); last, how many periods each window holds.
 * @param {AnalysisResult} result
 * @returns {ValueColumn[]}
 */
export function valueColumnsOf(result) {
  const { metrics, compare, share, window } = result.query;
  /** @type {ValueColumn[]} */
  const columns = [];
  for (const metric of metrics) {
    columns.push({ key: metric, metric, kind: 'value' });
    if (compare) {
      columns.push(
        { key: `${metric}_previous`, metric, kind: 'previous' },
        { key: `${metric}_change`, metric, kind: 'change' },
      );
    }
    if (share && SHARED_METRICS.includes(metric)) {
      columns.push({ key: `${metric}_share`, metric, kind: 'share' });
    }
  }
  if (window !== undefined) {
    columns.push({ key: 'windowPeriods', metric: 'count', kind: 'periods' });
  }
  return columns;
}

/** @param {ValueColumn} column */
function columnLabel({ metric, kind }) {
  const name = metricLabel(metric);
  switch (kind) {
    case 'previous':
      return `${name} (previous)`;
    case 'change':
      return `${name} change`;
    case 'share':
      return `${name} share`;
    case 'periods':
      return 'Periods in window';
    default:
      return name;
  }
}

/** @param {number | null} value @param {ValueColumn} column */
function cellText(value, { metric, kind }) {
  switch (kind) {
    case 'change':
      return formatChange(value);
    case 'share':
      return formatShare(value);
    default:
      return formatValue(value, metric);
  }
}

/** The group keys of a result, in column order (none for a global result). @param {AnalysisResult} result */
export function groupKeysOf(result) {
  return result.query.groupBy.filter((key) => key !== 'none');
}

/**
 * Fills the table with the result's rows: group keys, then the number columns. Each number
 * cell keeps the exact value in `data-value`; the text is rounded for reading.
 * @param {HTMLTableElement} table
 * @param {AnalysisResult} result
 */
export function renderTable(table, result) {
  const keys = groupKeysOf(result);
  const columns = valueColumnsOf(result);
  const head = document.createElement('tr');
  for (const [column, numeric] of [
    ...keys.map((key) => /** @type {const} */ ([keyLabel(key), false])),
    ...columns.map((column) => /** @type {const} */ ([columnLabel(column), true])),
  ]) {
    const cell = document.createElement('th');
    cell.scope = 'col';
    cell.textContent = column;
    if (numeric) {
      cell.className = 'numeric';
    }
    head.append(cell);
  }
  const rows = result.results.map((row) => {
    const line = document.createElement('tr');
    keys.forEach((key, index) => {
      const cell = document.createElement(index === 0 ? 'th' : 'td');
      if (index === 0) {
        /** @type {HTMLTableCellElement} */ (cell).scope = 'row';
      }
      cell.textContent = String(row[key]);
      line.append(cell);
    });
    for (const column of columns) {
      const cell = document.createElement('td');
      const value = row[column.key];
      cell.className = 'numeric';
      cell.dataset.metric = column.key;
      cell.dataset.value = value === null || value === undefined ? '' : String(value);
      cell.textContent = cellText(typeof value === 'number' ? value : null, column);
      line.append(cell);
    }
    return line;
  });
  table.tHead?.replaceChildren(head);
  table.tBodies[0]?.replaceChildren(...rows);
}

/** @param {HTMLTableElement} table */
export function clearTable(table) {
  table.tHead?.replaceChildren();
  table.tBodies[0]?.replaceChildren();
}
