/**
 * The benchmark queries, each written once for our engine (a DatasetQuery with ISO dates and
 * metric names, resolved in the child) and once in SQL for DuckDB. Every SQL statement returns
 * `country, period, rows, <metric values…>` ordered like our result groups (country, then period),
 * so both answers reduce to the same canonical shape. With `compare`, the values go on with the
 * comparison's row count and metric values (0 and nulls when it has no rows).
 *
 * Q7–Q9 are the analysis v2 queries; `target` states their own goal (an absolute p50, or a
 * multiple of another query's p50 in the same process) instead of the DuckDB ratio.
 */

const RANGE_2024 = `fecha BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'`;
const MONTH_KEY = 'year(fecha) * 12 + month(fecha) - 1';
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
  {
    id: 'Q7',
    title: 'per-country 12-month rolling median, every month',
    spec: {
      countries: null,
      years: null,
      from: null,
      to: null,
      groupByCountry: true,
      period: 'month',
      window: 12,
    },
    metrics: ['median'],
    target: { maxMs: 5 },
    // Each row counts in the windows of its own month and the 11 after it; those windows are kept
    // where the country has rows in the window's last month (the groups we show). A window frame
    // (`quantile_cont(value, 0.5) OVER (PARTITION BY country ORDER BY mk RANGE BETWEEN 11
    // PRECEDING AND CURRENT ROW)`) gives the same answers but computes one median per row: 10M
    // frames, which did not finish within the bench's 15-minute child timeout at 10M rows.
    sql: `WITH monthly AS (SELECT country, ${MONTH_KEY} AS mk, value FROM sales),
          shown AS (SELECT DISTINCT country, mk FROM monthly)
          SELECT w.country, w.period, count(*) AS n, quantile_cont(w.value, 0.5)
          FROM (SELECT country, mk + t.i AS period, value FROM monthly CROSS JOIN range(12) t(i)) w
          JOIN shown ON shown.country = w.country AND shown.mk = w.period
          GROUP BY ALL ORDER BY 1, 2`,
  },
  {
    id: 'Q8',
    title: 'Q2 with compare=previous_year (2024 against 2023)',
    spec: {
      countries: null,
      years: [2024],
      from: null,
      to: null,
      groupByCountry: true,
      period: null,
      compare: 'previous_year',
    },
    metrics: ['mean', 'median', 'max'],
    target: { relativeTo: 'Q1', factor: 2 },
    sql: `WITH yearly AS (
            SELECT country, year(fecha) AS y, count(*) AS n,
              avg(value) AS a, quantile_cont(value, 0.5) AS m, max(value) AS x
            FROM sales WHERE fecha BETWEEN DATE '2023-01-01' AND DATE '2024-12-31' GROUP BY ALL
          ), compared AS (
            SELECT *, lag(y) OVER w AS py, lag(n) OVER w AS pn, lag(a) OVER w AS pa,
              lag(m) OVER w AS pm, lag(x) OVER w AS px
            FROM yearly WINDOW w AS (PARTITION BY country ORDER BY y)
          )
          SELECT country, NULL AS period, n, a, m, x,
            CASE WHEN py = 2023 THEN pn ELSE 0 END,
            CASE WHEN py = 2023 THEN pa END, CASE WHEN py = 2023 THEN pm END,
            CASE WHEN py = 2023 THEN px END
          FROM compared WHERE y = 2024 ORDER BY country`,
  },
  {
    id: 'Q9',
    title: 'top 5 countries by mean, the rest as OTHER: mean, median, max',
    spec: {
      countries: null,
      years: null,
      from: null,
      to: null,
      groupByCountry: true,
      period: null,
      top: { n: 5, rankBy: 'mean' },
    },
    metrics: ['mean', 'median', 'max'],
    target: { maxMs: 2 },
    sql: `WITH kept AS (
            SELECT country FROM sales GROUP BY country ORDER BY avg(value) DESC, country LIMIT 5
          ), labelled AS (
            SELECT CASE WHEN country IN (SELECT country FROM kept) THEN country ELSE 'OTHER' END AS c,
              value FROM sales
          )
          -- OTHER last, as our answer orders it.
          SELECT c, NULL AS period, count(*), avg(value), quantile_cont(value, 0.5), max(value)
          FROM labelled GROUP BY c ORDER BY c = 'OTHER', c`,
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
