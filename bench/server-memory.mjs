/**
 * Memory at the server: the built service (`node dist/main.js`, production defaults: info logs,
 * rate limiting on) on a large generated file against the same server on the bundled sample, and
 * against DuckDB holding the same file, in one run.
 *   - server RSS: read from /proc once `/health/ready` has first answered 200 and one more second
 *     has passed (what the process keeps while serving, load-time buffers already freed);
 *   - bytes/row: (server RSS on the file − server RSS on the sample) / rows;
 *   - DuckDB: its process RSS after loading the file into an in-memory table (3 forced GCs), from
 *     `engines/duckdb.mjs` in load-only mode.
 *   node bench/server-memory.mjs [--rows=1e7]   (after `npm run build`; 1e8 writes a 2.2 GB file)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetSpec, ensureDataset } from './lib/datasets.mjs';
import { startServer } from './lib/http-bench.mjs';
import { BENCH_DIR, DIST_DIR, ROOT_DIR, SAMPLE_CSV } from './lib/paths.mjs';
import { runEngineChild } from './lib/proc.mjs';
import { fmtMiB, fmtMs, markdownTable } from './lib/table.mjs';

const TARGETS = { shareOfDuckdb: 0.5, bytesPerRow: 24 };
const rowsArg = process.argv.find((arg) => arg.startsWith('--rows='))?.split('=')[1];
const ROWS = Number(rowsArg ?? process.env.BENCH_ROWS ?? 1e7);
const SETTLE_MS = 1000;

function rssOf(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

/** Starts the built server on `dataPath`, waits for readiness, and reads its RSS. */
async function serverOn(dataPath) {
  const server = await startServer({
    label: 'service',
    args: [join(DIST_DIR, 'main.js')],
    cwd: ROOT_DIR,
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', DATA_PATH: dataPath },
    readyPath: '/health/ready',
    timeoutMs: 30 * 60_000,
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { readyMs: server.readyMs, rss: rssOf(server.pid) };
  } finally {
    await server.stop();
  }
}

async function main() {
  const spec = datasetSpec(3, ROWS);
  await ensureDataset(spec);
  console.log(`server memory on ${spec.path} (${spec.rows} rows) and ${SAMPLE_CSV}`);
  const sample = await serverOn(SAMPLE_CSV);
  const large = await serverOn(spec.path);
  const duckdb = await runEngineChild(
    join(BENCH_DIR, 'engines', 'duckdb.mjs'),
    [spec.path, String(spec.rows)],
    { env: { BENCH_LOAD_ONLY: '1' }, label: 'duckdb load', timeoutMs: 60 * 60_000 },
  );
  const perRow = (large.rss - sample.rss) / spec.rows;
  const share = large.rss / duckdb.rssAfterLoad;
  const header = ['measure', 'ours', 'reference', 'ratio', 'target', 'met'];
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
      `server on ${spec.id}: ready, RSS`,
      `${fmtMs(large.readyMs)}, ${fmtMiB(large.rss)}`,
      `DuckDB ${fmtMs(duckdb.loadMs)}, ${fmtMiB(duckdb.rssAfterLoad)}`,
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
  ];
  console.log(markdownTable(header, rows));
}

await main();
