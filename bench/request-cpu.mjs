/**
 * Server CPU time per request: the built server's utime + stime (all threads, /proc/<pid>/stat)
 * before and after a fixed number of requests sent by autocannon (10 connections), after a
 * warm-up. Steadier than req/s on a shared machine, since it counts only the server's own work.
 *
 *   node bench/request-cpu.mjs <canonical|health|distinct|bare> [requests] [dist folder]
 *   node bench/request-cpu.mjs <nest-none|nest-answer|nest-through|nest-floor> [requests]
 *
 * With REQUEST_CPU_PROFILE_DIR set, the server also writes a V8 CPU profile there
 * (`node --cpu-prof`) when it stops, to see where that CPU time goes.
 *
 * Same settings as the throughput rows of run.mjs (LOG_LEVEL=info, rate limit on and never
 * refusing); `distinct` sends a different date range of the v1 analysis per request over the
 * 1M-row 3-country file (`npm run bench` makes it); `bare` measures the reference of the
 * throughput rows, `http/bare-server.mjs` sending the canonical answer (taken from the built
 * server first) to the same requests. Give another build's folder (a copy of
 * `dist/` from an earlier commit, inside the repository so its modules resolve) to compare.
 * Linux only.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpGet, referenceServerArgs, startServer, writeAnswerFiles } from './lib/http-bench.mjs';
import { BENCH_DIR, DATA_DIR, productionServerArgs, ROOT_DIR, SAMPLE_CSV } from './lib/paths.mjs';

const [kind = 'canonical', requestsArg = '6000', distFolder = 'dist'] = process.argv.slice(2);
const requests = Number(requestsArg);
const CANONICAL_PATH =
  '/data_analysis?mean=true&median=true&max_value=true&include_ar=true&include_cl=true&include_uy=true';

function distinctPath(index) {
  const day = (n) => new Date(Date.UTC(2015, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
  const from = index % 3650;
  const to = from + 30 + (Math.floor(index / 3650) % 300);
  return `/v1/datasets/sales/analysis?metrics=mean,median,max&from=${day(from)}&to=${day(to)}`;
}

/** CPU microseconds the process has used in user and kernel mode, all threads (ticks of 10 ms). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

const profileDir = process.env.REQUEST_CPU_PROFILE_DIR;
const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];

function startOurs() {
  return startServer({
    label: 'server',
    // Node's flags of the production start command, on the chosen build.
    args: [
      ...nodeArgs,
      ...productionServerArgs().map((arg) =>
        arg.endsWith('main.js') ? join(ROOT_DIR, distFolder, 'main.js') : arg,
      ),
    ],
    cwd: ROOT_DIR,
    env: {
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      RATE_LIMIT_PER_MINUTE: '1000000',
      DATA_PATH: kind === 'distinct' ? join(DATA_DIR, 'sales-3c-1M.csv') : SAMPLE_CSV,
    },
    timeoutMs: 10 * 60_000,
  });
}

/**
 * The canonical answer of the built server, in files the reference servers send: its body, and
 * the headers that are the same on every response (security, CORS).
 */
async function canonicalAnswerFiles() {
  const ours = await startOurs();
  let answer;
  try {
    answer = await httpGet(ours.base + CANONICAL_PATH);
  } finally {
    await ours.stop();
  }
  const folder = mkdtempSync(join(tmpdir(), 'request-cpu-'));
  return { folder, ...writeAnswerFiles(folder, answer) };
}

/**
 * A reference server sending our canonical answer: bare `node:http` (the throughput rows'
 * reference), a Nest + Fastify app with no interceptor, one that answers itself, or one that
 * lets the request through (`http/nest-interceptor-server.cjs`), or the floor of a cached answer
 * (`http/nest-floor-server.cjs`).
 */
async function startReference() {
  const { folder, ...files } = await canonicalAnswerFiles();
  const args =
    kind === 'bare' || kind === 'nest-floor'
      ? referenceServerArgs(kind === 'bare' ? 'bare' : 'floor', files)
      : [join(BENCH_DIR, 'http', 'nest-interceptor-server.cjs'), files.bodyFile, kind.slice(5)];
  const reference = await startServer({
    label: kind,
    args: [...nodeArgs, ...args],
    cwd: ROOT_DIR,
    readyPath: CANONICAL_PATH,
    timeoutMs: 60_000,
  });
  return {
    ...reference,
    stop: () => reference.stop().finally(() => rmSync(folder, { recursive: true })),
  };
}

const REFERENCES = new Set(['bare', 'nest-none', 'nest-answer', 'nest-through', 'nest-floor']);
const server = REFERENCES.has(kind) ? await startReference() : await startOurs();
try {
  let next = 0;
  const options = (amount) =>
    kind === 'distinct'
      ? {
          url: server.base,
          connections: 10,
          amount,
          requests: [{ setupRequest: (request) => ({ ...request, path: distinctPath(next++) }) }],
        }
      : {
          url: server.base + (kind === 'health' ? '/health' : CANONICAL_PATH),
          connections: 10,
          amount,
        };
  const { status } = await httpGet(options(1).url + (kind === 'distinct' ? distinctPath(0) : ''));
  if (status !== 200) {
    throw new Error(`${kind} answered ${status}`);
  }
  await autocannon(options(Math.min(3000, requests)));
  const before = cpuMicros(server.pid);
  const result = await autocannon(options(requests));
  const after = cpuMicros(server.pid);
  const user = after.user - before.user;
  const system = after.system - before.system;
  console.log(
    JSON.stringify({
      kind,
      dist: distFolder,
      requests,
      cpuMicrosPerRequest: Math.round((user + system) / requests),
      userMicrosPerRequest: Math.round(user / requests),
      systemMicrosPerRequest: Math.round(system / requests),
      non2xx: result.non2xx,
    }),
  );
} finally {
  await server.stop();
}
