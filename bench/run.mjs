/**
 * Benchmark suite entry point (`npm run bench` from the repository root). See README.md.
 * Every engine runs in a fresh child process per dataset so memory numbers are its own.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { diffAnswers, RELATIVE_TOLERANCE } from './lib/compare.mjs';
import { datasetSpec, ensureDataset } from './lib/datasets.mjs';
import {
  httpGet,
  referenceServerArgs,
  sequentialLatency,
  startServer,
  throughput,
  writeAnswerFiles,
} from './lib/http-bench.mjs';
import {
  BENCH_DIR,
  DIST_DIR,
  productionServerArgs,
  RESULTS_DIR,
  ROOT_DIR,
  SAMPLE_CSV,
} from './lib/paths.mjs';
import { run, runEngineChild } from './lib/proc.mjs';
import { QUERIES } from './lib/queries.mjs';
import { nowMs } from './lib/stats.mjs';
import { fmtMet, fmtMiB, fmtMs, fmtRatio, ratio, renderTable } from './lib/table.mjs';

const CANONICAL_PATH =
  '/data_analysis?mean=true&median=true&max_value=true&include_ar=true&include_cl=true&include_uy=true';

const TARGETS = {
  rssShareOfDuckdb: 0.5,
  bytesPerRow: 24,
  queryP50Factor: 1 / 50,
  httpP50Ms: 5,
  /** Repeated canonical query (answer cache), LOG_LEVEL=info, rate limiting on. */
  throughputShare: 0.25,
  /** Every request a different date range over 1M rows: the cache cannot help. */
  distinctShare: 0.12,
  /** The canonical query in process (Q1 at 10M rows), p50. */
  canonicalInProcessMs: 1,
  linearLoadSlack: 0.2,
};

// ---------------------------------------------------------------------------------------------
// Options: env variables, or the same names as --flags (--rows=1e6 ≡ BENCH_ROWS=1e6).

function readOptions() {
  const flags = {};
  for (const arg of process.argv.slice(2)) {
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) {
      throw new Error(`unknown argument ${arg}; use --name=value (see bench/README.md)`);
    }
    flags[`BENCH_${match[1].toUpperCase().replaceAll('-', '_')}`] = match[2] ?? '1';
  }
  const get = (name, fallback) => flags[name] ?? process.env[name] ?? fallback;
  const list = (name, fallback) =>
    String(get(name, fallback))
      .split(',')
      .map((x) => Number(x.trim()));
  const bool = (name) => ['1', 'true', 'yes'].includes(String(get(name, '0')).toLowerCase());
  return {
    rows: list('BENCH_ROWS', '1e6,1e7'),
    countries: list('BENCH_COUNTRIES', '3,20'),
    // 20 countries × 10M adds ~1.5 min; on by default, off with BENCH_WIDE_10M=0.
    wide10m: get('BENCH_WIDE_10M', '1') !== '0',
    skipHttp: bool('BENCH_SKIP_HTTP'),
    skipDuckdb: bool('BENCH_SKIP_DUCKDB'),
    skipOurs: bool('BENCH_SKIP_OURS'),
    skipBuild: bool('BENCH_SKIP_BUILD'),
    runs: Number(get('BENCH_RUNS', 30)),
    loadRuns: Math.max(1, Number(get('BENCH_LOAD_RUNS', 3))),
    warmup: Number(get('BENCH_WARMUP', 5)),
    duckdbThreads: Number(get('BENCH_DUCKDB_THREADS', 2)),
    httpRequests: Number(get('BENCH_HTTP_REQUESTS', 200)),
    httpWarmup: Number(get('BENCH_HTTP_WARMUP', 20)),
    connections: Number(get('BENCH_CONNECTIONS', 10)),
    durationSec: Number(get('BENCH_DURATION', 10)),
    throughputRounds: Number(get('BENCH_THROUGHPUT_ROUNDS', 2)),
    logLevel: get('BENCH_LOG_LEVEL', 'info'),
    // On, and high enough never to refuse the load generator's one address.
    rateLimit: String(get('BENCH_RATE_LIMIT', 1_000_000)),
  };
}

// ---------------------------------------------------------------------------------------------
// Build: the engine child and the HTTP server run the compiled dist/, never ts-node.

function newestMtime(dir, accept) {
  let newest = 0;
  if (!existsSync(dir)) {
    return newest;
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, newestMtime(path, accept));
    } else if (accept(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

async function ensureBuild(options) {
  const srcNewest = newestMtime(
    join(ROOT_DIR, 'src'),
    (n) => n.endsWith('.ts') && !n.endsWith('.spec.ts'),
  );
  const distNewest = newestMtime(DIST_DIR, (n) => n.endsWith('.js'));
  if (distNewest >= srcNewest) {
    return { built: false };
  }
  if (options.skipBuild) {
    console.log('  dist/ is older than src/ but BENCH_SKIP_BUILD is set; using it as is');
    return { built: false, stale: true };
  }
  console.log('  dist/ missing or older than src/: npm run build');
  try {
    await run('npm', ['run', 'build'], { cwd: ROOT_DIR });
    return { built: true };
  } catch (error) {
    // tsc still emits JavaScript on type errors; what dist/ holds is checked right after.
    console.log(`  build reported errors (${error.message}); measuring the JavaScript it emitted`);
    return { built: true, error: String(error.message ?? error) };
  }
}

function oursAvailable() {
  const needed = [
    'data/csv/sales-csv-loader.js',
    'data/csv/csv-format.js',
    'engine/index.js',
    'common/calendar/day-number.js',
  ];
  const missing = needed.filter((f) => !existsSync(join(DIST_DIR, f)));
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Engines per dataset.

/** Reads the file once so every engine starts from a warm page cache, whichever runs first. */
function warmPageCache(path) {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 22);
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0) {
      // Reading is the point.
    }
  } finally {
    closeSync(fd);
  }
}

async function benchDataset(spec, options, state) {
  const result = { spec: { ...spec }, ours: null, duckdb: null, checks: {}, errors: {} };
  const childEnv = {
    BENCH_RUNS: String(options.runs),
    BENCH_WARMUP: String(options.warmup),
    BENCH_DUCKDB_THREADS: String(options.duckdbThreads),
  };
  const engines = [
    ['duckdb', !options.skipDuckdb],
    ['ours', !options.skipOurs && state.oursReady],
  ];
  for (const [engine, enabled] of engines) {
    if (!enabled) {
      continue;
    }
    console.log(`  ${spec.id}: ${engine}…`);
    try {
      warmPageCache(spec.path);
      result[engine] = await runEngineChild(
        join(BENCH_DIR, 'engines', `${engine}.mjs`),
        [spec.path, String(spec.rows)],
        { env: childEnv, label: `${spec.id} ${engine}` },
      );
      // Load time is the best of several fresh processes: one sample on a busy machine is mostly noise.
      const loadSamples = [result[engine].loadMs];
      for (let i = 1; i < options.loadRuns; i++) {
        warmPageCache(spec.path);
        const extra = await runEngineChild(
          join(BENCH_DIR, 'engines', `${engine}.mjs`),
          [spec.path, String(spec.rows)],
          { env: { ...childEnv, BENCH_LOAD_ONLY: '1' }, label: `${spec.id} ${engine} load` },
        );
        loadSamples.push(extra.loadMs);
      }
      result[engine].loadSamplesMs = loadSamples;
      result[engine].loadMs = Math.min(...loadSamples);
      console.log(
        `    load ${loadSamples.map((ms) => fmtMs(ms)).join(', ')}; ` +
          `RSS ${fmtMiB(result[engine].rssAfterLoad)}`,
      );
    } catch (error) {
      result.errors[engine] = String(error.message ?? error);
      console.log(`    FAILED: ${result.errors[engine]}`);
    }
  }
  if (result.ours && result.duckdb) {
    for (const query of QUERIES) {
      const diff = diffAnswers(
        result.ours.queries[query.id].answer,
        result.duckdb.queries[query.id].answer,
      );
      result.checks[query.id] = diff === null ? 'PASS' : `FAIL: ${diff}`;
      console.log(`    ${query.id} ${query.title}: ${result.checks[query.id]}`);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// HTTP.

/** The server as deployed: Node's flags of `npm run start:prod`, then dist/main.js. */
function serverArgs() {
  return productionServerArgs();
}

/** Our canonical JSON {AR:{mean,median,max},…} against DuckDB's Q1 groups on the same file. */
function checkCanonicalBody(body, duckdbQ1) {
  if (!duckdbQ1) {
    return 'not checked (no DuckDB answer for this dataset)';
  }
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    return 'FAIL: body is not JSON';
  }
  const ours = Object.keys(parsed)
    .sort()
    .map((country) => ({
      country,
      period: null,
      values: [parsed[country].mean, parsed[country].median, parsed[country].max],
    }));
  const reference = duckdbQ1.answer.map(({ country, period, values }) => ({
    country,
    period,
    values,
  }));
  const withRows = (groups) => groups.map((g) => ({ ...g, rows: 0 }));
  const diff = diffAnswers(withRows(ours), withRows(reference));
  return diff === null ? 'PASS' : `FAIL: ${diff}`;
}

/**
 * The v1 analysis with a date range of its own for request `index`: 3,650 start days × 300
 * lengths, so a run never repeats one and the answer cache cannot help.
 */
function distinctQueryPath(index) {
  const day = (n) => new Date(Date.UTC(2015, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
  const from = index % 3650;
  const to = from + 30 + (Math.floor(index / 3650) % 300);
  return `/v1/datasets/sales/analysis?metrics=mean,median,max&from=${day(from)}&to=${day(to)}`;
}

async function benchHttp(options, latencySpec, duckdbQ1, distinctSpec) {
  const http = {
    latency: null,
    throughput: null,
    healthThroughput: null,
    distinctThroughput: null,
    logLevel: options.logLevel,
    rateLimit: options.rateLimit,
    errors: {},
  };
  // The rate limit runs, with a budget the load generator's single address never uses up.
  const env = {
    LOG_LEVEL: options.logLevel,
    NODE_ENV: 'production',
    RATE_LIMIT_PER_MINUTE: options.rateLimit,
  };

  console.log(`  latency: server on ${latencySpec.id}…`);
  try {
    warmPageCache(latencySpec.path);
    const server = await startServer({
      label: 'server',
      args: serverArgs(),
      cwd: ROOT_DIR,
      env: { ...env, DATA_PATH: latencySpec.path },
      timeoutMs: 10 * 60_000,
    });
    try {
      const measured = await sequentialLatency(server.base + CANONICAL_PATH, {
        warmup: options.httpWarmup,
        requests: options.httpRequests,
      });
      http.latency = {
        dataset: latencySpec.id,
        rows: latencySpec.rows,
        readyMs: server.readyMs,
        timing: measured.timing,
        check: checkCanonicalBody(measured.lastBody, duckdbQ1),
      };
      console.log(
        `    ready in ${fmtMs(server.readyMs)}, p50 ${fmtMs(measured.timing.p50)}, answer ${http.latency.check}`,
      );
    } finally {
      await server.stop();
    }
  } catch (error) {
    http.errors.latency = String(error.message ?? error);
    console.log(`    FAILED: ${http.errors.latency}`);
  }

  console.log(
    `  throughput on ${SAMPLE_CSV} (${options.connections} connections, ${options.durationSec} s)…`,
  );
  const answerFolder = mkdtempSync(join(tmpdir(), 'bench-canonical-'));
  try {
    const rounds = { ours: [], floor: [], bare: [] };
    // Written from our first answer, before any reference server starts.
    let answerFiles;
    for (let round = 0; round < options.throughputRounds; round++) {
      for (const kind of ['ours', 'floor', 'bare']) {
        const server = await startServer(
          kind === 'ours'
            ? {
                label: 'server',
                args: serverArgs(),
                cwd: ROOT_DIR,
                env: { ...env, DATA_PATH: SAMPLE_CSV },
                timeoutMs: 120_000,
              }
            : {
                label: kind,
                args: referenceServerArgs(kind, answerFiles),
                cwd: BENCH_DIR,
                env: {},
                readyPath: kind === 'bare' ? '/' : CANONICAL_PATH,
                timeoutMs: 30_000,
              },
        );
        try {
          const url = server.base + CANONICAL_PATH;
          if (kind === 'ours' && round === 0) {
            const answer = await httpGet(url);
            if (answer.status !== 200) {
              throw new Error(
                `canonical query answered ${answer.status}: ${answer.body.slice(0, 200)}`,
              );
            }
            answerFiles = writeAnswerFiles(answerFolder, answer);
          }
          // Short warm-up so both servers are measured with optimised code.
          await throughput(url, { connections: options.connections, durationSec: 2 });
          const measured = await throughput(url, {
            connections: options.connections,
            durationSec: options.durationSec,
          });
          rounds[kind].push(measured);
          console.log(
            `    ${kind} round ${round + 1}: ${measured.requestsPerSec.toFixed(0)} req/s` +
              (measured.non2xx ? ` (${measured.non2xx} non-2xx!)` : ''),
          );
          if (kind === 'ours' && round === 0) {
            // The framework's own ceiling: the cheapest route we serve, with no query behind it.
            http.healthThroughput = await throughput(server.base + '/health', {
              connections: options.connections,
              durationSec: options.durationSec,
            });
            console.log(
              `    ours /health: ${http.healthThroughput.requestsPerSec.toFixed(0)} req/s`,
            );
          }
          if (kind === 'ours' && round === 0 && distinctSpec) {
            http.distinctThroughput = await distinctThroughput(options, env, distinctSpec);
          }
        } finally {
          await server.stop();
        }
      }
    }
    // Best round of each: on a shared machine the least-disturbed run is the truest estimate.
    const best = (list) => list.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
    http.throughput = {
      rounds,
      ours: best(rounds.ours),
      floor: best(rounds.floor),
      bare: best(rounds.bare),
    };
    const bare = http.throughput.bare.requestsPerSec;
    const share = (measured) => (measured ? (measured.requestsPerSec / bare).toFixed(3) : '—');
    console.log(
      `    vs bare node:http (${bare.toFixed(0)} req/s): repeated canonical ${share(http.throughput.ours)}` +
        ` (target ≥ ${TARGETS.throughputShare}), distinct date ranges ${share(http.distinctThroughput)}` +
        ` (target ≥ ${TARGETS.distinctShare}), /health ${share(http.healthThroughput)},` +
        ` Nest + Fastify floor ${share(http.throughput.floor)}`,
    );
  } catch (error) {
    http.errors.throughput = String(error.message ?? error);
    console.log(`    FAILED: ${http.errors.throughput}`);
  } finally {
    rmSync(answerFolder, { recursive: true, force: true });
  }
  return http;
}

/** Throughput of distinct date-range queries on a server of its own over `spec`'s file. */
async function distinctThroughput(options, env, spec) {
  warmPageCache(spec.path);
  const server = await startServer({
    label: 'server',
    args: serverArgs(),
    cwd: ROOT_DIR,
    env: { ...env, DATA_PATH: spec.path },
    timeoutMs: 10 * 60_000,
  });
  try {
    const { status, body } = await httpGet(server.base + distinctQueryPath(0));
    if (status !== 200) {
      throw new Error(`distinct query answered ${status}: ${body.slice(0, 200)}`);
    }
    let next = 1;
    const requests = [
      {
        setupRequest: (request) => ({ ...request, path: distinctQueryPath(next++) }),
      },
    ];
    await throughput(server.base, { connections: options.connections, durationSec: 2, requests });
    const measured = await throughput(server.base, {
      connections: options.connections,
      durationSec: options.durationSec,
      requests,
    });
    console.log(
      `    ours distinct date ranges on ${spec.id}: ${measured.requestsPerSec.toFixed(0)} req/s` +
        (measured.non2xx ? ` (${measured.non2xx} non-2xx!)` : ''),
    );
    return { dataset: spec.id, ...measured };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report.

function datasetRows(result, rows) {
  const { ours, duckdb } = result;
  const rowCount = result.spec.rows;
  rows.push({
    section: `${result.spec.id}: ${rowCount.toLocaleString('en')} rows, ${result.spec.countries.length} countries — ours vs DuckDB (${duckdb?.threads ?? '?'} threads)`,
  });
  const both = ours && duckdb;
  rows.push({
    label: `load time (best of ${ours?.loadSamplesMs?.length ?? duckdb?.loadSamplesMs?.length ?? 1})`,
    ours: fmtMs(ours?.loadMs),
    ref: fmtMs(duckdb?.loadMs),
    ratio: fmtRatio(ratio(ours?.loadMs, duckdb?.loadMs)),
    target: '≤ DuckDB',
    met: fmtMet(both ? ours.loadMs <= duckdb.loadMs : null),
  });
  rows.push({
    label: 'RSS after load',
    ours: fmtMiB(ours?.rssAfterLoad),
    ref: fmtMiB(duckdb?.rssAfterLoad),
    ratio: fmtRatio(ratio(ours?.rssAfterLoad, duckdb?.rssAfterLoad)),
    target: '≤ 50% DuckDB',
    met: fmtMet(both ? ours.rssAfterLoad <= TARGETS.rssShareOfDuckdb * duckdb.rssAfterLoad : null),
  });
  rows.push({
    label: 'peak RSS (whole run)',
    ours: fmtMiB(ours?.peakRss),
    ref: fmtMiB(duckdb?.peakRss),
    ratio: fmtRatio(ratio(ours?.peakRss, duckdb?.peakRss)),
    target: '—',
    met: '',
  });
  const perRow = (r) => (r ? (r.rssAfterLoad - r.rssEmpty) / rowCount : null);
  rows.push({
    label: 'bytes/row above empty process',
    ours: ours ? perRow(ours).toFixed(1) : '—',
    ref: duckdb ? perRow(duckdb).toFixed(1) : '—',
    ratio: fmtRatio(ratio(perRow(ours), perRow(duckdb))),
    target: `≤ ${TARGETS.bytesPerRow} B/row`,
    met: fmtMet(ours ? perRow(ours) <= TARGETS.bytesPerRow : null),
  });
  // Retained JS data alone; RSS also holds allocator slack the load left behind.
  const livePerRow = (r) =>
    r?.liveAfterLoad ? (r.liveAfterLoad.total - r.liveEmpty.total) / rowCount : null;
  rows.push({
    label: '  of which live JS heap + buffers',
    ours: ours ? livePerRow(ours).toFixed(1) : '—',
    ref: '(native)',
    ratio: '—',
    target: '—',
    met: '',
  });
  for (const query of QUERIES) {
    const a = ours?.queries[query.id].timing;
    const b = duckdb?.queries[query.id].timing;
    const check = result.checks[query.id];
    rows.push({
      label: `${query.id} p50 / p95${check ? (check === 'PASS' ? ' (=DuckDB)' : ' (ANSWER DIFFERS)') : ''}`,
      ours: a ? `${fmtMs(a.p50)} / ${fmtMs(a.p95)}` : '—',
      ref: b ? `${fmtMs(b.p50)} / ${fmtMs(b.p95)}` : '—',
      ratio: fmtRatio(ratio(a?.p50, b?.p50)),
      ...queryTarget(query, a, b, ours),
    });
  }
}

/** A query's own target (Q7–Q9) or the default DuckDB ratio. */
function queryTarget(query, timing, duckdbTiming, ours) {
  const own = query.target;
  if (own?.maxMs !== undefined) {
    return {
      target: `p50 ≤ ${own.maxMs} ms`,
      met: fmtMet(timing ? timing.p50 <= own.maxMs : null),
    };
  }
  if (own?.relativeTo !== undefined) {
    const base = ours?.queries[own.relativeTo]?.timing;
    return {
      target: `p50 ≤ ${own.factor}× ${own.relativeTo} (${base ? fmtMs(base.p50) : '—'})`,
      met: fmtMet(timing && base ? timing.p50 <= base.p50 * own.factor : null),
    };
  }
  return {
    target: 'p50 ≤ DuckDB/50',
    met: fmtMet(
      timing && duckdbTiming ? timing.p50 <= duckdbTiming.p50 * TARGETS.queryP50Factor : null,
    ),
  };
}

/** Per-row load time at the largest size against the smallest, for one country count. */
function linearityRow(results, countryCount, engine) {
  const sized = results
    .filter((r) => r.spec.countries.length === countryCount && r[engine])
    .sort((a, b) => a.spec.rows - b.spec.rows);
  if (sized.length < 2) {
    return null;
  }
  const small = sized[0];
  const large = sized[sized.length - 1];
  const perRow = (r) => (r[engine].loadMs * 1e6) / r.spec.rows; // ns/row
  return {
    small: small.spec.id,
    large: large.spec.id,
    smallNs: perRow(small),
    largeNs: perRow(large),
  };
}

function summaryRows(results, http, rows) {
  rows.push({ section: 'scaling, HTTP and throughput' });
  for (const countryCount of [3, 20]) {
    const ours = linearityRow(results, countryCount, 'ours');
    const duck = linearityRow(results, countryCount, 'duckdb');
    if (!ours && !duck) {
      continue;
    }
    const describe = (l) => (l ? `${l.smallNs.toFixed(0)}→${l.largeNs.toFixed(0)} ns/row` : '—');
    const growth = (l) => (l ? l.largeNs / l.smallNs : null);
    rows.push({
      label: `linear load, ${(ours ?? duck).large} vs ${(ours ?? duck).small}`,
      ours: describe(ours),
      ref: describe(duck),
      ratio: ours ? `${fmtRatio(growth(ours))} per row` : '—',
      target: `within ${TARGETS.linearLoadSlack * 100}%`,
      // A per-row cost that falls with size is fixed start-up cost, not superlinear work: flag it apart.
      met: !ours
        ? 'n/a'
        : Math.abs(growth(ours) - 1) <= TARGETS.linearLoadSlack
          ? 'yes'
          : growth(ours) < 1
            ? 'NO (1M dearer)'
            : 'NO',
    });
  }
  // The canonical query (Q1) in process at 10M rows, 3 countries: what an uncached request computes.
  const canonical10m = results.find((r) => r.spec.rows === 1e7 && r.spec.countries.length === 3)
    ?.ours?.queries.Q1.timing;
  rows.push({
    label: 'canonical query in process (Q1 @ 10M, 3c) p50',
    ours: canonical10m ? fmtMs(canonical10m.p50) : '—',
    ref: '—',
    ratio: '—',
    target: `< ${TARGETS.canonicalInProcessMs} ms`,
    met: fmtMet(canonical10m ? canonical10m.p50 < TARGETS.canonicalInProcessMs : null),
  });
  if (http) {
    const lat = http.latency;
    rows.push({
      label: `HTTP canonical p50 / p95${lat ? ` @ ${lat.dataset}` : ''}${lat && lat.check !== 'PASS' && !lat.check.startsWith('not') ? ' (ANSWER DIFFERS)' : ''}`,
      ours: lat ? `${fmtMs(lat.timing.p50)} / ${fmtMs(lat.timing.p95)}` : '—',
      ref: '—',
      ratio: '—',
      target: `p50 < ${TARGETS.httpP50Ms} ms`,
      met: fmtMet(lat ? lat.timing.p50 < TARGETS.httpP50Ms : null),
    });
    const tp = http.throughput;
    const health = http.healthThroughput;
    const share = tp ? tp.ours.requestsPerSec / tp.bare.requestsPerSec : null;
    rows.push({
      label: `throughput: repeated canonical query, LOG_LEVEL=${http.logLevel}, rate limit ${http.rateLimit}/min${tp?.ours.non2xx ? ` (${tp.ours.non2xx} non-2xx)` : ''}`,
      ours: tp ? tp.ours.requestsPerSec.toFixed(0) : '—',
      ref: tp ? tp.bare.requestsPerSec.toFixed(0) : '—',
      ratio: fmtRatio(share),
      target: `≥ ${TARGETS.throughputShare * 100}% bare`,
      met: fmtMet(tp ? share >= TARGETS.throughputShare && !tp.ours.non2xx : null),
    });
    const distinct = http.distinctThroughput;
    const distinctShare = ratio(distinct?.requestsPerSec, tp?.bare.requestsPerSec);
    rows.push({
      label: `  distinct date ranges${distinct ? ` @ ${distinct.dataset}` : ''} (no cache hit)${distinct?.non2xx ? ` (${distinct.non2xx} non-2xx)` : ''}`,
      ours: distinct ? distinct.requestsPerSec.toFixed(0) : '—',
      ref: tp ? tp.bare.requestsPerSec.toFixed(0) : '—',
      ratio: fmtRatio(distinctShare),
      target: `≥ ${TARGETS.distinctShare * 100}% bare`,
      met: fmtMet(
        distinct && distinctShare !== null
          ? distinctShare >= TARGETS.distinctShare && !distinct.non2xx
          : null,
      ),
    });
    rows.push({
      label: '  Nest 11 + Fastify floor: only the pieces a cached answer needs (reference)',
      ours: tp?.floor ? tp.floor.requestsPerSec.toFixed(0) : '—',
      ref: tp ? tp.bare.requestsPerSec.toFixed(0) : '—',
      ratio: fmtRatio(ratio(tp?.floor?.requestsPerSec, tp?.bare.requestsPerSec)),
      target: '—',
      met: '',
    });
    rows.push({
      label: '  our GET /health (the framework ceiling)',
      ours: health ? health.requestsPerSec.toFixed(0) : '—',
      ref: tp ? tp.bare.requestsPerSec.toFixed(0) : '—',
      ratio: fmtRatio(ratio(health?.requestsPerSec, tp?.bare.requestsPerSec)),
      target: '—',
      met: '',
    });
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT_DIR })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = nowMs();
  // Load average before and after: other work on a shared machine skews every timing.
  const loadBefore = loadavg();
  const options = readOptions();
  console.log(`bench: ${JSON.stringify(options)}`);
  mkdirSync(RESULTS_DIR, { recursive: true });

  const state = { oursReady: false, build: null, oursMissing: [] };
  if (!options.skipOurs || !options.skipHttp) {
    console.log('build');
    try {
      state.build = await ensureBuild(options);
      state.oursMissing = oursAvailable();
      state.oursReady = state.oursMissing.length === 0;
      if (!state.oursReady) {
        console.log(
          `  our engine is not in dist/ yet (missing ${state.oursMissing.join(', ')}); skipping it`,
        );
      }
    } catch (error) {
      state.build = { error: String(error.message ?? error) };
      console.log(`  build FAILED: ${state.build.error}; skipping our engine and HTTP`);
    }
  }

  console.log('datasets');
  const specs = [];
  for (const rows of options.rows) {
    for (const countryCount of options.countries) {
      if (countryCount === 20 && rows >= 1e7 && !options.wide10m) {
        continue;
      }
      specs.push(datasetSpec(countryCount, rows));
    }
  }
  for (const spec of specs) {
    const { generated, bytes } = await ensureDataset(spec);
    spec.bytes = bytes;
    console.log(
      `  ${spec.id}: ${(bytes / 2 ** 20).toFixed(0)} MiB${generated ? ' (generated)' : ''}`,
    );
  }

  console.log(`engines (${options.runs} timed runs per query after ${options.warmup} warm-up)`);
  const results = [];
  for (const spec of specs) {
    results.push(await benchDataset(spec, options, state));
  }

  let http = null;
  const canServe = state.oursReady && existsSync(join(DIST_DIR, 'main.js'));
  if (!options.skipHttp && canServe) {
    console.log('http');
    const threeCountry = results.filter((r) => r.spec.countries.length === 3);
    const largest = threeCountry.sort((a, b) => b.spec.rows - a.spec.rows)[0];
    if (largest) {
      const distinctSpec = threeCountry.find((r) => r.spec.rows === 1e6)?.spec ?? largest.spec;
      http = await benchHttp(options, largest.spec, largest.duckdb?.queries.Q1, distinctSpec);
    }
  } else if (!options.skipHttp) {
    console.log('http: skipped (dist/main.js or our engine not built yet)');
  }

  const rows = [];
  for (const result of results) {
    datasetRows(result, rows);
  }
  summaryRows(results, http, rows);
  const table = renderTable(rows);

  const failures = results.flatMap((r) =>
    Object.entries(r.checks)
      .filter(([, verdict]) => verdict !== 'PASS')
      .map(([id, verdict]) => `${r.spec.id} ${id}: ${verdict}`),
  );
  const totalSec = (nowMs() - started) / 1000;
  const report = {
    startedAt: new Date(Date.now() - totalSec * 1000).toISOString(),
    totalSec,
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      totalMemBytes: totalmem(),
      platform: `${process.platform}-${process.arch}`,
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
    },
    commit: gitCommit(),
    options,
    targets: TARGETS,
    tolerance: RELATIVE_TOLERANCE,
    build: state.build,
    datasets: results,
    http,
    failures,
    table,
  };
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = join(RESULTS_DIR, `${stamp}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));

  console.log('');
  console.log(table);
  console.log('');
  console.log(
    failures.length
      ? `answers: ${failures.length} FAIL\n  ${failures.join('\n  ')}`
      : `answers: all compared queries equal DuckDB's within ${RELATIVE_TOLERANCE} relative`,
  );
  const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `machine: ${cpus().length} CPUs, load average ${fmtLoad(loadBefore)} before, ` +
      `${fmtLoad(report.machine.loadAverageAfter)} after`,
  );
  console.log(`total ${totalSec.toFixed(0)} s; full results in ${file}`);
  if (failures.length) {
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
