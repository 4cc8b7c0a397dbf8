import { pino, stdTimeFunctions } from 'pino';
import {
  accessLevelOf,
  accessLine,
  accessMessageOf,
  isoTimePerMillisecond,
  logAccess,
  loggerOptions,
} from 'src/observability/logger.options';

const JSON_LOGS = { level: 'info', format: 'json', bufferMaxBytes: 1 << 20 } as const;

/** JSON lines written by a logger built from the service's options, as written. */
function captureLines(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

/** The access line of one refused request (414), written with the service's options. */
function accessLineFor(url: string, id = 'r-1'): string {
  const { lines, stream } = captureLines();
  logAccess(
    pino(loggerOptions(JSON_LOGS), stream),
    { id, method: 'GET', url },
    '/health',
    414,
    2.4,
  );
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe(isoTimePerMillisecond.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it.each(['2026-01-01T00:00:00.000Z', '2026-11-23T14:22:53.938Z', '2024-02-29T23:59:59.999Z'])(
    'should format %s as pino isoTime does',
    (time) => {
      jest.useFakeTimers({ now: new Date(time) });
      expect(isoTimePerMillisecond()).toBe(stdTimeFunctions.isoTime());
      expect(isoTimePerMillisecond()).toBe(`,"time":"${time}"`);
    },
  );

  it('should move on with the clock', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00.000Z') });
    const first = isoTimePerMillisecond();
    jest.advanceTimersByTime(1);
    expect(isoTimePerMillisecond()).not.toBe(first);
    expect(isoTimePerMillisecond()).toBe(',"time":"2026-01-01T00:00:00.001Z"');
  });
});

describe(accessLevelOf.name, () => {
  it.each([
    [200, false, 'info'],
    [304, false, 'info'],
    [404, false, 'warn'],
    [429, false, 'warn'],
    [500, false, 'error'],
    [200, true, 'error'],
  ])('should log status %p (failed: %p) at %p', (status, failed, level) => {
    expect(accessLevelOf(status, failed)).toBe(level);
  });
});

describe(accessMessageOf.name, () => {
  it('should name method, route template and status', () => {
    expect(accessMessageOf('GET', '/v1/datasets/:dataset', 404)).toBe(
      'GET /v1/datasets/:dataset 404',
    );
  });
});

describe(logAccess.name, () => {
  it('should write one line with the request, route, status and whole milliseconds', () => {
    const line = JSON.parse(accessLineFor('/health?x=1', 'trace-42')) as Record<string, unknown>;
    expect(line).toEqual({
      level: 'warn',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      req: { id: 'trace-42', method: 'GET', url: '/health?x=1' },
      route: '/health',
      res: { statusCode: 414 },
      responseTime: 2,
      msg: 'GET /health 414',
    });
  });

  it('should write nothing below the configured level', () => {
    const { lines, stream } = captureLines();
    const logger = pino(loggerOptions({ ...JSON_LOGS, level: 'warn' }), stream);
    logAccess(logger, { id: 'r-1', method: 'GET', url: '/health' }, '/health', 200, 1);
    expect(lines).toEqual([]);
  });
});

describe(accessLine.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  /** The line pino writes with the service's options for the same request. */
  function pinoLine(id: string, method: string, url: string, route: string, status: number) {
    const { lines, stream } = captureLines();
    logAccess(pino(loggerOptions(JSON_LOGS), stream), { id, method, url }, route, status, 7.5);
    return lines[0];
  }

  const CASES: ReadonlyArray<[string, string, string, string, number]> = [
    ['r-1', 'GET', '/data_analysis?mean=true&include_ar=true', '/data_analysis', 200],
    ['trace-42', 'HEAD', '/v1/datasets/sales', '/v1/datasets/:dataset', 304],
    [
      'r-2',
      'GET',
      '/v1/datasets/x%22y/analysis?metrics=%E0',
      '/v1/datasets/:dataset/analysis',
      404,
    ],
    ['r-3', 'POST', '/nothing?a="quoted"&b=back\\slash&c=tab\tnew\nline', 'unmatched', 404],
    ['r-4', 'GET', '/explore?title=ventas ñandú 売上 😀', '/explore', 500],
    ['i'.repeat(300), 'GET', `/health?x=${'%E0'.repeat(10_000)}`, '/health', 414],
    ['r-5', 'GET', `/health?c=${'\u0001'.repeat(1_000)}`, '/health', 429],
  ];

  it.each(CASES)('should write what pino writes for %#', (id, method, url, route, status) => {
    jest.useFakeTimers({ now: new Date('2026-12-01T05:30:00.123Z') });
    const built = accessLine(accessLevelOf(status), { id, method, url }, route, status, 7.5);
    expect(built).toBe(pinoLine(id, method, url, route, status));
    expect(JSON.parse(built)).toMatchObject({
      level: accessLevelOf(status),
      time: '2026-12-01T05:30:00.123Z',
      res: { statusCode: status },
      responseTime: 8,
    });
  });

  it('should escape a lone surrogate, so the line stays valid UTF-8 JSON', () => {
    const url = '/health?x=\ud800';
    const built = accessLine('info', { id: 'r-1', method: 'GET', url }, '/health', 200, 1);
    expect(built).toContain('\\ud800');
    expect((JSON.parse(built) as { req: { url: string } }).req.url).toBe(url);
  });
});

describe(loggerOptions.name, () => {
  it('should keep a 30 KB URL to a line under 4 KB that records its length', () => {
    const url = `/v1/datasets/sales/analysis?metrics=${'%E0'.repeat(10_000)}`;
    expect(url.length).toBe(30_036);
    const line = accessLineFor(url);
    expect(Buffer.byteLength(line)).toBeLessThan(4096);
    const { req } = JSON.parse(line) as { req: { url: string } };
    expect(req.url).toBe(`${url.slice(0, 2048)}…[truncated from 30036 chars]`);
  });

  it('should cut a long request id to 256 bytes', () => {
    const id = 'i'.repeat(300);
    const line = accessLineFor('/health/live', id);
    const { req } = JSON.parse(line) as { req: { id: string } };
    expect(req.id).toBe(`${'i'.repeat(256)}…[truncated from 300 chars]`);
  });

  it('should cut long messages, fields and error stacks', () => {
    const { lines, stream } = captureLines();
    const logger = pino(loggerOptions(JSON_LOGS), stream);
    const echoed = 'z'.repeat(20_000);
    logger.warn({ errors: [{ parameter: 'metrics', message: echoed }] }, `Refused ${echoed}`);
    const error = new Error(`Unknown metric ${echoed}`);
    logger.error({ err: error }, 'Unexpected error');
    const [warning, failure] = lines.map(
      (line) => JSON.parse(line) as Record<string, unknown> & { err: { stack: string } },
    );
    expect(lines.every((line) => Buffer.byteLength(line) < 8192)).toBe(true);
    expect(warning.msg).toBe(`Refused ${'z'.repeat(1016)}…[truncated from 20008 chars]`);
    expect(warning.errors).toEqual([
      { parameter: 'metrics', message: `${'z'.repeat(1024)}…[truncated from 20000 chars]` },
    ]);
    expect(failure.err).toMatchObject({
      type: 'Error',
      message: `Unknown metric ${'z'.repeat(1009)}…[truncated from 20015 chars]`,
    });
    expect(failure.err.stack).toMatch(/^Error: Unknown metric z+…\[truncated from \d+ chars\]$/);
  });
});
