// @ts-check
import { formatValue, keyLabel, metricLabel } from './format.js';

/**
 * @typedef {object} AnalysisResult the body of GET /v1/datasets/{dataset}/analysis
 * @property {string} dataset
 * @property {{ metrics: string[], countries: string[] | null, years: number[] | null, from: string | null, to: string | null, groupBy: string[] }} query
 * @property {number} matchedRows
 * @property {number} rejectedRows
 * @property {Array<Record<string, string | number | null>>} results
 */

/** The group keys of a result, in column order (none for a global result). @param {AnalysisResult} result */
export function groupKeysOf(result) {
  return result.query.groupBy.filter((key) => key !== 'none');
}

/**
 * Fills the table with the result's rows: group keys, then one column per metric. Each number
 * cell keeps the exact value in `data-value`; the text is rounded for reading.
 * @param {HTMLTableElement} table
 * @param {AnalysisResult} result
 */
export function renderTable(table, result) {
  const keys = groupKeysOf(result);
  const metrics = result.query.metrics;
  const head = document.createElement('tr');
  for (const [column, numeric] of [
    ...keys.map((key) => /** @type {const} */ ([keyLabel(key), false])),
    ...metrics.map((metric) => /** @type {const} */ ([metricLabel(metric), true])),
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
    for (const metric of metrics) {
      const cell = document.createElement('td');
      const value = row[metric];
      cell.className = 'numeric';
      cell.dataset.metric = metric;
      cell.dataset.value = value === null || value === undefined ? '' : String(value);
      cell.textContent = formatValue(typeof value === 'number' ? value : null, metric);
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
