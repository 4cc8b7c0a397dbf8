/**
 * One process of `bench/optimisations.mjs`: loads a CSV with our loader, builds the table with one
 * optimisation possibly turned off, and reports load time, memory and Q1–Q9. Run by the driver:
 *   node --expose-gc lib/optimisation-child.mjs <settings JSON>
 * with NODE_PATH naming the transpiled sources, so `src/…` imports resolve to them.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { answerGroups, queryRunner } from './our-queries.mjs';
import { QUERIES } from './queries.mjs';
import { nowMs } from './stats.mjs';
import { liveBytes, rssBytes, settle, timeRuns, writeResult } from './measure.mjs';

const settings = JSON.parse(process.argv[2]);
const { build, csv, variant, timing } = settings;
const require = createRequire(import.meta.url);
const load = (path) => require(join(build, 'src', path));

const { loadSalesCsv } = load('data/csv/sales-csv-loader.js');
const { DEFAULT_CSV_FORMAT } = load('data/csv/csv-format.js');
const { parseIsoDate } = load('common/calendar/day-number.js');
const { ColumnarSalesTable, parseMetricName } = load('engine/index.js');
const { buildColumnarLayout } = load('engine/columnar/columnar-layout.js');
const { topCountries } = load('analysis/analysis-rows.js');
const modules = { parseMetricName, parseIsoDate, topCountries };

/**
 * `ColumnarSalesTable.build` takes neither a layout strategy nor a choice about warm-up, so the
 * bench does its two steps itself (the same constructor and `warmUp`, reached past TypeScript's
 * `private`), for every variant alike, and times them apart.
 */
function buildTable(columns) {
  if (typeof ColumnarSalesTable.prototype.warmUp !== 'function') {
    throw new Error('ColumnarSalesTable has no warmUp method any more: update the bench');
  }
  const started = nowMs();
  const layout = buildColumnarLayout(columns, variant.strategy ?? {});
  const table = new ColumnarSalesTable(layout, variant.tuning);
  const indexMs = nowMs() - started;
  let warmUpMs = 0;
  if (variant.warmUp !== false) {
    const warmStarted = nowMs();
    table.warmUp();
    warmUpMs = nowMs() - warmStarted;
  }
  return { table, indexMs, warmUpMs };
}

await settle();
const rssEmpty = rssBytes();
const liveEmpty = liveBytes().total;

/** Scoped so that, as in the server, only the table stays reachable after loading. */
async function loadTable() {
  const started = nowMs();
  const cpuStarted = process.cpuUsage();
  const loaded = await loadSalesCsv(csv, { format: DEFAULT_CSV_FORMAT, ...variant.loader });
  const parseMs = nowMs() - started;
  const cpuParsed = process.cpuUsage();
  const columns =
    variant.floatTotals === true
      ? { ...loaded.columns, fractionDigits: undefined }
      : loaded.columns;
  const built = buildTable(columns);
  return {
    ...built,
    parseMs,
    parseCpuMs: cpuMs(cpuParsed, cpuStarted),
    indexCpuMs: cpuMs(process.cpuUsage(), cpuParsed),
    rows: columns.rowCount,
  };
}

/** CPU time of every thread of the process between two `process.cpuUsage()` readings. */
function cpuMs(later, earlier) {
  return (later.user - earlier.user + later.system - earlier.system) / 1000;
}

const { table, parseMs, indexMs, warmUpMs, rows, parseCpuMs, indexCpuMs } = await loadTable();
await settle();
const rssAfterLoad = rssBytes();
const liveAfterLoad = liveBytes().total;

/** Bytes of the value buckets' boundaries and counters, read past `private` as above. */
function bucketBytes() {
  const parts = table.buckets.parts;
  return Object.values(parts).reduce((sum, array) => sum + array.byteLength, 0);
}

const queries = {};
for (const query of QUERIES) {
  const run = queryRunner(table, query, modules);
  const firstStarted = nowMs();
  run();
  const firstMs = nowMs() - firstStarted;
  const { timing: times, answer } = await timeRuns(run, timing);
  const digest = createHash('sha256')
    .update(JSON.stringify(answerGroups(answer, query)))
    .digest('hex');
  queries[query.id] = { firstMs, p50: times.p50, runs: times.runs, answer: digest };
}

writeResult({
  rows,
  parseMs,
  indexMs,
  warmUpMs,
  loadMs: parseMs + indexMs + warmUpMs,
  parseCpuMs,
  indexCpuMs,
  liveBytes: liveAfterLoad - liveEmpty,
  rssBytes: rssAfterLoad - rssEmpty,
  bucketBytes: bucketBytes(),
  queries,
});
