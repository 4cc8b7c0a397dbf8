/**
 * DuckDB side of the comparison, one fresh process per dataset:
 *   node --expose-gc engines/duckdb.mjs <csv> <expectedRows>
 * Loads the CSV into an in-memory table (dates parsed once), then times the six queries.
 */
import { DuckDBInstance, version } from '@duckdb/node-api';
import { QUERIES } from '../lib/queries.mjs';
import { nowMs } from '../lib/stats.mjs';
import {
  benchSettings,
  liveBytes,
  peakRssBytes,
  rssBytes,
  settle,
  timeRuns,
  writeResult,
} from '../lib/measure.mjs';

const [csvPath, expectedRowsText] = process.argv.slice(2);
const threads = Number(process.env.BENCH_DUCKDB_THREADS ?? 2);
const settings = benchSettings();
// Extra load-time samples come from fresh processes that stop after loading.
const loadOnly = process.env.BENCH_LOAD_ONLY === '1';
// A comma-separated list of query ids times only those (a 100M-row run skips the slow ones).
const queryIds = process.env.BENCH_QUERY_IDS?.split(',') ?? null;

function sqlString(text) {
  return `'${text.replaceAll("'", "''")}'`;
}

function toNumber(value) {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** `country, period, n, …values` rows → canonical groups; list cells (quantile lists) are flattened. */
function toGroups(rows) {
  return rows.map(([country, period, n, ...rest]) => ({
    country: country ?? null,
    period: period === null ? null : toNumber(period),
    rows: toNumber(n),
    values: rest.flat().map((v) => (v === null ? null : toNumber(v))),
  }));
}

await settle();
const rssBare = rssBytes();
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
await settle();
const rssEmpty = rssBytes();
const liveEmpty = liveBytes();

const loadStarted = nowMs();
await connection.run(
  `CREATE TABLE sales AS
     SELECT country, value, strptime(fecha, '%d/%m/%Y')::DATE AS fecha
     FROM read_csv(${sqlString(csvPath)}, header = true, delim = ',',
                   columns = {'country': 'VARCHAR', 'value': 'DOUBLE', 'fecha': 'VARCHAR'})`,
);
const loadMs = nowMs() - loadStarted;
const peakAfterLoad = peakRssBytes();
await settle();
const rssAfterLoad = rssBytes();
const liveAfterLoad = liveBytes();

const countReader = await connection.runAndReadAll('SELECT count(*) FROM sales');
const rowCount = toNumber(countReader.getRowsJS()[0][0]);
if (expectedRowsText !== undefined && rowCount !== Number(expectedRowsText)) {
  throw new Error(`expected ${expectedRowsText} rows, DuckDB loaded ${rowCount}`);
}

const queries = {};
for (const query of loadOnly ? [] : QUERIES.filter(({ id }) => queryIds?.includes(id) ?? true)) {
  const { timing, answer } = await timeRuns(async () => {
    const reader = await connection.runAndReadAll(query.sql);
    return reader.getRowsJS();
  }, settings);
  queries[query.id] = { timing, answer: toGroups(answer) };
}

writeResult({
  engine: 'duckdb',
  version: version(),
  threads,
  rows: rowCount,
  loadMs,
  rssBare,
  rssEmpty,
  rssAfterLoad,
  liveEmpty,
  liveAfterLoad,
  peakAfterLoad,
  peakRss: peakRssBytes(),
  queries,
});
connection.closeSync();
instance.closeSync?.();
