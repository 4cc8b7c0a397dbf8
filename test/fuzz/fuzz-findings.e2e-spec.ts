import type { INestApplication } from '@nestjs/common';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * Requests the query fuzzer (query-fuzz.e2e-spec.ts) once answered wrongly, kept as plain examples.
 * test/fixtures/e2e/sales.csv, by hand:
 *   AR: 100 (2024-01-15), 200 (2024-02-10), 400 (2024-07-05), 300 (2025-03-20)
 *   CL: 50 (2024-01-01), 150 (2024-06-30), 250.5 (2024-12-31)
 *   UY: 80 (2024-02-29), 120 (2025-03-01)
 *   BR: 1000 (2024-05-15)
 */
describe('query fuzzing findings', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({
      DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
    });
  });

  afterAll(async () => {
    await app.close();
  });

  const analyse = (query: string) =>
    request(app.getHttpServer()).get(`/v1/datasets/sales/analysis?${query}`);

  it.each([
    ['groupBy=month&groupBy=month', ['month']],
    ['groupBy=year,YEAR', ['year']],
    ['groupBy=none&groupBy=none', ['none']],
    ['groupBy=country,month,Month', ['country', 'month']],
  ])('should read a repeated groupBy key %s once', async (groupBy, expected) => {
    const response = await analyse(`metrics=count&countries=UY&${groupBy}`).expect(200);
    expect(response.body.query.groupBy).toEqual(expected);
  });

  it('should still refuse two different periods', async () => {
    await analyse('metrics=count&groupBy=year&groupBy=month').expect(400);
  });

  const INHERITED_NAMES = [
    'valueOf',
    'toString',
    'hasOwnProperty',
    '__defineGetter__',
    'isPrototypeOf',
  ];

  it('should refuse inherited object member names as parameters on the v1 API', async () => {
    for (const key of INHERITED_NAMES) {
      const response = await analyse(`metrics=count&${key}=x`).expect(400);
      expect(response.body.errors).toEqual([
        { parameter: key, message: 'is not a known parameter' },
      ]);
    }
  });

  it('should refuse inherited object member names as parameters on the compatible endpoint', async () => {
    for (const key of INHERITED_NAMES) {
      const response = await request(app.getHttpServer())
        .get(`/data_analysis?mean=true&include_ar=true&${key}=x`)
        .expect(422);
      expect(response.body).toStrictEqual({
        detail: [
          { loc: ['query', key], msg: 'extra fields not permitted', type: 'value_error.extra' },
        ],
      });
    }
  });

  it('should quote a lone empty CSV field so the row is not read as a blank line', async () => {
    // BR has one sale: its sample stddev is undefined, the only column of the only row.
    const response = await analyse('metrics=stddev&countries=BR&groupBy=none&format=csv').expect(
      200,
    );
    expect(response.text).toBe('stddev\r\n""\r\n');
  });

  it('should leave empty fields unquoted beside other fields', async () => {
    const response = await analyse('metrics=count,stddev&countries=BR&format=csv').expect(200);
    expect(response.text).toBe('country,count,stddev\r\nBR,1,\r\n');
  });
});

/** Sends raw bytes and returns everything the server writes until it closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('requests refused by the HTTP parser', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    app = await createTestApp({
      DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
      MAX_HEADER_BYTES: '16384',
    });
    await app.listen(0, '127.0.0.1');
    ({ port } = app.getHttpServer().address() as AddressInfo);
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    [
      'a request head over MAX_HEADER_BYTES',
      `GET /v1/datasets/sales/analysis?metrics=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      431,
      'The request line and headers exceed 16384 bytes',
    ],
    [
      'a malformed request line',
      'GET /v1/datasets sales/analysis HTTP/1.1\r\nHost: x\r\n\r\n',
      400,
      'The request is not valid HTTP/1.1',
    ],
  ])('should answer %s with a problem document', async (_name, request, status, detail) => {
    const response = await rawExchange(port, request);
    const [head, body] = response.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(body)).toEqual({
      type: 'about:blank',
      title: expect.any(String),
      status,
      detail,
    });
  });
});
