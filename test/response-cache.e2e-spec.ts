import {
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { symbols } from 'pino';
import request from 'supertest';
import { AccessLog } from 'src/observability/access-log';
import type { LogOutput } from 'src/observability/log-output';
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

/** Header pairs, sorted by name, with per-request values masked. */
function stableHeaders({ rawHeaders }: RawResponse): [string, string][] {
  const pairs: [string, string][] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index].toLowerCase();
    pairs.push([name, PER_REQUEST.has(name) ? '(per request)' : rawHeaders[index + 1]]);
  }
  return pairs.sort(([first], [second]) => first.localeCompare(second));
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
        '/data_analysis?mean=true&include_ar=true&include_cl=true',
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

  describe('keys', () => {
    it('should share one entry between spellings of one normalised query', async () => {
      const hitsBefore = await cacheHits(app, ANALYSIS_ROUTE);
      const commas = await send(app, '/v1/datasets/sales/analysis?metrics=count&countries=AR,CL');
      const repeated = await send(
        app,
        '/v1/datasets/sales/analysis?countries=AR&countries=CL&metrics=count',
      );
      expect(repeated.status).toBe(200);
      expect(repeated.body).toEqual(commas.body);
      expect(repeated.header('etag')).toBe(commas.header('etag'));
      expect(await cacheHits(app, ANALYSIS_ROUTE)).toBe(hitsBefore + 1);
    });

    it('should keep answers of two datasets with the same content apart', async () => {
      const sales = await send(app, '/v1/datasets/sales/analysis?metrics=count');
      const copy = await send(app, '/v1/datasets/strict-copy/analysis?metrics=count');
      expect(JSON.parse(copy.body.toString('utf8'))).toMatchObject({ dataset: 'strict-copy' });
      expect(JSON.parse(sales.body.toString('utf8'))).toMatchObject({ dataset: 'sales' });
      expect(copy.header('etag')).not.toBe(sales.header('etag'));
    });
  });

  describe('HTTP caching headers', () => {
    const path = '/data_analysis?max_value=true&include_uy=true';

    it('should send a strong ETag, Cache-Control and Vary on cacheable answers', async () => {
      const response = await send(app, path);
      expect(response.header('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
      expect(response.header('cache-control')).toBe('public, max-age=60');
      expect(response.header('vary')).toBe('Accept, Origin');
    });

    it('should tag JSON and CSV of one query apart', async () => {
      const query = '/v1/datasets/sales/analysis?metrics=min';
      const json = await send(app, query);
      const csv = await send(app, query, { Accept: 'text/csv' });
      expect(csv.header('etag')).not.toBe(json.header('etag'));
    });

    it.each([
      ['the tag itself', (etag: string) => etag],
      ['a list holding the tag', (etag: string) => `"other", ${etag}`],
      ['a weak form of the tag', (etag: string) => `W/${etag}`],
      ['*', () => '*'],
    ])('should answer If-None-Match with %s by 304 and no body', async (_case, condition) => {
      const { header } = await send(app, path);
      const etag = header('etag') ?? '';
      const response = await send(app, path, { 'If-None-Match': condition(etag) });
      expect(response.status).toBe(304);
      expect(response.body.length).toBe(0);
      expect(response.header('etag')).toBe(etag);
      expect(response.header('cache-control')).toBe('public, max-age=60');
      expect(response.header('vary')).toBe('Accept, Origin');
    });

    it('should answer 304 before the answer is cached too', async () => {
      const fresh = '/data_analysis?median=true&include_uy=true';
      const etag = (await send(app, fresh)).header('etag') ?? '';
      const uncached = await createTestApp({ DATA_PATH: SALES, DATASETS_FILE: LENIENT_DATASETS });
      try {
        const response = await request(uncached.getHttpServer())
          .get(fresh)
          .set('If-None-Match', etag)
          .expect(304);
        expect(response.text).toBe('');
      } finally {
        await uncached.close();
      }
    });

    it('should answer 200 with the body to a tag that does not match', async () => {
      const response = await send(app, path, { 'If-None-Match': '"stale"' });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body.toString('utf8'))).toHaveProperty('UY');
    });

    it('should answer HEAD with the headers of GET', async () => {
      const get = await send(app, path);
      const head = await send(app, path, {}, 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.header('etag')).toBe(get.header('etag'));
    });

    it('should show the dataset version that tags derive from', async () => {
      const summary = await send(app, '/v1/datasets/sales');
      const { version } = JSON.parse(summary.body.toString('utf8')) as { version: string };
      expect(version).toMatch(/^[0-9a-f]{16}$/);
      const listed = JSON.parse((await send(app, '/v1/datasets')).body.toString('utf8')) as {
        name: string;
        version: string;
      }[];
      const versions = Object.fromEntries(listed.map(({ name, version: id }) => [name, id]));
      // strict-copy reads the same file the same way: the same data, so the same version.
      expect(versions).toMatchObject({ sales: version, 'strict-copy': version });
      expect(versions['with-defects']).not.toBe(version);
    });
  });

  describe('what is never cached', () => {
    it.each([
      ['a 400 on the analysis endpoint', '/v1/datasets/sales/analysis?metrics=avg', 400],
      [
        'a 400 for a comma in a single-valued parameter',
        '/v1/datasets/sales/analysis?metrics=mean&from=2024-01-01,2024-02-01',
        400,
      ],
      ['a 404 for an unknown dataset', '/v1/datasets/salez', 404],
      [
        'a 404 for filters that match nothing',
        '/v1/datasets/sales/analysis?metrics=mean&years=2030',
        404,
      ],
    ])('should answer %s through the handler every time', async (_case, path, status) => {
      const entries = app.get(ResponseCache).size;
      for (const id of ['problem-1', 'problem-2']) {
        const response = await send(app, path, { 'x-request-id': id });
        expect(response.status).toBe(status);
        expect(response.header('content-type')).toMatch(PROBLEM_JSON);
        expect(response.header('etag')).toBeUndefined();
        expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({ requestId: id });
      }
      expect(app.get(ResponseCache).size).toBe(entries);
    });

    it('should answer a 400 on the compatible endpoint through the handler every time', async () => {
      const entries = app.get(ResponseCache).size;
      for (const id of ['legacy-1', 'legacy-2']) {
        const response = await send(app, '/data_analysis?include_ar=true', { 'x-request-id': id });
        expect(response.status).toBe(400);
        expect(response.header('x-request-id')).toBe(id);
        expect(response.header('etag')).toBeUndefined();
        expect(JSON.parse(response.body.toString('utf8'))).toEqual({
          detail: 'Specify at least one metric',
        });
      }
      expect(app.get(ResponseCache).size).toBe(entries);
    });

    it('should not keep other routes, such as health and metrics', async () => {
      const entries = app.get(ResponseCache).size;
      const live = await send(app, '/health/live');
      await send(app, '/openapi.json');
      await send(app, '/metrics');
      expect(live.header('etag')).toBeUndefined();
      expect(app.get(ResponseCache).size).toBe(entries);
    });
  });
});

/** Refuses requests carrying `x-test-refuse`, as an auth guard would refuse some clients. */
@Injectable()
class RefuseMarkedRequests implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return (
      context.switchToHttp().getRequest<FastifyRequest>().headers['x-test-refuse'] === undefined
    );
  }
}

describe('validated queries remembered for repeated requests', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES });
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['v1', '/v1/datasets/sales/analysis?metrics=mean,nope&groupBy=week,nope&years=20x4', 400],
    ['compatible', '/data_analysis?mean=maybe&include_ar=true&year=20x4', 422],
  ])(
    'should refuse a repeated invalid %s query every time, with all its errors',
    async (_kind, path, status) => {
      const answers = [await send(app, path), await send(app, path), await send(app, path)];
      expect(answers.map((answer) => answer.status)).toEqual([status, status, status]);
      // The instance and request id differ per request; everything else must not.
      const bodies = answers.map(({ body }) => {
        const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        delete parsed.instance;
        delete parsed.requestId;
        return parsed;
      });
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
      expect(JSON.stringify(bodies[0])).toMatch(/nope|mean/);
    },
  );

  it('should answer the same query spelled alike, differently and in another order with one result', async () => {
    const spellings = [
      '/v1/datasets/sales/analysis?metrics=count,median&countries=AR,CL&groupBy=country',
      '/v1/datasets/sales/analysis?metrics=count,median&countries=AR,CL&groupBy=country',
      '/v1/datasets/sales/analysis?countries=AR&countries=CL&metrics=count&metrics=median&groupBy=country',
      '/v1/datasets/sales/analysis?groupBy=country&metrics=count,median&countries=AR,CL',
    ];
    const answers = [];
    for (const path of spellings) {
      answers.push(await send(app, path));
    }
    expect(answers.map(({ status }) => status)).toEqual([200, 200, 200, 200]);
    const results = answers.map(
      ({ body }) => (JSON.parse(body.toString('utf8')) as { results: unknown }).results,
    );
    expect(results[0]).toEqual([
      expect.objectContaining({ country: 'AR' }),
      expect.objectContaining({ country: 'CL' }),
    ]);
    for (const result of results.slice(1)) {
      expect(result).toEqual(results[0]);
    }
  });
});

describe('response cache behind a guard', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp(
      { DATA_PATH: SALES },
      // The guard's 403 is a test-only answer, outside the OpenAPI document.
      { providers: [{ provide: APP_GUARD, useClass: RefuseMarkedRequests }], checkContract: false },
    );
    await app.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
  });

  it('should still refuse a cached query to a request the guard refuses', async () => {
    await send(app, CANONICAL);
    const warm = await send(app, CANONICAL);
    expect(warm.status).toBe(200);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(1);

    const refused = await send(app, CANONICAL, { 'x-test-refuse': '1' });

    expect(refused.status).toBe(403);
    expect(refused.header('content-type')).toMatch(PROBLEM_JSON);
    expect(refused.body.toString('utf8')).not.toContain('"AR"');
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(1);
  });
});

describe('response cache observability (LOG_LEVEL=info)', () => {
  let app: INestApplication;
  let lines: string[];

  beforeAll(async () => {
    app = await startApp({ DATA_PATH: SALES, LOG_LEVEL: 'info' });
    // Nest's loggers write through the access log's pino logger into its output, and access
    // lines straight into that output.
    const output = (app.get(AccessLog).logger as unknown as Record<symbol, LogOutput>)[
      symbols.streamSym
    ];
    lines = [];
    jest.spyOn(output, 'write').mockImplementation((line: string) => {
      lines.push(line);
    });
    jest.spyOn(output, 'writeAccessLine').mockImplementation((_level: number, line: string) => {
      lines.push(line);
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

  it('should count cached answers against the budget and answer 429 past it', async () => {
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

  it('should refuse a conditional request past the budget too', async () => {
    const client = from('198.51.100.3');
    const first = await send(app, CANONICAL, client);
    const condition = { 'If-None-Match': first.header('etag') ?? '' };
    expect((await send(app, CANONICAL, from('198.51.100.3', condition))).status).toBe(304);
    expect((await send(app, CANONICAL, from('198.51.100.3', condition))).status).toBe(304);
    expect((await send(app, CANONICAL, from('198.51.100.3', condition))).status).toBe(429);
  });

  it('should count each forwarded client address on its own', async () => {
    const replayed = await send(app, CANONICAL, from('203.0.113.9'));
    expect(replayed.status).toBe(200);
    expect(replayed.header('x-ratelimit-remaining')).toBe('2');
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

  it('should give each Origin its own CORS headers on cached answers', async () => {
    const allowed = await send(app, CANONICAL, { Origin: 'https://app.example' });
    const allowedAgain = await send(app, CANONICAL, { Origin: 'https://app.example' });
    const other = await send(app, CANONICAL, { Origin: 'https://evil.example' });
    const otherAgain = await send(app, CANONICAL, { Origin: 'https://evil.example' });

    expect(allowedAgain.header('access-control-allow-origin')).toBe('https://app.example');
    expect(allowedAgain.header('vary')).toBe(allowed.header('vary'));
    expect(other.header('access-control-allow-origin')).toBeUndefined();
    expect(otherAgain.header('access-control-allow-origin')).toBeUndefined();
    expect(stableHeaders(otherAgain)).toEqual(stableHeaders(other));
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(3);
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

  it('should close the connection of cached answers too', async () => {
    await send(app, CANONICAL);
    app.get(DrainState).begin();
    const response = await request(app.getHttpServer())
      .get(CANONICAL)
      .set('Connection', 'keep-alive')
      .expect(200);

    expect(response.headers.connection).toBe('close');
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(1);
  });
});

describe('RESPONSE_CACHE_ENTRIES=0, CACHE_MAX_AGE_SECONDS=0', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({
      DATA_PATH: SALES,
      RESPONSE_CACHE_ENTRIES: '0',
      CACHE_MAX_AGE_SECONDS: '0',
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('should keep nothing, and still tag answers, asking clients to revalidate', async () => {
    const first = await send(app, CANONICAL);
    const second = await send(app, CANONICAL, { 'If-None-Match': first.header('etag') ?? '' });
    // Nothing answers in front of the framework: Fastify's handler is the only request listener.
    const server = app.getHttpServer() as { listeners(event: string): unknown[] };
    expect(
      server.listeners('request').filter((listener) => !isContractListener(listener)),
    ).toHaveLength(1);
    expect(app.get(ResponseCache).size).toBe(0);
    expect(await cacheHits(app, LEGACY_ROUTE)).toBe(0);
    expect(first.header('cache-control')).toBe('no-cache');
    expect(second.status).toBe(304);
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
    [
      { RESPONSE_CACHE_MAX_BYTES: '1' },
      'RESPONSE_CACHE_MAX_BYTES: must be an integer from 1024 to 1073741824 (bytes)',
    ],
    [
      { CACHE_MAX_AGE_SECONDS: '-5' },
      'CACHE_MAX_AGE_SECONDS: must be an integer from 0 to 31536000 (seconds)',
    ],
  ])('should refuse %p', async (env, message) => {
    await expect(createTestApp({ DATA_PATH: SALES, ...env })).rejects.toThrow(message);
  });
});
