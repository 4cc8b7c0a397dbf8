/**
 * Backends section: the same 10M-row file served by the in-memory engine, by ClickHouse (imported
 * with `npm run import`) and by DuckDB, each behind HTTP, measured in one run:
 *   - import / load time: file → first 200 from the server's readiness (ClickHouse: the import,
 *     then the service's start, which loads nothing);
 *   - Q1–Q9 p50 over HTTP, one request at a time on a keep-alive connection, response cache off
 *     (Q7–Q9 with their analysis v2 parameters: window, compare, top/rankBy);
 *   - upload-to-visible (in-memory and ClickHouse): BENCH_UPLOADS (10) sequential 10,000-row
 *     uploads, each from sending the body until a read of the dataset counts its rows.
 * ClickHouse answers are checked against the in-memory engine's to 1e-9 relative.
 *   node bench/backends.mjs [--rows=1e7]   (needs `npm run build`, bench/ installed, clickhouse-server)
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetSpec, ensureDataset } from './lib/datasets.mjs';
import { DIST_DIR, RESULTS_DIR, ROOT_DIR } from './lib/paths.mjs';
import { analysisUrl, timeHttpQueries } from './lib/http-queries.mjs';
import { QUERIES } from './lib/queries.mjs';
import { UPLOAD_ROWS, csvOfUpload } from './lib/uploads.mjs';
import { closeEnough, nowMs, summarize } from './lib/stats.mjs';

const rowsArg = process.argv.find((arg) => arg.startsWith('--rows='))?.split('=')[1];
const ROWS = Number(rowsArg ?? process.env.BENCH_ROWS ?? 1e7);
const RUNS = Number(process.env.BENCH_HTTP_QUERY_RUNS ?? 15);
const WARMUP = 3;
/** Every query, Q1-Q9, one request at a time. */
const HTTP_QUERY_OPTIONS = { runs: RUNS, warmup: WARMUP, queries: QUERIES };
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 10);
const API_KEY = 'bench-backends-key-0123456789abcdef';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${url}: process exited with ${child.exitCode}`);
    }
    try {
      if ((await fetch(url)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

function start(command, args, env) {
  return spawn(command, args, {
    cwd: ROOT_DIR,
    env: { ...process.env, TZ: 'UTC', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stop(child) {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Upload-to-visible: UPLOADS sequential 10,000-row uploads (each with its own Idempotency-Key),
 * each timed from sending the body until a read of the dataset counts its rows.
 */
async function timeUploads(base) {
  const rowsNow = async () => (await (await fetch(`${base}/v1/datasets/sales`)).json()).rows;
  const samples = [];
  for (let i = 0; i < UPLOADS; i++) {
    const body = csvOfUpload(i);
    const before = await rowsNow();
    const started = nowMs();
    const response = await fetch(`${base}/v1/datasets/sales/rows`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${API_KEY}`,
        'Content-Type': 'text/csv',
        'Idempotency-Key': `bench-backends-upload-${Date.now()}-${i}`,
      },
      body,
    });
    const text = await response.text();
    if (response.status !== 201) {
      throw new Error(`upload answered ${response.status}: ${text.slice(0, 300)}`);
    }
    const after = await rowsNow();
    samples.push(nowMs() - started);
    if (after !== before + UPLOAD_ROWS) {
      throw new Error(
        `after an upload the dataset has ${after} rows, expected ${before + UPLOAD_ROWS}`,
      );
    }
  }
  return summarize(samples);
}

/** Starts the ClickHouse server from the test config, on free ports, in a temporary folder. */
async function startClickHouse() {
  const folder = mkdtempSync(join(tmpdir(), 'bench-clickhouse-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  const template = readFileSync(join(ROOT_DIR, 'test', 'clickhouse', 'config.xml'), 'utf8');
  writeFileSync(
    join(folder, 'config.xml'),
    template
      .replaceAll('@DIR@', folder)
      .replaceAll('@HTTP_PORT@', String(httpPort))
      .replaceAll('@TCP_PORT@', String(tcpPort))
      .replaceAll('@SHARD1@', 'shard_1')
      .replaceAll('@SHARD2@', 'shard_2'),
  );
  copyFileSync(join(ROOT_DIR, 'test', 'clickhouse', 'users.xml'), join(folder, 'users.xml'));
  const binary = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'].find(existsSync);
  if (!binary) {
    throw new Error('clickhouse-server is not installed (apt-get install clickhouse-server)');
  }
  const child = spawn(binary, [`--config-file=${join(folder, 'config.xml')}`], {
    cwd: folder,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${httpPort}`;
  await waitFor(`${url}/ping`, child, 60_000);
  const version = await (await fetch(`${url}/?query=SELECT%20version()`)).text();
  return { child, url, folder, version: version.trim() };
}

async function main() {
  if (!existsSync(join(DIST_DIR, 'cli', 'import.js'))) {
    throw new Error('dist/ is missing or old: run `npm run build` first');
  }
  const spec = datasetSpec(3, ROWS);
  await ensureDataset(spec);
  console.log(`Backends on ${spec.id} (${spec.path})`);
  const serviceEnv = {
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    RESPONSE_CACHE_ENTRIES: '0',
    API_KEYS: API_KEY,
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-backends-data-'));
  const report = { rows: ROWS, runs: RUNS, backends: {} };

  // In-memory: the service parses and indexes the file at start-up.
  {
    const port = await freePort();
    const started = nowMs();
    const child = start(process.execPath, ['dist/main.js'], {
      ...serviceEnv,
      PORT: String(port),
      DATA_PATH: spec.path,
      DATA_DIR: dataDir,
    });
    await waitFor(`http://127.0.0.1:${port}/health/ready`, child, 600_000);
    const loadMs = nowMs() - started;
    const queries = await timeHttpQueries(
      `http://127.0.0.1:${port}`,
      analysisUrl,
      HTTP_QUERY_OPTIONS,
    );
    const uploadToVisibleMs = await timeUploads(`http://127.0.0.1:${port}`);
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
    report.backends.memory = { loadMs, queries, uploadToVisibleMs };
    console.log(`  memory: ready in ${(loadMs / 1000).toFixed(1)} s`);
  }

  // ClickHouse: import once, then the service starts without loading anything.
  const clickhouse = await startClickHouse();
  try {
    const chEnv = {
      DATA_BACKEND: 'clickhouse',
      CLICKHOUSE_URL: clickhouse.url,
      CLICKHOUSE_DATABASE: 'bench',
      CLICKHOUSE_TIMEOUT_MS: '120000',
    };
    const importStarted = nowMs();
    const importer = start(
      process.execPath,
      ['dist/cli/import.js', '--dataset', 'sales', '--file', spec.path],
      chEnv,
    );
    const code = await new Promise((resolve) => importer.once('exit', resolve));
    if (code !== 0) throw new Error(`import exited with ${code}`);
    const importMs = nowMs() - importStarted;
    const port = await freePort();
    const started = nowMs();
    const child = start(process.execPath, ['dist/main.js'], {
      ...serviceEnv,
      ...chEnv,
      PORT: String(port),
    });
    await waitFor(`http://127.0.0.1:${port}/health/ready`, child, 120_000);
    const startMs = nowMs() - started;
    console.log(
      `  clickhouse ${clickhouse.version}: import ${(importMs / 1000).toFixed(1)} s, ready in ${(startMs / 1000).toFixed(1)} s`,
    );
    const queries = await timeHttpQueries(
      `http://127.0.0.1:${port}`,
      analysisUrl,
      HTTP_QUERY_OPTIONS,
    );
    const uploadToVisibleMs = await timeUploads(`http://127.0.0.1:${port}`);
    await stop(child);
    report.backends.clickhouse = {
      version: clickhouse.version,
      importMs,
      startMs,
      loadMs: importMs + startMs,
      queries,
      uploadToVisibleMs,
    };
  } finally {
    await stop(clickhouse.child);
    rmSync(clickhouse.folder, { recursive: true, force: true });
  }

  // DuckDB behind a plain node:http server.
  {
    const port = await freePort();
    const started = nowMs();
    const child = start(process.execPath, ['bench/http/duckdb-server.mjs', spec.path], {
      PORT: String(port),
    });
    await waitFor(`http://127.0.0.1:${port}/ready`, child, 600_000);
    const loadMs = nowMs() - started;
    const queries = await timeHttpQueries(
      `http://127.0.0.1:${port}`,
      (query) => `/q/${query.id}`,
      HTTP_QUERY_OPTIONS,
    );
    await stop(child);
    report.backends.duckdb = { loadMs, queries };
    console.log(`  duckdb: ready in ${(loadMs / 1000).toFixed(1)} s`);
  }

  // ClickHouse must answer exactly like the in-memory engine.
  let mismatches = 0;
  for (const { id } of QUERIES) {
    const expected = report.backends.memory.queries[id].body.results;
    const actual = report.backends.clickhouse.queries[id].body.results;
    const same =
      expected.length === actual.length &&
      expected.every((row, i) =>
        Object.entries(row).every(([key, value]) =>
          typeof value === 'number'
            ? closeEnough(actual[i][key], value, 1e-9)
            : actual[i][key] === value,
        ),
      );
    report.backends.clickhouse.queries[id].sameAsMemory = same;
    mismatches += same ? 0 : 1;
  }

  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [
    `| ${spec.id}, over HTTP | in-memory | ClickHouse ${report.backends.clickhouse.version} | DuckDB |`,
    '| --- | --- | --- | --- |',
    `| import / load → ready | ${seconds(report.backends.memory.loadMs)} | ${seconds(report.backends.clickhouse.importMs)} import + ${seconds(report.backends.clickhouse.startMs)} start | ${seconds(report.backends.duckdb.loadMs)} |`,
    ...QUERIES.map(({ id, title }) => {
      const p50 = (backend) => `${report.backends[backend].queries[id].timing.p50.toFixed(1)} ms`;
      const check = report.backends.clickhouse.queries[id].sameAsMemory ? '' : ' (DIFFERS)';
      return `| ${id} p50 (${title}) | ${p50('memory')} | ${p50('clickhouse')}${check} | ${p50('duckdb')} |`;
    }),
    `| upload-to-visible p50, ${UPLOADS} × ${UPLOAD_ROWS} rows | ${report.backends.memory.uploadToVisibleMs.p50.toFixed(1)} ms | ${report.backends.clickhouse.uploadToVisibleMs.p50.toFixed(1)} ms | — |`,
  ];
  console.log(`\n${lines.join('\n')}\n`);
  for (const backend of Object.values(report.backends)) {
    for (const query of Object.values(backend.queries)) delete query.body;
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `backends-${new Date().toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, JSON.stringify({ ...report, table: lines }, null, 2));
  console.log(`Full results: ${file}`);
  if (mismatches > 0) {
    process.exitCode = 1;
  }
}

await main();
