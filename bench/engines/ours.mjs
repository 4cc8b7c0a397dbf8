/**
 * Our engine, one fresh process per dataset, run against the compiled dist/ (no ts-node):
 *   node --expose-gc engines/ours.mjs <csv> <expectedRows>
 * Load = CSV file → SalesColumns → ColumnarSalesTable (index build included).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DIST_DIR } from '../lib/paths.mjs';
import { answerGroups, queryRunner } from '../lib/our-queries.mjs';
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

const require = createRequire(import.meta.url);
const [csvPath, expectedRowsText] = process.argv.slice(2);
const settings = benchSettings();
// Extra load-time samples come from fresh processes that stop after loading.
const loadOnly = process.env.BENCH_LOAD_ONLY === '1';

const { loadSalesCsv } = require(join(DIST_DIR, 'data/csv/sales-csv-loader.js'));
const { DEFAULT_CSV_FORMAT } = require(join(DIST_DIR, 'data/csv/csv-format.js'));
const { parseIsoDate } = require(join(DIST_DIR, 'common/calendar/day-number.js'));
// The engine's one entry point.
const { ColumnarSalesTable, parseMetricName } = require(join(DIST_DIR, 'engine/index.js'));
const { topCountries } = require(join(DIST_DIR, 'analysis/analysis-rows.js'));

const modules = { parseMetricName, parseIsoDate, topCountries };

await settle();
const rssEmpty = rssBytes();
const liveEmpty = liveBytes();

/** Scoped so that, as in the server, only the table stays reachable after loading. */
async function load() {
  const started = nowMs();
  const loaded = await loadSalesCsv(csvPath, { format: DEFAULT_CSV_FORMAT });
  const parseMs = nowMs() - started;
  const table = ColumnarSalesTable.build(loaded.columns);
  return { table, rowCount: loaded.columns.rowCount, parseMs, loadMs: nowMs() - started };
}

const { table, rowCount, parseMs, loadMs } = await load();
const peakAfterLoad = peakRssBytes();
await settle();
const rssAfterLoad = rssBytes();
const liveAfterLoad = liveBytes();

if (expectedRowsText !== undefined && rowCount !== Number(expectedRowsText)) {
  throw new Error(`expected ${expectedRowsText} rows, loaded ${rowCount}`);
}

const queries = {};
for (const query of loadOnly ? [] : QUERIES) {
  const { timing, answer } = await timeRuns(queryRunner(table, query, modules), settings);
  queries[query.id] = { timing, answer: answerGroups(answer, query) };
}

writeResult({
  engine: 'ours',
  rows: rowCount,
  loadMs,
  parseMs,
  indexMs: loadMs - parseMs,
  rssEmpty,
  rssAfterLoad,
  liveEmpty,
  liveAfterLoad,
  peakAfterLoad,
  peakRss: peakRssBytes(),
  queries,
});
