import type { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import request from 'supertest';
import { DrainState } from 'src/lifecycle/drain-state';
import { createTestApp, FIXTURES } from 'test/support/test-app';

const SALES = join(FIXTURES, 'e2e', 'sales.csv');
/** Rows in test/fixtures/e2e/sales.csv. */
const SALES_ROWS = 10;
const PROBLEM_JSON = /^application\/problem\+json/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const LEGACY_QUERY = '/data_analysis?mean=true&include_ar=true';

describe('operations', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: SALES });
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (path: string) => request(app.getHttpServer()).get(path);

  describe('health', () => {
    it('should answer liveness', async () => {
      const response = await get('/health/live').expect(200);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it.each(['/health/ready', '/health'])(
      'should answer %s with the datasets and their rows',
      async (path) => {
        const response = await get(path).expect(200);
        expect(response.body).toMatchObject({
          status: 'ok',
          rows: SALES_ROWS,
          info: {
            lifecycle: { status: 'up' },
            datasets: { status: 'up', rows: SALES_ROWS, datasets: { sales: { rows: SALES_ROWS } } },
          },
          error: {},
        });
      },
    );
  });

  describe('request ids', () => {
    it('should echo a valid incoming x-request-id', async () => {
      const response = await get('/health/live').set('x-request-id', 'edge-7f3a/1').expect(200);
      expect(response.headers['x-request-id']).toBe('edge-7f3a/1');
    });

    it('should generate a UUID when none is sent', async () => {
      const response = await get('/health/live').expect(200);
      expect(response.headers['x-request-id']).toMatch(UUID);
    });

    it.each([
      ['longer than 128 characters', 'x'.repeat(129)],
      ['with a tab', 'a\tb'],
      ['with a non-ASCII character', 'caf\u00e9'],
    ])('should replace an id %s', async (_case, id) => {
      const response = await get('/health/live').set('x-request-id', id).expect(200);
      expect(response.headers['x-request-id']).toMatch(UUID);
    });

    it('should accept an id of exactly 128 characters', async () => {
      const id = 'y'.repeat(128);
      const response = await get('/health/live').set('x-request-id', id).expect(200);
      expect(response.headers['x-request-id']).toBe(id);
    });

    it('should put the request id in problem bodies', async () => {
      const response = await get('/v1/datasets/sales/analysis?metrics=avg')
        .set('x-request-id', 'trace-400')
        .expect(400);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body.requestId).toBe('trace-400');
      expect(response.headers['x-request-id']).toBe('trace-400');
    });

    it("should keep the request id out of the compatible endpoint's fixed error bodies", async () => {
      const response = await get('/data_analysis?include_ar=true')
        .set('x-request-id', 'trace-legacy')
        .expect(400);
      expect(response.headers['x-request-id']).toBe('trace-legacy');
      expect(response.body).toEqual({ detail: 'Specify at least one metric' });
    });

    it('should put a generated id in problem bodies of unknown routes', async () => {
      const response = await get('/nowhere').expect(404);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toEqual({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: 'Cannot GET /nowhere',
        instance: '/nowhere',
        requestId: response.headers['x-request-id'],
      });
      expect(response.body.requestId).toMatch(UUID);
    });
  });

  describe('security headers', () => {
    it('should send helmet headers and no x-powered-by', async () => {
      const response = await get(LEGACY_QUERY).expect(200);
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('upgrade-insecure-requests');
    });

    it('should serve Swagger UI with nothing the CSP blocks: same-origin scripts, inline styles allowed', async () => {
      const response = await get('/docs').expect(200);
      const csp = String(response.headers['content-security-policy']);
      const scripts = [...response.text.matchAll(/<script\b([^>]*)>/g)].map(
        ([, attributes]) => attributes,
      );
      expect(scripts.length).toBeGreaterThan(0);
      for (const attributes of scripts) {
        // No inline script (script-src 'self' has no 'unsafe-inline'), and only relative sources.
        expect(attributes).toMatch(/\bsrc="\.\/[^"]+"/);
      }
      expect(response.text).toContain('<style>');
      expect(csp).toMatch(/style-src [^;]*'unsafe-inline'/);
      const bundle = /src="\.\/(docs\/swagger-ui-bundle\.js)"/.exec(response.text)?.[1];
      await get(`/${bundle}`).expect(200);
    });

    it('should answer 414 problem+json for a URL over MAX_URL_LENGTH', async () => {
      const response = await get(`/data_analysis?mean=true&pad=${'a'.repeat(4100)}`).expect(414);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.body).toMatchObject({
        type: 'about:blank',
        title: 'URI Too Long',
        status: 414,
        detail: expect.stringMatching(
          /^The request URL is 4\d{3} characters long; the limit is 4096$/,
        ),
        requestId: expect.stringMatching(UUID),
      });
    });
  });

  describe('CORS with the default CORS_ORIGINS=*', () => {
    it('should allow any origin and expose the request id', async () => {
      const response = await get(LEGACY_QUERY)
        .set('Origin', 'https://dashboard.example')
        .expect(200);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-expose-headers']).toContain('x-request-id');
      expect(response.headers['access-control-expose-headers']).toContain('retry-after');
    });

    it('should answer a preflight for GET', async () => {
      const response = await request(app.getHttpServer())
        .options('/v1/datasets')
        .set('Origin', 'https://dashboard.example')
        .set('Access-Control-Request-Method', 'GET')
        .expect(204);
      expect(response.headers['access-control-allow-methods']).toBe('GET,HEAD,OPTIONS');
    });
  });

  describe('metrics', () => {
    it('should export request durations by route template, problems and dataset figures', async () => {
      await get(LEGACY_QUERY).expect(200);
      await get(LEGACY_QUERY).expect(200);
      await get('/v1/datasets/sales').expect(200);
      await get('/v1/datasets/salez').expect(404);
      await get('/no/such/route').expect(404);

      const response = await get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain;/);
      expect(response.headers['content-type']).toContain('version=0.0.4');
      const text = response.text;
      expect(text).toContain('# TYPE http_request_duration_seconds histogram');
      expect(text).toMatch(
        /^http_request_duration_seconds_count\{route="\/data_analysis",method="GET",status="200"\} [2-9]\d*$/m,
      );
      expect(text).toContain(
        'http_request_duration_seconds_count{route="/v1/datasets/:dataset",method="GET",status="200"} 1',
      );
      expect(text).toContain(
        'http_request_duration_seconds_count{route="/v1/datasets/:dataset",method="GET",status="404"} 1',
      );
      expect(text).toMatch(/route="unmatched",method="GET",status="404"/);
      // Raw URLs never become label values.
      expect(text).not.toContain('/v1/datasets/sales"');
      expect(text).not.toContain('/no/such/route');
      expect(text).toContain(
        'http_problem_responses_total{type="urn:sales-metrics:problem:not-found",status="404"} 1',
      );
      expect(text).toMatch(
        /^http_problem_responses_total\{type="about:blank",status="404"\} [1-9]/m,
      );
      expect(text).toContain(`dataset_rows{dataset="sales"} ${SALES_ROWS}`);
      expect(text).toContain('dataset_rejected_rows{dataset="sales"} 0');
      expect(text).toMatch(
        /^dataset_load_duration_seconds\{dataset="sales"\} \d+(\.\d+)?(e-\d+)?$/m,
      );
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain('nodejs_eventloop_lag_seconds');
    });

    it('should keep each application on its own registry', async () => {
      const other = await createTestApp({ DATA_PATH: SALES });
      try {
        const response = await request(other.getHttpServer()).get('/metrics').expect(200);
        expect(response.text).not.toContain('route="/data_analysis"');
        expect(response.text).toContain(`dataset_rows{dataset="sales"} ${SALES_ROWS}`);
      } finally {
        await other.close();
      }
    });
  });
});

describe('readiness while shutting down', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: SALES });
    app.get(DrainState).begin();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['/health/ready', '/health'])(
    'should answer %s with a 503 problem and close the connection',
    async (path) => {
      const response = await request(app.getHttpServer()).get(path).expect(503);
      expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
      expect(response.headers.connection).toBe('close');
      expect(response.body).toEqual({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
        detail: 'Not ready: lifecycle (shutting down)',
        instance: path,
        requestId: expect.stringMatching(UUID),
      });
    },
  );

  it('should keep answering liveness and queries, closing each connection', async () => {
    await request(app.getHttpServer())
      .get('/health/live')
      .expect(200)
      .expect('Connection', 'close');
    await request(app.getHttpServer()).get(LEGACY_QUERY).expect(200).expect('Connection', 'close');
  });
});

describe('rate limiting (RATE_LIMIT_PER_MINUTE=3, TRUST_PROXY_HOPS=1)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({
      DATA_PATH: SALES,
      RATE_LIMIT_PER_MINUTE: '3',
      TRUST_PROXY_HOPS: '1',
    });
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (path: string, client = '198.51.100.1') =>
    request(app.getHttpServer()).get(path).set('X-Forwarded-For', client);

  it('should answer 429 problem+json with Retry-After past the limit, across routes', async () => {
    await get(LEGACY_QUERY).expect(200).expect('X-RateLimit-Remaining', '2');
    await get('/v1/datasets').expect(200).expect('X-RateLimit-Remaining', '1');
    await get('/v1/datasets/sales').expect(200).expect('X-RateLimit-Remaining', '0');

    const response = await get(LEGACY_QUERY).set('x-request-id', 'burst-1').expect(429);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
      detail:
        'Too many requests: the limit is 3 per minute per client; retry after the number of seconds in Retry-After',
      instance: LEGACY_QUERY,
      requestId: 'burst-1',
    });
  });

  it('should keep health, metrics and docs out of the limit', async () => {
    for (let i = 0; i < 5; i += 1) {
      await get('/health/ready').expect(200);
      await get('/health/live').expect(200);
      await get('/health').expect(200);
      await get('/metrics').expect(200);
      await get('/openapi.json').expect(200);
    }
    await get(LEGACY_QUERY).expect(429);
  });

  it('should count each forwarded client address on its own', async () => {
    await get(LEGACY_QUERY, '203.0.113.9').expect(200);
  });
});

describe('rate limiting without trusted proxies (TRUST_PROXY_HOPS=0)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({
      DATA_PATH: SALES,
      RATE_LIMIT_PER_MINUTE: '1',
      TRUST_PROXY_HOPS: '0',
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it('should ignore X-Forwarded-For, so spoofed addresses share the socket address budget', async () => {
    const server = app.getHttpServer();
    await request(server).get(LEGACY_QUERY).set('X-Forwarded-For', '192.0.2.1').expect(200);
    await request(server).get(LEGACY_QUERY).set('X-Forwarded-For', '192.0.2.2').expect(429);
  });
});

describe('CORS with CORS_ORIGINS listing origins', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({
      DATA_PATH: SALES,
      CORS_ORIGINS: 'https://app.example, https://admin.example:8443',
    });
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['https://app.example', 'https://admin.example:8443'])(
    'should allow %s by name',
    async (origin) => {
      const response = await request(app.getHttpServer())
        .get(LEGACY_QUERY)
        .set('Origin', origin)
        .expect(200);
      expect(response.headers['access-control-allow-origin']).toBe(origin);
      expect(response.headers.vary).toContain('Origin');
    },
  );

  it('should not allow another origin', async () => {
    const response = await request(app.getHttpServer())
      .get(LEGACY_QUERY)
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request header size (MAX_HEADER_BYTES=2048)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: SALES, MAX_HEADER_BYTES: '2048' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('should answer 431 to larger headers and serve smaller ones', async () => {
    const server = app.getHttpServer();
    await request(server).get('/health/live').set('X-Padding', 'p'.repeat(1500)).expect(200);
    await request(server).get('/health/live').set('X-Padding', 'p'.repeat(3000)).expect(431);
  });
});

describe('operations settings validated at start-up', () => {
  it.each([
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT: must be one of json, pretty'],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE: must be an integer from 0 (off)'],
    [{ TRUST_PROXY_HOPS: 'yes' }, 'TRUST_PROXY_HOPS: must be an integer from 0 to 10'],
    [
      { CORS_ORIGINS: 'app.example' },
      'CORS_ORIGINS: must be * or a comma-separated list of origins',
    ],
    [{ MAX_URL_LENGTH: '10' }, 'MAX_URL_LENGTH: must be an integer from 256 to 65536'],
    [{ SHUTDOWN_TIMEOUT_MS: '1.5' }, 'SHUTDOWN_TIMEOUT_MS: must be an integer from 100 to 600000'],
    [
      { SHUTDOWN_TIMEOUT_MS: '1000', SHUTDOWN_DRAIN_DELAY_MS: '1000' },
      'SHUTDOWN_DRAIN_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS',
    ],
  ])('should refuse %p', async (env, message) => {
    await expect(createTestApp({ DATA_PATH: SALES, ...env })).rejects.toThrow(message);
  });
});
