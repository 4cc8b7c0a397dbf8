/**
 * Memory at the server: the built service started by the production command (`npm run start:prod`,
 * production defaults: info logs, rate limiting on) on a large generated file, against the same
 * server on the bundled sample, and against DuckDB holding the same file, in one run.
 *   - server RSS: read from /proc once `/health/ready` has first answered 200 and one more second
 *     has passed (what the process keeps while serving, load-time buffers already freed);
 *   - bytes/row: (server RSS on the file − server RSS on the sample) / rows;
 *   - DuckDB: its process RSS after loading the file into an in-memory table (3 forced GCs), from
 *     `engines/duckdb.mjs`, which then times Q1–Q6 in its own process;
 *   - Q1–Q6 p50 on the large server over HTTP, one request at a time (answer cache off, so each
 *     is computed; the cache is empty when RSS is read either way).
 *   node bench/server-memory.mjs [--rows=1e7] [--start=plain]
 * after `npm run build`. `--rows=1e8` writes a 2.2 GB file; `--start=plain` runs `node dist/main.js`
 * without the start command's V8 flags, to see what they change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetSpec, ensureDataset } from './lib/datasets.mjs';
import { startServer } from './lib/http-bench.mjs';
import { analysisUrl, timeHttpQueries } from './lib/http-queries.mjs';
import { BENCH_DIR, DIST_DIR, ROOT_DIR, SAMPLE_CSV, productionServerArgs } from './lib/paths.mjs';
import { runEngineChild } from './lib/proc.mjs';
import { QUERIES } from './lib/queries.mjs';
import { fmtMiB, fmtMs, markdownTable } from './lib/table.mjs';

const TARGETS = { shareOfDuckdb: 0.5, bytesPerRow: 24 };
const flag = (name) => process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
const ROWS = Number(flag('rows') ?? process.env.BENCH_ROWS ?? 1e7);
const START = flag('start') ?? 'production';
const SETTLE_MS = 1000;
const TIMED_QUERIES = QUERIES.slice(0, 6);
const HTTP_RUNS = { runs: 15, warmup: 3, queries: TIMED_QUERIES };

function rssOf(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

function serverArgs() {
  if (START === 'plain') {
    return [join(DIST_DIR, 'main.js')];
  }
  if (START !== 'production') {
    throw new Error(`--start is production or plain, not ${START}`);
  }
  return productionServerArgs();
}

/** Starts the built server on `dataPath`, waits for readiness, reads its RSS, then times Q1–Q6. */
async function serverOn(dataPath, { timeQueries }) {
  const server = await startServer({
    label: 'service',
    args: serverArgs(),
    cwd: ROOT_DIR,
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_PATH: dataPath,
      ...(timeQueries ? { RESPONSE_CACHE_ENTRIES: '0' } : {}),
    },
    readyPath: '/health/ready',
    timeoutMs: 30 * 60_000,
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const rss = rssOf(server.pid);
    const queries = timeQueries ? await timeHttpQueries(server.base, analysisUrl, HTTP_RUNS) : {};
    return { readyMs: server.readyMs, rss, queries };
  } finally {
    await server.stop();
  }
}

async function main() {
  const spec = datasetSpec(3, ROWS);
  await ensureDataset(spec);
  console.log(
    `server memory on ${spec.path} (${spec.rows} rows) and ${SAMPLE_CSV}: node ${serverArgs().join(' ')}`,
  );
  const sample = await serverOn(SAMPLE_CSV, { timeQueries: false });
  const large = await serverOn(spec.path, { timeQueries: true });
  const duckdb = await runEngineChild(
    join(BENCH_DIR, 'engines', 'duckdb.mjs'),
    [spec.path, String(spec.rows)],
    {
      env: {
        BENCH_QUERY_IDS: TIMED_QUERIES.map(({ id }) => id).join(','),
        BENCH_RUNS: process.env.BENCH_RUNS ?? '10',
        BENCH_WARMUP: process.env.BENCH_WARMUP ?? '2',
      },
      label: 'duckdb',
      timeoutMs: 60 * 60_000,
    },
  );
  const perRow = (large.rss - sample.rss) / spec.rows;
  const share = large.rss / duckdb.rssAfterLoad;
  const header = ['measure', 'server', 'DuckDB', 'ratio', 'target', 'met'];
  const rows = [
    [
      'server on the sample: ready, RSS',
      `${fmtMs(sample.readyMs)}, ${fmtMiB(sample.rss)}`,
      '',
      '',
      '',
      '',
    ],
    [
      `${spec.id}: ready / load, RSS`,
      `${fmtMs(large.readyMs)}, ${fmtMiB(large.rss)}`,
      `${fmtMs(duckdb.loadMs)}, ${fmtMiB(duckdb.rssAfterLoad)}`,
      share.toFixed(2),
      `≤ ${TARGETS.shareOfDuckdb} × DuckDB`,
      share <= TARGETS.shareOfDuckdb ? 'yes' : 'NO',
    ],
    [
      'bytes/row above the sample server',
      perRow.toFixed(1),
      '',
      '',
      `≤ ${TARGETS.bytesPerRow}`,
      perRow <= TARGETS.bytesPerRow ? 'yes' : 'NO',
    ],
    ...TIMED_QUERIES.map(({ id, title }) => {
      const ours = large.queries[id].timing.p50;
      const theirs = duckdb.queries[id].timing.p50;
      return [
        `${id} p50 (${title}): server over HTTP, DuckDB in process`,
        fmtMs(ours),
        fmtMs(theirs),
        (ours / theirs).toFixed(3),
        '',
        '',
      ];
    }),
  ];
  console.log(markdownTable(header, rows));
}

await main();
