import type { INestApplication } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { symbols } from 'pino';
import request from 'supertest';
import { DrainState } from 'src/lifecycle/drain-state';
import { ResponseCache } from 'src/response-cache/response-cache';
import { isContractListener } from 'test/support/openapi-contract';
import { createTestApp, FIXTURES } from 'test/support/test-app';

const SALES = join(FIXTURES, 'e2e', 'sales.csv');
/** Adds `with-defects` (lenient, 4 skipped rows) and `strict-copy`. */
const LENIENT_DATASETS = join(FIXTURES, 'config', 'lenient.json');
const CANONICAL =
  '/data_analysis?mean=true&median=true&max_value=true&include_ar=true&include_cl=true&include_uy=true';
const LEGACY_ROUTE = '/data_analysis';
const ANALYSIS_ROUTE = '/v1/datasets/:dataset/analysis';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PROBLEM_JSON = /^application\/problem\+json/;

/** Values made for each request; every other header, its name's case and its place must match. */
const PER_REQUEST = new Set(['date', 'x-request-id', 'x-ratelimit-remaining', 'x-ratelimit-reset']);

interface RawResponse {
  readonly status: number;
  /** Names and values in the order and case they came on the wire. */
  readonly rawHeaders: string[];
  readonly body: Buffer;
  header(name: string): string | undefined;
}

/** Starts the app on a free local port, so responses can be read header by header. */
async function startApp(env: Record<string, string | undefined>): Promise<INestApplication> {
  const app = await createTestApp(env);
  await app.listen(0, '127.0.0.1');
  return app;
}

function send(
  app: INestApplication,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, path, method, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const rawHeaders = response.rawHeaders;
          resolve({
            status: response.statusCode ?? 0,
            rawHeaders,
            body: Buffer.concat(chunks),
            header: (name) => {
              const at = rawHeaders.findIndex(
                (value, index) => index % 2 === 0 && value.toLowerCase() === name,
              );
              return at === -1 ? undefined : rawHeaders[at + 1];
            },
          });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Header pairs with per-request values masked. */
function stableHeaders({ rawHeaders }: RawResponse): [string, string][] {
  const pairs: [string, string][] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index];
    pairs.push([
      name,
      PER_REQUEST.has(name.toLowerCase()) ? '(per request)' : rawHeaders[index + 1],
    ]);
  }
  return pairs;
}

async function metricsText(app: INestApplication): Promise<string> {
  const response = await request(app.getHttpServer()).get('/metrics').expect(200);
  return response.text;
}

/** The value of one sample in the Prometheus text, 0 when absent. */
async function sample(app: INestApplication, series: string): Promise<number> {
  const line = (await metricsText(app)).split('\n').find((text) => text.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const cacheHits = (app: INestApplication, route: string) =>
  sample(app, `http_response_cache_hits_total{route="${route}"}`);

describe('response cache', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES, DATASETS_FILE: LENIENT_DATASETS });
  });

  afterAll(async () => {
    await app.close();
  });

  describe('replayed answers', () => {
    it.each([
      ['the compatible endpoint', CANONICAL, {}, LEGACY_ROUTE],
      [
        'the compatible endpoint with an Origin',
        CANONICAL,
        { Origin: 'https://dashboard.example' },
        LEGACY_ROUTE,
      ],
      [
        'a grouped analysis as JSON',
        '/v1/datasets/sales/analysis?metrics=mean,p90&groupBy=country,quarter',
        {},
        ANALYSIS_ROUTE,
      ],
      [
        'an analysis as CSV by Accept',
        '/v1/datasets/sales/analysis?metrics=count,sum',
        { Accept: 'text/csv' },
        ANALYSIS_ROUTE,
      ],
      [
        'an analysis as CSV by format=csv',
        '/v1/datasets/sales/analysis?metrics=median&groupBy=year&format=csv',
        { Origin: 'https://dashboard.example' },
        ANALYSIS_ROUTE,
      ],
      [
        'an analysis of a dataset with skipped rows',
        '/v1/datasets/with-defects/analysis?metrics=mean',
        {},
        ANALYSIS_ROUTE,
      ],
      ['the dataset list', '/v1/datasets', {}, '/v1/datasets'],
      [
        'a dataset summary',
        '/v1/datasets/sales',
        { Origin: 'https://dashboard.example' },
        '/v1/datasets/:dataset',
      ],
    ])(
      'should answer %s again with the same status, body and headers',
      async (_case, path, headers: Record<string, string>, route) => {
        const hitsBefore = await cacheHits(app, route);

        const first = await send(app, path, headers);
        expect(await cacheHits(app, route)).toBe(hitsBefore);
        const second = await send(app, path, headers);
        expect(await cacheHits(app, route)).toBe(hitsBefore + 1);

        expect(first.status).toBe(200);
        expect(second.status).toBe(first.status);
        expect(second.body).toEqual(first.body);
        expect(stableHeaders(second)).toEqual(stableHeaders(first));
        expect(first.header('x-request-id')).toMatch(UUID);
        expect(second.header('x-request-id')).toMatch(UUID);
        expect(second.header('x-request-id')).not.toBe(first.header('x-request-id'));
        expect(second.header('date')).toBeDefined();
      },
    );

    it('should have replayed the CSV download and the X-Rejected-Rows mark', async () => {
      const csv = await send(app, '/v1/datasets/sales/analysis?metrics=count,sum', {
        Accept: 'text/csv',
      });
      expect(csv.header('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.header('content-disposition')).toBe(
        'attachment; filename="sales-analysis-country.csv"',
      );
      const lenient = await send(app, '/v1/datasets/with-defects/analysis?metrics=mean');
      expect(lenient.header('x-rejected-rows')).toBe('4');
      const withOrigin = await send(app, CANONICAL, { Origin: 'https://dashboard.example' });
      expect(withOrigin.header('access-control-allow-origin')).toBe('*');
      expect(withOrigin.header('strict-transport-security')).toMatch(/^max-age=/);
    });

    it('should keep JSON and CSV answers of one URL apart', async () => {
      const path = '/v1/datasets/sales/analysis?metrics=max';
      const json = await send(app, path);
      await send(app, path);
      const csv = await send(app, path, { Accept: 'text/csv' });
      const csvAgain = await send(app, path, { Accept: 'text/csv' });
      expect(json.header('content-type')).toBe('application/json; charset=utf-8');
      expect(csv.header('content-type')).toBe('text/csv; charset=utf-8');
      expect(csvAgain.body).toEqual(csv.body);
      expect(csv.body.toString('utf8')).toMatch(/^country,max\r\n/);
    });

    it('should honour an incoming request id on a replayed answer, and replace a bad one', async () => {
      const path = '/data_analysis?median=true&include_cl=true';
      await send(app, path);
      const hitsBefore = await cacheHits(app, LEGACY_ROUTE);

      const kept = await send(app, path, { 'x-request-id': 'edge-7f3a/1' });
      const replaced = await send(app, path, { 'x-request-id': 'x'.repeat(129) });

      expect(kept.header('x-request-id')).toBe('edge-7f3a/1');
      expect(replaced.header('x-request-id')).toMatch(UUID);
      expect(await cacheHits(app, LEGACY_ROUTE)).toBe(hitsBefore + 2);
    });
  });

  describe('what is never replayed', () => {
    it.each([
      ['a 400 on the analysis endpoint', '/v1/datasets/sales/analysis?metrics=avg', 400],
      ['a 404 for an unknown dataset', '/v1/datasets/salez', 404],
      [
        'a 404 for filters that match nothing',
        '/v1/datasets/sales/analysis?metrics=mean&years=2030',
        404,
      ],
    ])('should answer %s through the pipeline every time', async (_case, path, status) => {
      const entries = app.get(ResponseCache).size;
      for (const id of ['problem-1', 'problem-2']) {
        const response = await send(app, path, { 'x-request-id': id });
        expect(response.status).toBe(status);
        expect(response.header('content-type')).toMatch(PROBLEM_JSON);
        expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({ requestId: id });
      }
      expect(app.get(ResponseCache).size).toBe(entries);
    });

    it('should answer a 400 on the compatible endpoint through the pipeline every time', async () => {
      const entries = app.get(ResponseCache).size;
      for (const id of ['legacy-1', 'legacy-2']) {
        const response = await send(app, '/data_analysis?include_ar=true', { 'x-request-id': id });
        expect(response.status).toBe(400);
        expect(response.header('x-request-id')).toBe(id);
        expect(JSON.parse(response.body.toString('utf8'))).toEqual({
          detail: 'Specify at least one metric',
        });
      }
      expect(app.get(ResponseCache).size).toBe(entries);
    });

    it.each([
      ['HEAD', 'HEAD', () => ({}), 200],
      ['a matching If-None-Match', 'GET', (etag: string) => ({ 'If-None-Match': etag }), 304],
      [
        'If-Modified-Since',
        'GET',
        () => ({ 'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT' }),
        200,
      ],
      ['a Range', 'GET', () => ({ Range: 'bytes=0-9' }), 200],
    ])(
      'should pass a request with %s to the pipeline',
      async (_case, method, headersFor: (etag: string) => Record<string, string>, status) => {
        const path = '/data_analysis?max_value=true&include_uy=true';
        const cached = await send(app, path);
        await send(app, path);
        const hitsBefore = await cacheHits(app, LEGACY_ROUTE);

        const response = await send(app, path, headersFor(cached.header('etag') ?? ''), method);

        expect(response.status).toBe(status);
        expect(await cacheHits(app, LEGACY_ROUTE)).toBe(hitsBefore);
      },
    );

    it('should not keep other routes, such as health and metrics', async () => {
      const entries = app.get(ResponseCache).size;
      await send(app, '/health/live');
      await send(app, '/openapi.json');
      await send(app, '/metrics');
      expect(app.get(ResponseCache).size).toBe(entries);
    });
  });
});

describe('response cache observability (LOG_LEVEL=info)', () => {
  let app: INestApplication;
  let lines: string[];

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES, LOG_LEVEL: 'info' });
    // pino-http's logger and its per-request children write through the root logger's stream.
    const stream = (PinoLogger.root as unknown as Record<symbol, { write(line: string): boolean }>)[
      symbols.streamSym
    ];
    lines = [];
    jest.spyOn(stream, 'write').mockImplementation((line: string) => {
      lines.push(line);
      return true;
    });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await app.close();
  });

  it('should time both answers in the duration histogram and log both the same way', async () => {
    const first = await send(app, CANONICAL, { 'x-request-id': 'first' });
    const second = await send(app, CANONICAL, { 'x-request-id': 'second' });
    expect([first.status, second.status]).toEqual([200, 200]);

    expect(
      await sample(
        app,
        'http_request_duration_seconds_count{route="/data_analysis",method="GET",status="200"}',
      ),
    ).toBe(2);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(1);

    const access = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(({ route }) => route === LEGACY_ROUTE);
    expect(access).toHaveLength(2);
    const masked = ({ time, responseTime, req, ...rest }: Record<string, unknown>) => ({
      time: typeof time,
      responseTime: typeof responseTime,
      req: { ...(req as object), id: '(per request)' },
      ...rest,
    });
    expect(Object.keys(access[1])).toEqual(Object.keys(access[0]));
    expect(masked(access[1])).toEqual(masked(access[0]));
    expect(access[0]).toMatchObject({
      level: 'info',
      req: { id: 'first', method: 'GET', url: CANONICAL },
      route: LEGACY_ROUTE,
      res: { statusCode: 200 },
      msg: 'GET /data_analysis 200',
    });
    expect(access[1]).toMatchObject({ req: { id: 'second' }, msg: 'GET /data_analysis 200' });
  });
});

describe('response cache with rate limiting (RATE_LIMIT_PER_MINUTE=3, TRUST_PROXY_HOPS=1)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES, RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' });
  });

  afterAll(async () => {
    await app.close();
  });

  const from = (client: string, headers: Record<string, string> = {}) => ({
    'X-Forwarded-For': client,
    ...headers,
  });

  it('should count replayed answers against the same budget and answer 429 past it', async () => {
    const client = from('198.51.100.1');
    const answers = [];
    for (let index = 0; index < 3; index += 1) {
      answers.push(await send(app, CANONICAL, client));
    }
    expect(answers.map(({ status }) => status)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.header('x-ratelimit-remaining'))).toEqual([
      '2',
      '1',
      '0',
    ]);
    expect(answers.map((answer) => answer.header('x-ratelimit-limit'))).toEqual(['3', '3', '3']);
    expect(Number(answers[2].header('x-ratelimit-reset'))).toBeGreaterThan(0);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(2);

    const refused = await send(app, CANONICAL, from('198.51.100.1', { 'x-request-id': 'burst-1' }));
    expect(refused.status).toBe(429);
    expect(refused.header('content-type')).toMatch(PROBLEM_JSON);
    expect(Number(refused.header('retry-after'))).toBeGreaterThan(0);
    expect(JSON.parse(refused.body.toString('utf8'))).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail:
        'Too many requests: the limit is 3 per minute per client; retry after the number of seconds in Retry-After',
      instance: CANONICAL,
      requestId: 'burst-1',
    });
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(2);
  });

  it('should share the budget with answers of other routes', async () => {
    const client = from('198.51.100.2');
    const listed = await send(app, '/v1/datasets', client);
    const replayed = await send(app, CANONICAL, client);
    expect(listed.header('x-ratelimit-remaining')).toBe('2');
    expect(replayed.header('x-ratelimit-remaining')).toBe('1');
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(3);
  });

  it('should count each forwarded client address on its own', async () => {
    const replayed = await send(app, CANONICAL, from('203.0.113.9'));
    expect(replayed.status).toBe(200);
    expect(replayed.header('x-ratelimit-remaining')).toBe('2');
  });
});

describe('response cache with rate limiting, no trusted proxy (TRUST_PROXY_HOPS=0)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES, RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY_HOPS: '0' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('should ignore X-Forwarded-For on replayed answers too', async () => {
    const first = await send(app, CANONICAL, { 'X-Forwarded-For': '192.0.2.1' });
    const spoofed = await send(app, CANONICAL, { 'X-Forwarded-For': '192.0.2.2' });
    expect(first.status).toBe(200);
    expect(spoofed.status).toBe(429);
  });
});

describe('response cache with CORS_ORIGINS listing origins', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES, CORS_ORIGINS: 'https://app.example' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('should replay per Origin, never one origin’s CORS headers to another', async () => {
    const allowed = await send(app, CANONICAL, { Origin: 'https://app.example' });
    const allowedAgain = await send(app, CANONICAL, { Origin: 'https://app.example' });
    const other = await send(app, CANONICAL, { Origin: 'https://evil.example' });
    const otherAgain = await send(app, CANONICAL, { Origin: 'https://evil.example' });

    expect(allowedAgain.header('access-control-allow-origin')).toBe('https://app.example');
    expect(allowedAgain.header('vary')).toBe(allowed.header('vary'));
    expect(other.header('access-control-allow-origin')).toBeUndefined();
    expect(otherAgain.header('access-control-allow-origin')).toBeUndefined();
    expect(stableHeaders(otherAgain)).toEqual(stableHeaders(other));
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(2);
  });
});

describe('response cache while draining', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES });
  });

  afterAll(async () => {
    await app.close();
  });

  it('should leave answers to the pipeline, which closes each connection', async () => {
    await send(app, CANONICAL);
    await send(app, CANONICAL);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(1);

    app.get(DrainState).begin();
    const response = await request(app.getHttpServer())
      .get(CANONICAL)
      .set('Connection', 'keep-alive')
      .expect(200);

    expect(response.headers.connection).toBe('close');
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(1);
  });
});

describe('RESPONSE_CACHE_ENTRIES=0', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES, RESPONSE_CACHE_ENTRIES: '0' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('should leave Express as the only request listener and keep nothing', async () => {
    const server = app.getHttpServer() as { listeners(event: string): unknown[] };
    expect(server.listeners('request').filter((listener) => !isContractListener(listener))).toEqual(
      [app.getHttpAdapter().getInstance()],
    );
    await send(app, CANONICAL);
    await send(app, CANONICAL);
    expect(app.get(ResponseCache).size).toBe(0);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(0);
  });
});

describe('response cache bounds (RESPONSE_CACHE_ENTRIES=2, RESPONSE_CACHE_MAX_ENTRY_BYTES=1024)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({
      DATA_PATH: SALES,
      RESPONSE_CACHE_ENTRIES: '2',
      RESPONSE_CACHE_MAX_ENTRY_BYTES: '1024',
    });
  });

  afterAll(async () => {
    await app.close();
  });

  const [first, second, third] = ['include_ar', 'include_cl', 'include_uy'].map(
    (country) => `/data_analysis?mean=true&${country}=true`,
  );

  it('should drop the least recently used answer past RESPONSE_CACHE_ENTRIES', async () => {
    await send(app, first);
    await send(app, second);
    await send(app, first);
    await send(app, third);
    expect(app.get(ResponseCache).size).toBe(2);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(1);

    // `second` was the least recently used, so it went; `first` and `third` stay.
    await send(app, first);
    await send(app, third);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(3);
    await send(app, second);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(3);
  });

  it('should never keep an answer larger than RESPONSE_CACHE_MAX_ENTRY_BYTES', async () => {
    const path =
      '/v1/datasets/sales/analysis?metrics=count,sum,mean,median,p90&groupBy=country,month';
    const large = await send(app, path);
    await send(app, path);
    expect(large.status).toBe(200);
    expect(large.body.length).toBeGreaterThan(1024);
    expect(await cacheHits(app, ANALYSIS_ROUTE)).toBe(0);
  });
});

describe('response cache settings validated at start-up', () => {
  it.each([
    [
      { RESPONSE_CACHE_ENTRIES: '-1' },
      'RESPONSE_CACHE_ENTRIES: must be an integer from 0 (off) to 100000',
    ],
    [{ RESPONSE_CACHE_ENTRIES: 'many' }, 'RESPONSE_CACHE_ENTRIES: must be an integer from 0 (off)'],
    [
      { RESPONSE_CACHE_MAX_ENTRY_BYTES: '10' },
      'RESPONSE_CACHE_MAX_ENTRY_BYTES: must be an integer from 1024 to 16777216 (bytes)',
    ],
  ])('should refuse %p', async (env, message) => {
    await expect(createTestApp({ DATA_PATH: SALES, ...env })).rejects.toThrow(message);
  });
});
