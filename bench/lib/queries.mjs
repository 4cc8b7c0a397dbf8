/**
 * The six benchmark queries, each written once for our engine (a DatasetQuery with ISO dates and
 * metric names, resolved in the child) and once in SQL for DuckDB. Every SQL statement returns
 * `country, period, rows, <metric values…>` ordered like our result groups (country, then period),
 * so both answers reduce to the same canonical shape.
 */

const RANGE_2024 = `fecha BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'`;
const RANGE_2025 = `fecha BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'`;

export const QUERIES = [
  {
    id: 'Q1',
    title: 'per-country mean, median, max, all rows',
    spec: {
      countries: null,
      years: null,
      from: null,
      to: null,
      groupByCountry: true,
      period: null,
    },
    metrics: ['mean', 'median', 'max'],
    sql: `SELECT country, NULL AS period, count(*) AS n,
            avg(value), quantile_cont(value, 0.5), max(value)
          FROM sales GROUP BY country ORDER BY country`,
  },
  {
    id: 'Q2',
    title: 'per-country mean, median, max in 2024',
    spec: {
      countries: null,
      years: [2024],
      from: null,
      to: null,
      groupByCountry: true,
      period: null,
    },
    metrics: ['mean', 'median', 'max'],
    sql: `SELECT country, NULL AS period, count(*) AS n,
            avg(value), quantile_cont(value, 0.5), max(value)
          FROM sales WHERE ${RANGE_2024} GROUP BY country ORDER BY country`,
  },
  {
    id: 'Q3',
    title: 'global mean, median, max for AR+CL in 2025',
    spec: {
      countries: ['AR', 'CL'],
      years: [2025],
      from: null,
      to: null,
      groupByCountry: false,
      period: null,
    },
    metrics: ['mean', 'median', 'max'],
    sql: `SELECT NULL AS country, NULL AS period, count(*) AS n,
            avg(value), quantile_cont(value, 0.5), max(value)
          FROM sales WHERE country IN ('AR', 'CL') AND ${RANGE_2025}`,
  },
  {
    id: 'Q4',
    title: 'per-country per-month mean',
    spec: {
      countries: null,
      years: null,
      from: null,
      to: null,
      groupByCountry: true,
      period: 'month',
    },
    metrics: ['mean'],
    // Period keys follow DatasetQuery's encoding: year * 12 + (month - 1).
    sql: `SELECT country, year(fecha) * 12 + month(fecha) - 1 AS period, count(*) AS n, avg(value)
          FROM sales GROUP BY ALL ORDER BY 1, 2`,
  },
  {
    id: 'Q5',
    title: 'per-country p90 and p99',
    spec: {
      countries: null,
      years: null,
      from: null,
      to: null,
      groupByCountry: true,
      period: null,
    },
    metrics: ['p90', 'p99'],
    // The list form lets DuckDB sort each group once for both quantiles.
    sql: `SELECT country, NULL AS period, count(*) AS n, quantile_cont(value, [0.9, 0.99])
          FROM sales GROUP BY country ORDER BY country`,
  },
  {
    id: 'Q6',
    title: 'per-country median, 2019-03-15..2021-08-31',
    spec: {
      countries: null,
      years: null,
      from: '2019-03-15',
      to: '2021-08-31',
      groupByCountry: true,
      period: null,
    },
    metrics: ['median'],
    sql: `SELECT country, NULL AS period, count(*) AS n, quantile_cont(value, 0.5)
          FROM sales WHERE fecha BETWEEN DATE '2019-03-15' AND DATE '2021-08-31'
          GROUP BY country ORDER BY country`,
  },
];

/** Canonical answer: groups sorted by country then period, values as plain numbers or null. */
export function canonicalGroups(groups) {
  return [...groups].sort((a, b) => {
    const ca = a.country ?? '';
    const cb = b.country ?? '';
    if (ca !== cb) {
      return ca < cb ? -1 : 1;
    }
    return (a.period ?? 0) - (b.period ?? 0);
  });
}
