import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { pino, stdTimeFunctions } from 'pino';
import { pinoHttp } from 'pino-http';
import {
  accessLevelOf,
  accessMessageOf,
  isoTimePerMillisecond,
  pinoHttpOptions,
} from 'src/observability/pino-http.options';

const JSON_LOGS = { level: 'info', format: 'json', bufferMaxBytes: 1 << 20 } as const;

/** JSON lines written by a logger built from the service's options, as written. */
function captureLines(): { lines: string[]; stream: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

/** Runs one request through pino-http with the service's options and returns its access line. */
function accessLineFor(
  url: string,
  overrides: Partial<ReturnType<typeof pinoHttpOptions>> = {},
): string {
  const { lines, stream } = captureLines();
  const middleware = pinoHttp({ ...pinoHttpOptions(JSON_LOGS), ...overrides }, stream);
  const request = new IncomingMessage(new Socket());
  request.method = 'GET';
  request.url = url;
  const response = new ServerResponse(request);
  middleware(request, response);
  response.statusCode = 414;
  response.emit('finish');
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

describe(pinoHttpOptions.name, () => {
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
    const line = accessLineFor('/health/live', { genReqId: () => id });
    const { req } = JSON.parse(line) as { req: { id: string } };
    expect(req.id).toBe(`${'i'.repeat(256)}…[truncated from 300 chars]`);
  });

  it('should cut long messages, fields and error stacks', () => {
    const { lines, stream } = captureLines();
    const logger = pino(pinoHttpOptions(JSON_LOGS), stream);
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
