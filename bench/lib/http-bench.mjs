/** Server lifecycle, sequential latency and autocannon throughput for the HTTP rows. */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_DIR } from './paths.mjs';
import { nowMs, summarize } from './stats.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** GET with an optional keep-alive agent; resolves { status, headers, body }. */
export function httpGet(url, agent) {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Headers set per request, which the floor server sets itself. */
const PER_REQUEST_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'content-type',
  'x-request-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'etag',
  'cache-control',
  'vary',
]);

/**
 * Writes an answer of ours into `folder`, where the reference servers read it: its body, and its
 * headers that are the same on every response (security, CORS).
 */
export function writeAnswerFiles(folder, { headers, body }) {
  const files = { bodyFile: join(folder, 'body.json'), headersFile: join(folder, 'headers.json') };
  const fixedHeaders = Object.fromEntries(
    Object.entries(headers).filter(([name]) => !PER_REQUEST_HEADERS.has(name)),
  );
  writeFileSync(files.bodyFile, body);
  writeFileSync(files.headersFile, JSON.stringify(fixedHeaders));
  return files;
}

/**
 * Node's arguments for a reference server sending that answer: bare `node:http` (`bare`) or the
 * floor of a cached answer on Nest + Fastify (`floor`).
 */
export function referenceServerArgs(reference, { bodyFile, headersFile }) {
  return reference === 'bare'
    ? [join(BENCH_DIR, 'http', 'bare-server.mjs'), bodyFile]
    : [join(BENCH_DIR, 'http', 'nest-floor-server.cjs'), bodyFile, headersFile];
}

/**
 * Starts a server process and waits until `readyPath` answers 200. Output is kept (last lines
 * only) for error messages rather than interleaved with the bench report.
 */
export async function startServer({ label, args, env, cwd, readyPath = '/health', timeoutMs }) {
  const port = await freePort();
  const started = nowMs();
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, TZ: 'UTC', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = [];
  const keep = (chunk) => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? code;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(killer);
    }
  };
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited !== null) {
      throw new Error(`${label} exited with ${exited} before ready:\n${tail.join('\n')}`);
    }
    if (nowMs() - started > timeoutMs) {
      await stop();
      throw new Error(`${label} not ready after ${timeoutMs} ms:\n${tail.join('\n')}`);
    }
    try {
      const { status } = await httpGet(base + readyPath);
      if (status === 200) {
        break;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  return { base, port, pid: child.pid, readyMs: nowMs() - started, stop, tail };
}

/** One request at a time over a keep-alive connection, as a single client would see it. */
export async function sequentialLatency(url, { warmup, requests }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let last;
    for (let i = 0; i < warmup; i++) {
      last = await httpGet(url, agent);
    }
    const samples = [];
    for (let i = 0; i < requests; i++) {
      const t0 = nowMs();
      last = await httpGet(url, agent);
      samples.push(nowMs() - t0);
      if (last.status !== 200) {
        throw new Error(`GET ${url} answered ${last.status}: ${last.body.slice(0, 200)}`);
      }
    }
    return { timing: summarize(samples), lastBody: last.body };
  } finally {
    agent.destroy();
  }
}

/** autocannon against one URL (or `requests` built per request); the few numbers the report needs. */
export async function throughput(url, { connections, durationSec, requests }) {
  const result = await autocannon({ url, connections, duration: durationSec, requests });
  return {
    requestsPerSec: result.requests.average,
    totalRequests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    connections,
    durationSec,
  };
}
