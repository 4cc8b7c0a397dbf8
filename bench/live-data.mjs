/**
 * Live data bench: upload-to-visible latency of 10k-row uploads into a large dataset, and query
 * latency while such uploads arrive every second, against the same queries with no uploads, in
 * one run on one server (the reference once the merges the first uploads started have ended). Also
 * a running total under the same stream, the server's event-loop delay in both phases, its
 * resident memory while merging, and the background merges' durations from /metrics.
 *
 *   node bench/live-data.mjs [--rows=1e7] [--uploads=10] [--stream-seconds=20] [--v2-seconds=10]
 *
 * Needs `npm run build` (dist/; BENCH_DIST_DIR runs another build, to compare two in one session)
 * and writes nothing outside a temporary DATA_DIR and bench/data.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { datasetSpec, ensureDataset } from './lib/datasets.mjs';
import { httpGet, startServer } from './lib/http-bench.mjs';
import { DIST_DIR, RESULTS_DIR, ROOT_DIR } from './lib/paths.mjs';
import { nowMs, percentileOfSorted } from './lib/stats.mjs';
import { UPLOAD_ROWS, csvOfUpload } from './lib/uploads.mjs';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg) => /^--([^=]+)=(.*)$/.exec(arg))
    .filter(Boolean)
    .map(([, key, value]) => [key, value]),
);
const ROWS = Number(args.rows ?? process.env.BENCH_LIVE_ROWS ?? 1e7);
const UPLOADS = Number(args.uploads ?? process.env.BENCH_LIVE_UPLOADS ?? 10);
const STREAM_SECONDS = Number(
  args['stream-seconds'] ?? process.env.BENCH_LIVE_STREAM_SECONDS ?? 20,
);
const V2_SECONDS = Number(args['v2-seconds'] ?? process.env.BENCH_LIVE_V2_SECONDS ?? 10);
const KEY = 'bench-live-data-key-0123456789abcdef0123';
const QUERY = '/v1/datasets/sales/analysis?metrics=mean,median,max&countries=AR,CL&years=2024';
/** A running total: combined from the main table and the deltas (see README, "Live data"). */
const V2_QUERY =
  '/v1/datasets/sales/analysis?metrics=sum,median&countries=UY&groupBy=month&years=2026&cumulative=true';

function upload(base, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/v1/datasets/sales/rows`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${KEY}`,
          'Content-Type': 'text/csv',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 201) {
            reject(new Error(`upload answered ${res.statusCode}: ${text.slice(0, 300)}`));
            return;
          }
          resolve(JSON.parse(text));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function rowsNow(base, agent) {
  const { body } = await httpGet(`${base}/v1/datasets/sales`, agent);
  return JSON.parse(body).rows;
}

async function metricsText(base) {
  return (await httpGet(`${base}/metrics`)).body;
}

function metricOf(text, name, labels = '{dataset="sales"}') {
  const escaped = labels.replace(/[{}]/g, '\\$&');
  return Number(new RegExp(`^${name}${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/** Waits until the background merges have folded every delta into the main table. */
async function mergesSettled(base) {
  for (;;) {
    if (metricOf(await metricsText(base), 'dataset_index_parts') === 1) {
      return;
    }
    await sleep(200);
  }
}

/**
 * The server's event-loop delay since the last scrape, in ms: prom-client's default metrics
 * reset their histogram on every scrape, so a scrape before and one after a phase measure it.
 * Its timer fires every 10 ms and records the whole interval, so 10 ms is the floor (no delay).
 */
async function eventLoopDelay(base) {
  const text = await metricsText(base);
  const ms = (name) => 1000 * metricOf(text, name, '');
  return {
    p50: ms('nodejs_eventloop_lag_p50_seconds'),
    p99: ms('nodejs_eventloop_lag_p99_seconds'),
    max: ms('nodejs_eventloop_lag_max_seconds'),
  };
}

/** Samples the server's resident memory (VmRSS, Linux) every 50 ms until stopped. */
function rssSampler(pid) {
  const samples = [];
  const read = () => {
    try {
      const kb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      samples.push({ at: nowMs(), mb: kb / 1024 });
    } catch {
      // Not Linux, or the server has gone: no sample.
    }
  };
  read();
  const timer = setInterval(read, 50);
  return {
    stop: () => clearInterval(timer),
    peakBetween: (from, to) =>
      samples
        .filter(({ at }) => at >= from && at <= to)
        .reduce((peak, { mb }) => Math.max(peak, mb), 0),
    samples,
  };
}

/** Sequential queries for `seconds`; the latency of each, in ms. */
async function queryLatencies(base, seconds, query = QUERY) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  const until = nowMs() + seconds * 1000;
  try {
    while (nowMs() < until) {
      const t0 = nowMs();
      const { status } = await httpGet(base + query, agent);
      samples.push(nowMs() - t0);
      if (status !== 200) {
        throw new Error(`query answered ${status}`);
      }
    }
  } finally {
    agent.destroy();
  }
  return samples.sort((a, b) => a - b);
}

const describe = (sorted) => ({
  runs: sorted.length,
  p50: percentileOfSorted(sorted, 0.5),
  p99: percentileOfSorted(sorted, 0.99),
  max: sorted[sorted.length - 1],
});

const spec = datasetSpec(3, ROWS);
await ensureDataset(spec);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-live-'));
const server = await startServer({
  label: 'service',
  args: [join(DIST_DIR, 'main.js')],
  cwd: ROOT_DIR,
  env: {
    DATA_PATH: spec.path,
    DATA_DIR: dataDir,
    API_KEYS: KEY,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    RESPONSE_CACHE_ENTRIES: '0',
  },
  readyPath: '/health/ready',
  timeoutMs: 600_000,
});
try {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  // Upload-to-visible: from sending the body to a read that counts the rows (read-your-writes).
  const visible = [];
  for (let i = 0; i < UPLOADS; i++) {
    const body = csvOfUpload(i);
    const before = await rowsNow(server.base, agent);
    const t0 = nowMs();
    await upload(server.base, body);
    const after = await rowsNow(server.base, agent);
    visible.push(nowMs() - t0);
    if (after !== before + UPLOAD_ROWS) {
      throw new Error(
        `after an upload the dataset has ${after} rows, expected ${before + UPLOAD_ROWS}`,
      );
    }
  }
  agent.destroy();
  visible.sort((a, b) => a - b);

  // The reference runs with no merge either: the uploads above start one.
  await mergesSettled(server.base);
  const rss = rssSampler(server.pid);
  const settledRssMb = rss.samples.at(-1)?.mb ?? Number.NaN;
  await eventLoopDelay(server.base);
  const quiet = await queryLatencies(server.base, STREAM_SECONDS);
  const quietLoop = await eventLoopDelay(server.base);
  const streamStarted = nowMs();
  let streaming = true;
  let streamed = 0;
  const stream = (async () => {
    for (let i = UPLOADS; streaming; i++) {
      const started = nowMs();
      await upload(server.base, csvOfUpload(i));
      streamed++;
      await sleep(Math.max(0, 1000 - (nowMs() - started)));
    }
  })();
  const loaded = await queryLatencies(server.base, STREAM_SECONDS);
  const loadedLoop = await eventLoopDelay(server.base);
  const loadedV2 = await queryLatencies(server.base, V2_SECONDS, V2_QUERY);
  streaming = false;
  await stream;
  const streamEnded = nowMs();
  await mergesSettled(server.base);
  rss.stop();
  const metrics = await metricsText(server.base);
  const merges = metricOf(metrics, 'dataset_merge_duration_seconds_count');
  const mergeMeanMs = (1000 * metricOf(metrics, 'dataset_merge_duration_seconds_sum')) / merges;
  // Peak resident memory in each half of the stream and its merges: a leak would grow it.
  const middle = (streamStarted + streamEnded) / 2;
  const memory = {
    settledMb: settledRssMb,
    peakFirstHalfMb: rss.peakBetween(streamStarted, middle),
    peakSecondHalfMb: rss.peakBetween(middle, Number.POSITIVE_INFINITY),
    afterMergesMb: rss.samples.at(-1)?.mb ?? Number.NaN,
  };

  const result = {
    rows: ROWS,
    uploadRows: UPLOAD_ROWS,
    uploadToVisibleMs: describe(visible),
    queryWithoutUploadsMs: describe(quiet),
    queryUnderUploadStreamMs: describe(loaded),
    runningTotalUnderUploadStreamMs: describe(loadedV2),
    serverEventLoopDelayMs: { withoutUploads: quietLoop, underUploadStream: loadedLoop },
    residentMemory: memory,
    uploadsDuringStream: streamed,
    merges,
    mergeMeanMs,
    query: QUERY,
    runningTotalQuery: V2_QUERY,
  };
  console.log(`live data, ${ROWS} rows, ${UPLOAD_ROWS}-row uploads`);
  console.log(
    `  upload-to-visible  p50 ${result.uploadToVisibleMs.p50.toFixed(1)} ms  max ${result.uploadToVisibleMs.max.toFixed(1)} ms  (${UPLOADS} uploads; target p50 < 250 ms)`,
  );
  console.log(
    `  query, no uploads  p50 ${result.queryWithoutUploadsMs.p50.toFixed(2)} ms  p99 ${result.queryWithoutUploadsMs.p99.toFixed(2)} ms  (${quiet.length} queries)`,
  );
  console.log(
    `  query, 1 upload/s  p50 ${result.queryUnderUploadStreamMs.p50.toFixed(2)} ms  p99 ${result.queryUnderUploadStreamMs.p99.toFixed(2)} ms  (${loaded.length} queries, ${streamed} uploads; target p99 < 5 ms)`,
  );
  console.log(
    `  running total, 1 upload/s  p50 ${result.runningTotalUnderUploadStreamMs.p50.toFixed(1)} ms  p99 ${result.runningTotalUnderUploadStreamMs.p99.toFixed(1)} ms  (${loadedV2.length} queries)`,
  );
  const loop = ({ p50, p99, max }) =>
    `p50 ${p50.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  max ${max.toFixed(1)} ms`;
  console.log(`  server event-loop delay, no uploads  ${loop(quietLoop)}  (10 ms = no delay)`);
  console.log(`  server event-loop delay, 1 upload/s  ${loop(loadedLoop)}`);
  console.log(
    `  resident memory  ${memory.settledMb.toFixed(0)} MB settled; peak ${memory.peakFirstHalfMb.toFixed(0)} MB (first half of the stream), ${memory.peakSecondHalfMb.toFixed(0)} MB (second half and last merges); ${memory.afterMergesMb.toFixed(0)} MB after`,
  );
  console.log(`  background merges  ${merges}, mean ${mergeMeanMs.toFixed(0)} ms each`);
  const file = join(
    RESULTS_DIR,
    `live-data-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`  full results: ${file}`);
} catch (error) {
  console.error(
    `live data bench failed: ${error.message}\nlast server lines:\n${server.tail.join('\n')}`,
  );
  process.exitCode = 1;
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
