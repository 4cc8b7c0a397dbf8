#!/usr/bin/env node
/*
 * Sustained-load check of the built server (run `npm run build` first).
 *
 * Starts the server as deployed (the Node flags of `npm run start:prod`, which the Dockerfile's
 * CMD repeats, then `dist/main.js`) on a free port with the 5,000-row sample (rate limit off,
 * warn-level logs), warms it up, then sends a mix of valid and invalid requests to both analysis endpoints
 * (JSON and CSV) from many connections. Fails when any request errors or times out, when any
 * answer is a 5xx or differs from the status its request should get, or when the server's RSS
 * after the run is more than 10% above its RSS after the warm-up.
 *
 * Settings (environment): LOAD_CONNECTIONS (100), LOAD_DURATION_SECONDS (30),
 * LOAD_WARMUP_SECONDS (15), LOAD_MAX_RSS_GROWTH (0.10), LOAD_DATA_PATH (data/sales.csv),
 * LOAD_LOG_LEVEL (warn). For a quick local run: LOAD_DURATION_SECONDS=5 npm run test:load.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { productionServerArgs } from '../bench/lib/paths.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'dist', 'main.js');
/**
 * The production command caps V8's young generation (`--max-semi-space-size`); without it the
 * young generation keeps growing with the request rate for minutes, which reads as RSS growth.
 */
const SERVER_ARGS = productionServerArgs();

function setting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number (got ${JSON.stringify(raw)})`);
  }
  return value;
}

const CONNECTIONS = setting('LOAD_CONNECTIONS', 100);
const DURATION_SECONDS = setting('LOAD_DURATION_SECONDS', 30);
/**
 * Under load the V8 heap keeps growing for about ten seconds before its size levels off (on the
 * sample data, from ~125 MiB after 3 s to ~180 MiB after 10 s, then flat for minutes): the
 * warm-up has to outlast that for the comparison to measure leaks rather than heap sizing.
 */
const WARMUP_SECONDS = setting('LOAD_WARMUP_SECONDS', 15);
/** RSS is read once the last requests have completed and the process is idle. */
const SETTLE_MS = 2000;
const MAX_RSS_GROWTH = setting('LOAD_MAX_RSS_GROWTH', 0.1);
const DATA_PATH = resolve(ROOT, process.env.LOAD_DATA_PATH || join('data', 'sales.csv'));
const LOG_LEVEL = process.env.LOAD_LOG_LEVEL || 'warn';

/** Every request of the mix, with the status it must get: about half are refusals. */
const MIX = [
  [
    200,
    '/data_analysis?mean=true&median=true&max_value=true&include_ar=true&year=2024&global_results=true',
  ],
  [200, '/data_analysis?mean=true&median=true&include_ar=true&include_cl=true&include_uy=true'],
  [200, '/data_analysis?max_value=true&include_br=true&include_mx=true&year=2025'],
  [200, '/v1/datasets/sales/analysis?metrics=count,mean,median,p90&groupBy=country,quarter'],
  [200, '/v1/datasets/sales/analysis?metrics=sum,stddev,variance&years=2024&groupBy=month'],
  [
    200,
    '/v1/datasets/sales/analysis?metrics=mean,p99&countries=AR,CL&from=2024-03-01&to=2024-09-30&groupBy=none',
  ],
  [200, '/v1/datasets/sales/analysis?metrics=count,mean,min,max&groupBy=country,year&format=csv'],
  [200, '/v1/datasets/sales'],
  [400, '/data_analysis?include_ar=true'],
  [422, '/data_analysis?mean=maybe&include_ar=true&year=20x4'],
  [404, '/data_analysis?mean=true&include_ar=true&year=1999'],
  [400, '/v1/datasets/sales/analysis?metrics=avg&groupBy=week'],
  [400, '/v1/datasets/sales/analysis?metrics=mean&countries=ZZ&__proto__=x'],
  [400, '/v1/datasets/%E0%A4%A/analysis?metrics=mean'],
  [404, '/v1/datasets/nope/analysis?metrics=mean'],
  [404, '/v1/datasets/sales/analysis?metrics=mean&years=1999&format=csv'],
];

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Resident set size of a running process, from /proc. */
function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) {
    throw new Error(`no VmRSS for process ${pid}`);
  }
  return Number(match[1]) * 1024;
}

async function waitUntilReady(base, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the server exited with status ${child.exitCode} before it was ready`);
    }
    const ok = await fetch(`${base}/v1/datasets/sales`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    await sleep(200);
  }
  throw new Error('the server was not ready within 60 s');
}

/** One autocannon run over the mix; counts answers whose status is not the expected one. */
async function run(base, seconds) {
  const unexpected = new Map();
  const requests = MIX.map(([status, path]) => ({
    method: 'GET',
    path,
    onResponse: (actual) => {
      if (actual !== status) {
        const key = `${path} -> ${actual} (expected ${status})`;
        unexpected.set(key, (unexpected.get(key) ?? 0) + 1);
      }
    },
  }));
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    requests,
  });
  return { result, unexpected };
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main() {
  if (!existsSync(ENTRY)) {
    throw new Error(`${ENTRY} does not exist: run \`npm run build\` first`);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    PORT: String(port),
    DATA_PATH,
    LOG_LEVEL,
    RATE_LIMIT_PER_MINUTE: '0',
  };
  delete env.DATASETS_FILE;
  delete env.DATA_LENIENT;
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });

  const failures = [];
  try {
    await waitUntilReady(base, child);
    await run(base, WARMUP_SECONDS);
    await sleep(SETTLE_MS);
    const rssAfterWarmUp = rssBytes(child.pid);

    // RSS under load: the highest of one-second samples taken during the measured run.
    let rssUnderLoad = 0;
    const sampler = setInterval(() => {
      rssUnderLoad = Math.max(rssUnderLoad, rssBytes(child.pid));
    }, 1000);
    const { result, unexpected } = await run(base, DURATION_SECONDS).finally(() =>
      clearInterval(sampler),
    );
    await sleep(SETTLE_MS);
    if (child.exitCode !== null) {
      throw new Error(`the server exited with status ${child.exitCode} during the run`);
    }
    const rssAfterRun = rssBytes(child.pid);
    const growth = (rssAfterRun - rssAfterWarmUp) / rssAfterWarmUp;
    const unexpectedCount = [...unexpected.values()].reduce((sum, n) => sum + n, 0);
    const valid = MIX.filter(([status]) => status === 200).length;

    console.log(
      [
        `load test: ${CONNECTIONS} connections for ${result.duration} s after a ${WARMUP_SECONDS} s warm-up, ` +
          `${MIX.length} requests in the mix (${valid} valid, ${MIX.length - valid} invalid), ${DATA_PATH}`,
        `requests: ${result.requests.total} (${Math.round(result.requests.average)} req/s), ` +
          `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
        `responses: 2xx ${result['2xx']}, 4xx ${result['4xx']}, 5xx ${result['5xx']}; ` +
          `errors ${result.errors}, timeouts ${result.timeouts}, unexpected statuses ${unexpectedCount}`,
        `RSS: ${mib(rssAfterWarmUp)} after the warm-up, up to ${mib(rssUnderLoad)} under load, ` +
          `${mib(rssAfterRun)} after the run ` +
          `(${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%, limit +${(MAX_RSS_GROWTH * 100).toFixed(0)}%)`,
      ].join('\n'),
    );

    if (result.errors > 0 || result.timeouts > 0) {
      failures.push(`${result.errors} request errors, ${result.timeouts} timeouts`);
    }
    if (result['5xx'] > 0) {
      failures.push(`${result['5xx']} server errors (5xx)`);
    }
    for (const [key, count] of unexpected) {
      failures.push(`${count} x ${key}`);
    }
    if (result.requests.total === 0) {
      failures.push('no request completed');
    }
    if (growth > MAX_RSS_GROWTH) {
      failures.push(`RSS grew by ${(growth * 100).toFixed(1)}% during the run`);
    }
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    child.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise((done) => child.once('exit', () => done(true))),
      sleep(15_000).then(() => false),
    ]);
    if (!exited) {
      child.kill('SIGKILL');
    }
  }

  if (failures.length > 0) {
    console.error(`load test FAILED:\n  ${failures.join('\n  ')}`);
    if (stderr.trim()) {
      console.error(`server stderr (last lines):\n${stderr}`);
    }
    process.exitCode = 1;
  } else {
    console.log('load test passed');
  }
}

main().catch((error) => {
  console.error(`load test FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
