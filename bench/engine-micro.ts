/**
 * Micro-benchmark of the columnar engine alone: build time, memory and a few typical queries over
 * a synthetic dataset held in memory (nothing is written to disk). bench/ is an ES module package,
 * so this TypeScript file is loaded through ts-node as CommonJS, from the repository root:
 *
 *   node --expose-gc -e "require('ts-node').register({ transpileOnly: true,
 *     moduleTypes: { 'bench/**\/*.ts': 'cjs' } }); require('tsconfig-paths/register');
 *     require('./bench/engine-micro.ts')" [rows=10000000]
 */
import {
  ColumnarSalesTable,
  computeMetrics,
  parseMetricName,
  type DatasetQuery,
  type MetricSpec,
  type SalesColumns,
} from 'src/engine';
import { toDayNumber } from 'src/common/calendar/day-number';

const rows = Number(process.argv.slice(1).find((arg) => /^\d+$/.test(arg)) ?? 10_000_000);

function metrics(...names: string[]): MetricSpec[] {
  return names.map((name) => parseMetricName(name) as MetricSpec);
}

/** Deterministic xorshift so runs are comparable. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

function synthetic(count: number): SalesColumns {
  const next = random(42);
  const first = toDayNumber(2015, 1, 1);
  const span = toDayNumber(2025, 12, 31) - first + 1;
  const countryCodes = new Uint16Array(count);
  const days = new Int32Array(count);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    countryCodes[i] = Math.floor(next() * 3);
    days[i] = first + Math.floor(next() * span);
    values[i] = Math.round(next() * 100_000) / 100;
  }
  return { rowCount: count, countryCodes, countries: ['ES', 'FR', 'DE'], days, values };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function memory(): { heap: number; external: number; rss: number } {
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, external: usage.arrayBuffers, rss: usage.rss };
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function time<T>(label: string, run: () => T, repeat = 7): T {
  let result = run();
  const timings: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    result = run();
    timings.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  timings.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(52)} median ${timings[timings.length >> 1].toFixed(3)} ms  (min ${timings[0].toFixed(3)}, max ${timings[timings.length - 1].toFixed(3)})`,
  );
  return result;
}

function base(overrides: Partial<DatasetQuery>): DatasetQuery {
  return {
    countries: null,
    years: null,
    fromDay: null,
    toDay: null,
    groupByCountry: true,
    period: null,
    metrics: metrics('mean'),
    ...overrides,
  };
}

const columns = synthetic(rows);
const before = memory();
const peakBefore = process.resourceUsage().maxRSS * 1024;
const buildStart = process.hrtime.bigint();
const table = ColumnarSalesTable.build(columns);
const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
const after = memory();
console.log(`rows ${rows.toLocaleString('en')}, build ${buildMs.toFixed(0)} ms`);
console.log(
  `retained: heap ${mb(after.heap - before.heap)}, array buffers ${mb(after.external - before.external)} ` +
    `(${((after.heap + after.external - before.heap - before.external) / rows).toFixed(1)} B/row), rss ${mb(after.rss - before.rss)}, ` +
    `peak rss growth during build ${mb(process.resourceUsage().maxRSS * 1024 - peakBefore)}`,
);

const queries: [string, DatasetQuery][] = [
  ['per-country mean+median+max, all rows', base({ metrics: metrics('mean', 'median', 'max') })],
  [
    'per-country mean+median+max, 2024',
    base({ years: [2024], metrics: metrics('mean', 'median', 'max') }),
  ],
  [
    'global mean+median+max, ES+FR, 2025',
    base({
      countries: ['ES', 'FR'],
      years: [2025],
      groupByCountry: false,
      metrics: metrics('mean', 'median', 'max'),
    }),
  ],
  ['per-country per-month mean', base({ period: 'month' })],
  ['per-country p90+p99', base({ metrics: metrics('p90', 'p99') })],
  [
    'per-country median 2019-03-15..2021-08-31',
    base({
      fromDay: toDayNumber(2019, 3, 15),
      toDay: toDayNumber(2021, 8, 31),
      metrics: metrics('median'),
    }),
  ],
  ['per-country per-month median', base({ period: 'month', metrics: metrics('median') })],
  ['global p50, all rows', base({ groupByCountry: false, metrics: metrics('median') })],
];
for (const [label, query] of queries) {
  time(label, () => table.query(query));
}

// Spot check one range query against the plain sort-and-compute path.
const from = toDayNumber(2019, 3, 15);
const to = toDayNumber(2021, 8, 31);
const check = metrics('count', 'mean', 'median', 'p1', 'p99', 'stddev');
const esRows: number[] = [];
for (let i = 0; i < rows; i++) {
  if (columns.countryCodes[i] === 0 && columns.days[i] >= from && columns.days[i] <= to) {
    esRows.push(columns.values[i]);
  }
}
const expected = computeMetrics(esRows, check);
const actual = table.query(base({ countries: ['ES'], fromDay: from, toDay: to, metrics: check }))
  .groups[0].values;
console.log('spot check ES 2019-03-15..2021-08-31', { expected, actual });
