import fc from 'fast-check';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  hostileLegacyProbe,
  hostileSummaryProbe,
  hostileV1Probe,
  longText,
  percentEncode,
  unknownParameter,
  type HostileProbe,
} from 'test/fuzz/query-arbitraries';
import { ensureBuilt, ROOT } from 'test/support/built-server';
import { KeepAliveClient, type RawResponse } from 'test/support/keep-alive-client';
import {
  naiveAnalyse,
  readNaiveDataset,
  sameMetric,
  type NaivePeriod,
  type NaiveQuery,
  type NaiveResultRow,
} from 'test/support/naive-sales';

/*
 * The built server under its production defaults (rate limit aside, see below), its heap capped
 * as in a small container, writes its logs to a reader that stops reading after the first
 * second, as a stuck log collector or a full pipe would. Meanwhile 50 clients send the fuzz
 * suite's kind of hostile requests (long keys and values, bad encodings, unknown parameters)
 * mixed with valid ones. The server must stay up, answer every
 * request correctly, keep a flat heap floor, count the log lines it dropped, and log again once
 * the reader resumes. SOAK_SECONDS (180) and SOAK_CLIENTS (50) scale the run.
 */
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 50);
const HEAP_LIMIT_MB = 128;
/** The reader reads the start-up lines and this long after them, then stops. */
const READ_BEFORE_STALL_MS = 1000;
/** Heap floors (lowest sample of a window) are compared between the first and the last window. */
const FLOOR_WINDOW_SECONDS = 30;
/** Skipped at least before the first window, which also waits for the log buffer to fill. */
const SETTLE_SECONDS = 15;
const MAX_FLOOR_GROWTH_BYTES = 8 * 1024 * 1024;
const MAX_LOG_LINE_BYTES = 4096;
const SEED = 20261130;

const SAMPLE = readNaiveDataset(join(ROOT, 'data', 'sales.csv'));
const PERIODS: readonly NaivePeriod[] = ['year', 'quarter', 'month'];

interface ValidRequest {
  readonly path: string;
  readonly expected: ReturnType<typeof naiveAnalyse>;
}

/** Valid analyses of the bundled sample, each answered from a plain recomputation. */
function validRequest(
  query: Omit<NaiveQuery, 'byCountry' | 'period'> & { groupBy: readonly string[] },
): ValidRequest {
  const parts = [`metrics=${query.metrics.join(',')}`, `groupBy=${query.groupBy.join(',')}`];
  if (query.countries) {
    parts.push(`countries=${query.countries.join(',')}`);
  }
  if (query.years) {
    parts.push(`years=${query.years.join(',')}`);
  }
  if (query.from) {
    parts.push(`from=${query.from}`);
  }
  if (query.to) {
    parts.push(`to=${query.to}`);
  }
  return {
    path: `/v1/datasets/sales/analysis?${parts.join('&')}`,
    expected: naiveAnalyse(SAMPLE, {
      ...query,
      byCountry: query.groupBy.includes('country'),
      period: PERIODS.find((period) => query.groupBy.includes(period)) ?? null,
    }),
  };
}

const NO_FILTER = { countries: null, years: null, from: null, to: null };
const VALID: readonly ValidRequest[] = [
  validRequest({
    ...NO_FILTER,
    metrics: ['count', 'mean', 'median', 'p90'],
    groupBy: ['country', 'quarter'],
  }),
  validRequest({
    ...NO_FILTER,
    metrics: ['sum', 'stddev', 'variance'],
    years: [2024],
    groupBy: ['month'],
  }),
  validRequest({
    ...NO_FILTER,
    metrics: ['mean', 'p99'],
    countries: ['AR', 'CL'],
    from: '2024-03-01',
    to: '2024-09-30',
    groupBy: ['none'],
  }),
  validRequest({ ...NO_FILTER, metrics: ['count', 'min', 'max'], groupBy: ['country', 'year'] }),
  validRequest({
    ...NO_FILTER,
    metrics: ['p5', 'p25', 'p75'],
    countries: ['PE'],
    groupBy: ['year'],
  }),
];

/**
 * A long key or value (1,000 to 10,000 characters, encoded or with raw `%`), as a collector
 * would see it in an access line: most of the log volume of a hostile client.
 */
const longParameter: fc.Arbitrary<HostileProbe> = fc
  .record({
    prefix: fc.constantFrom(
      '/v1/datasets/sales/analysis?metrics=mean&',
      '/data_analysis?mean=true&',
    ),
    key: fc.constantFrom('metrics', 'countries', 'groupBy', 'include_ar', 'year', 'colour'),
    text: longText,
    inKey: fc.boolean(),
    encoded: fc.boolean(),
  })
  .map(({ prefix, key, text, inKey, encoded }): HostileProbe => {
    const long = encoded ? percentEncode(text) : text.replaceAll('é', '%C3%A9');
    return { kind: 'hostile', path: `${prefix}${inKey ? `${long}=1` : `${key}=${long}`}` };
  });

/** The fuzz suite's hostile requests, long parameters, and valid ones with an unknown parameter. */
const HOSTILE: readonly HostileProbe[] = fc.sample(
  fc.oneof(
    { weight: 3, arbitrary: hostileV1Probe },
    { weight: 2, arbitrary: hostileLegacyProbe },
    { weight: 1, arbitrary: hostileSummaryProbe },
    { weight: 16, arbitrary: longParameter },
    {
      weight: 1,
      arbitrary: unknownParameter.map(({ part }): HostileProbe => ({
        kind: 'hostile',
        path: `${VALID[0].path}&${part}`,
      })),
    },
  ),
  { seed: SEED, numRuns: 3000 },
);

type Server = ChildProcessByStdio<null, Readable, Readable>;

interface Tally {
  valid: number;
  hostile: number;
  byStatus: Map<number, number>;
  failures: string[];
}

function describeFailure(path: string, message: string, response?: RawResponse): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}... (${path.length} chars)` : path;
  const answer = response ? ` -> ${response.status} ${response.body.slice(0, 300)}` : '';
  return `${shown}: ${message}${answer}`;
}

function checkValid(request: ValidRequest, response: RawResponse): string | undefined {
  if (response.status !== 200) {
    return 'expected 200';
  }
  const body = JSON.parse(response.body) as {
    matchedRows: number;
    results: Record<string, unknown>[];
  };
  if (body.matchedRows !== request.expected.matchedRows) {
    return `matchedRows ${body.matchedRows}, expected ${request.expected.matchedRows}`;
  }
  const expected: readonly NaiveResultRow[] = request.expected.results;
  if (body.results.length !== expected.length) {
    return `${body.results.length} result rows, expected ${expected.length}`;
  }
  for (const [index, row] of expected.entries()) {
    for (const [key, value] of Object.entries(row)) {
      if (!sameMetric(body.results[index][key], value)) {
        return `row ${index}: ${key} is ${String(body.results[index][key])}, expected ${String(value)}`;
      }
    }
  }
  return undefined;
}

/** A hostile request may be answered or refused, but never with a 5xx or an unexplained refusal. */
function checkHostile(response: RawResponse): string | undefined {
  if (response.status >= 500 || response.status < 200) {
    return 'server error';
  }
  if (response.status < 400) {
    return undefined;
  }
  const problem = JSON.parse(response.body) as { detail?: unknown };
  const explained =
    (typeof problem.detail === 'string' && problem.detail.trim() !== '') ||
    (Array.isArray(problem.detail) && problem.detail.length > 0);
  return explained ? undefined : 'refusal without a detail';
}

async function runClient(port: number, index: number, until: number, tally: Tally): Promise<void> {
  const client = new KeepAliveClient('127.0.0.1', port);
  let turn = index;
  try {
    while (Date.now() < until) {
      turn++;
      // One request in four is valid: enough to check numbers all along. The hostile ones,
      // mostly long parameters, fill the log buffer within the first minute even on a slow
      // machine (about 2.3 KB of access line each, the URL cut to 2 KiB).
      const valid = turn % 4 === 0 ? VALID[turn % VALID.length] : undefined;
      const hostile = HOSTILE[(turn * 7919 + index) % HOSTILE.length];
      const path = valid?.path ?? hostile.path;
      let response: RawResponse;
      try {
        response = await client.get(
          path,
          valid === undefined && hostile.accept !== undefined ? { accept: hostile.accept } : {},
        );
      } catch (error) {
        tally.failures.push(describeFailure(path, `request failed: ${String(error)}`));
        return;
      }
      tally.byStatus.set(response.status, (tally.byStatus.get(response.status) ?? 0) + 1);
      let problem: string | undefined;
      try {
        problem = valid ? checkValid(valid, response) : checkHostile(response);
      } catch (error) {
        problem = `unreadable answer: ${String(error)}`;
      }
      if (valid) {
        tally.valid++;
      } else {
        tally.hostile++;
      }
      if (problem !== undefined && tally.failures.length < 20) {
        tally.failures.push(describeFailure(path, problem, response));
      }
    }
  } finally {
    client.close();
  }
}

/** One sample of the server's own metrics. */
interface MetricsSample {
  readonly at: number;
  readonly heapUsed: number;
  readonly dropped: Record<string, number>;
}

async function sampleMetrics(port: number): Promise<MetricsSample> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const heap = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  if (!heap) {
    throw new Error('no nodejs_heap_size_used_bytes in /metrics');
  }
  const dropped: Record<string, number> = {};
  for (const match of text.matchAll(/^log_lines_dropped_total\{level="(\w+)"\} (\d+)$/gm)) {
    dropped[match[1]] = Number(match[2]);
  }
  return { at: Date.now(), heapUsed: Number(heap[1]), dropped };
}

const totalOf = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((sum, count) => sum + count, 0);

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Lowest heap sample within [from, to) seconds of the run. */
function floorBetween(
  samples: readonly MetricsSample[],
  start: number,
  from: number,
  to: number,
): number {
  const inWindow = samples.filter(({ at }) => at >= start + from * 1000 && at < start + to * 1000);
  if (inWindow.length < FLOOR_WINDOW_SECONDS / 2) {
    throw new Error(`only ${inWindow.length} heap samples between ${from} s and ${to} s`);
  }
  return Math.min(...inWindow.map(({ heapUsed }) => heapUsed));
}

describe('logs under a stalled stdout (built server, heap capped at 128 MB)', () => {
  let server: Server | undefined;

  beforeAll(() => ensureBuilt());

  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it(
    'should stay up, answer correctly, keep a flat heap floor, drop and count lines, then log again',
    async () => {
      expect(
        Number.isFinite(SOAK_SECONDS) && SOAK_SECONDS >= 2 * FLOOR_WINDOW_SECONDS + SETTLE_SECONDS,
      ).toBe(true);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: '0',
        NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MB}`,
        // The one departure from the defaults: a per-address limit would answer most of this
        // flood, all from 127.0.0.1, with 429s and leave little work behind them.
        RATE_LIMIT_PER_MINUTE: '0',
      };
      // LOG_BUFFER_MAX_BYTES stays when the caller sets it: a smaller bound lets a slow machine
      // reach it early enough in the run.
      for (const name of [
        'LOG_LEVEL',
        'LOG_FORMAT',
        'DATA_PATH',
        'DATASETS_FILE',
        'DATA_LENIENT',
      ]) {
        delete env[name];
      }
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server = child;
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-8000);
      });
      let exit: string | undefined;
      child.once('exit', (code, signal) => {
        exit = `the server exited (code ${code}, signal ${signal}):\n${stderr}`;
      });

      // The reader: keeps every line it reads, and notes the longest.
      const lines: string[] = [];
      let partial = '';
      let longestLine = 0;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const split = (partial + chunk).split('\n');
        partial = split.pop() ?? '';
        for (const line of split) {
          longestLine = Math.max(longestLine, Buffer.byteLength(line));
          lines.push(line);
        }
      });
      const port = await new Promise<number>((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`no listening line:\n${stderr}`)),
          60_000,
        );
        const check = setInterval(() => {
          const listening = lines
            .map((line) => /"msg":"Listening on port (\d+)"/.exec(line))
            .find(Boolean);
          if (listening || exit) {
            clearTimeout(deadline);
            clearInterval(check);
            if (listening) {
              resolve(Number(listening[1]));
            } else {
              reject(new Error(exit));
            }
          }
        }, 20);
      });
      await sleep(READ_BEFORE_STALL_MS);
      child.stdout.pause();
      const readBeforeStall = lines.length;

      const start = Date.now();
      const until = start + SOAK_SECONDS * 1000;
      const samples: MetricsSample[] = [];
      const sampler = (async () => {
        while (Date.now() < until && exit === undefined) {
          const next = Date.now() + 1000;
          try {
            samples.push(await sampleMetrics(port));
          } catch {
            // A dead server shows in `exit`; a slow scrape only costs a sample.
          }
          await sleep(Math.max(0, next - Date.now()));
        }
      })();
      const tally: Tally = { valid: 0, hostile: 0, byStatus: new Map(), failures: [] };
      await Promise.all([
        ...Array.from({ length: CLIENTS }, (_, index) => runClient(port, index, until, tally)),
        sampler,
      ]);

      const statuses = [...tally.byStatus.entries()].sort(([a], [b]) => a - b);
      const summary = [
        `soak: ${CLIENTS} clients for ${SOAK_SECONDS} s, ${tally.valid} valid and ${tally.hostile} hostile requests`,
        `statuses: ${statuses.map(([status, count]) => `${status}: ${count}`).join(', ')}`,
      ];
      if (exit !== undefined) {
        throw new Error(`${summary.join('\n')}\n${exit}`);
      }
      // The first window starts once lines are being dropped, the log buffer full.
      const firstDrop = samples.find(({ dropped }) => totalOf(dropped) > 0)?.at ?? start;
      const earlyFrom = Math.max(SETTLE_SECONDS, (firstDrop - start) / 1000 + 5);
      const lateFrom = SOAK_SECONDS - FLOOR_WINDOW_SECONDS;
      if (earlyFrom + FLOOR_WINDOW_SECONDS > lateFrom) {
        throw new Error(`${summary.join('\n')}\nlines were first dropped only ${earlyFrom} s in`);
      }
      const floorEarly = floorBetween(samples, start, earlyFrom, earlyFrom + FLOOR_WINDOW_SECONDS);
      const floorLate = floorBetween(samples, start, lateFrom, SOAK_SECONDS);
      const droppedDuringStall = await sampleMetrics(port);
      summary.push(
        `heap floor: ${mib(floorEarly)} (${earlyFrom.toFixed(0)}-${(earlyFrom + FLOOR_WINDOW_SECONDS).toFixed(0)} s), ` +
          `${mib(floorLate)} (last ${FLOOR_WINDOW_SECONDS} s); peak ${mib(Math.max(...samples.map(({ heapUsed }) => heapUsed)))}`,
        `dropped log lines: ${JSON.stringify(droppedDuringStall.dropped)}`,
      );

      // The reader resumes: the backlog arrives, then the lines of new requests.
      child.stdout.resume();
      const client = new KeepAliveClient('127.0.0.1', port);
      const resumeIds = Array.from({ length: 5 }, (_, i) => `soak-after-resume-${i}`);
      const logged = (id: string): boolean => lines.some((line) => line.includes(`"id":"${id}"`));
      const deadline = Date.now() + 60_000;
      while (!resumeIds.every(logged) && Date.now() < deadline) {
        for (const id of resumeIds.filter((id) => !logged(id))) {
          const response = await client.get(VALID[0].path, { 'x-request-id': id });
          expect(response.status).toBe(200);
        }
        await sleep(500);
      }
      client.close();
      summary.push(
        `log lines read: ${readBeforeStall} before the stall, ${lines.length} in all; longest ${longestLine} bytes`,
      );
      console.log(summary.join('\n'));

      expect(exit).toBeUndefined();
      expect(tally.failures).toEqual([]);
      expect(tally.byStatus.get(200) ?? 0).toBeGreaterThan(0);
      expect([...tally.byStatus.keys()].filter((status) => status >= 500)).toEqual([]);
      expect(floorLate - floorEarly).toBeLessThan(MAX_FLOOR_GROWTH_BYTES);
      expect(totalOf(droppedDuringStall.dropped)).toBeGreaterThan(0);
      expect(resumeIds.filter((id) => !logged(id))).toEqual([]);
      // Whole lines were dropped, never cut: everything read is JSON, and short.
      expect(lines.filter((line) => !line.startsWith('{')).slice(0, 3)).toEqual([]);
      expect(longestLine).toBeLessThan(MAX_LOG_LINE_BYTES);
      expect(lines.some((line) => line.includes('"msg":"Log output resumed'))).toBe(true);
    },
    (SOAK_SECONDS + 180) * 1000,
  );
});
