import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { join } from 'node:path';
import request from 'supertest';
import { clickHouseTools, testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';
import { createTestApp, FIXTURES } from 'test/support/test-app';

/*
 * Two replicas of the service over one ClickHouse database (two applications, each with its own
 * client, writer and in-memory key claims), sent the same Idempotency-Key at the same instant.
 * Whatever the interleaving, the rows are appended at most once: one request answers 201 and the
 * other 409 (the first is still running) or the first's 201 again; a later retry on either replica
 * answers the first 201 and appends nothing.
 */
const SALES = join(FIXTURES, 'e2e', 'sales.csv');
const KEY = 'r'.repeat(24) + '-replicas-e2e-api-key';
const ROUNDS = 12;
const ROWS = 2_000;

/** An upload of ROWS rows of one country no other upload of the suite uses, and its sum. */
function uploadOf(round: number, variant = 0): { country: string; body: string; sum: number } {
  const country = `Q${String.fromCharCode(65 + round)}`;
  const lines = ['country,value,fecha'];
  let cents = 0;
  for (let r = 0; r < ROWS; r++) {
    const value = 100 + ((r * 7919 + round * 31 + variant) % 100_000);
    cents += value;
    lines.push(
      `${country},${(value / 100).toFixed(2)},${String(1 + (r % 28)).padStart(2, '0')}/07/2026`,
    );
  }
  return { country, body: `${lines.join('\n')}\n`, sum: cents / 100 };
}

describe('one Idempotency-Key sent to two replicas at once', () => {
  const database = uniqueDatabase('replicas');
  const env = {
    API_KEYS: KEY,
    DATA_BACKEND: 'clickhouse',
    DATA_PATH: SALES,
    RESPONSE_CACHE_ENTRIES: '0',
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATABASE: database,
  };
  let replicas: INestApplication[] = [];

  beforeAll(async () => {
    env.CLICKHOUSE_URL = testClickHouseUrl();
    const { gateway, importer } = clickHouseTools(env);
    await importer.importFile('sales', SALES);
    await gateway.onModuleDestroy();
    replicas = [await createTestApp(env), await createTestApp(env)];
  });

  afterAll(async () => {
    for (const app of replicas) {
      await app.close();
    }
    const { gateway } = clickHouseTools(env);
    await gateway.command(`DROP DATABASE IF EXISTS ${database}`);
    await gateway.onModuleDestroy();
  });

  const upload = (replica: number, body: string, key: string) =>
    request(replicas[replica].getHttpServer() as Server)
      .post('/v1/datasets/sales/rows')
      .set('Authorization', `Bearer ${KEY}`)
      .set('Content-Type', 'text/csv')
      .set('Idempotency-Key', key)
      .send(body);

  /** Rows of `country` in the table, and how many committed versions carry `key`. */
  async function stored(
    country: string,
    key: string,
  ): Promise<{ rows: number; sum: number; logged: number }> {
    const { gateway } = clickHouseTools(env);
    try {
      const [rows] = await gateway.rows<{ n: string; s: number }>(
        `SELECT count() AS n, sum(value) AS s FROM ${database}.sales WHERE country = '${country}'`,
      );
      const [logged] = await gateway.rows<{ n: string }>(
        `SELECT uniqExact(write_id) AS n FROM ${database}.versions ` +
          `WHERE idempotency_key = '${key}' AND state = 'committed'`,
      );
      return {
        rows: Number(rows.n),
        sum: Math.round(Number(rows.s) * 100) / 100,
        logged: Number(logged.n),
      };
    } finally {
      await gateway.onModuleDestroy();
    }
  }

  it(`should append each key's rows at most once over ${ROUNDS} simultaneous pairs`, async () => {
    const statuses: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { country, body, sum } = uploadOf(round);
      const key = `replicas-${round}`;
      const answers = await Promise.all([upload(0, body, key), upload(1, body, key)]);
      statuses.push(answers.map(({ status }) => status).join('/'));
      for (const { status } of answers) {
        expect([201, 409]).toContain(status);
      }
      const created = answers.filter(({ status }) => status === 201);
      for (const answer of created) {
        expect(answer.body).toEqual(created[0].body);
      }
      expect(await stored(country, key)).toEqual(
        created.length > 0 ? { rows: ROWS, sum, logged: 1 } : { rows: 0, sum: 0, logged: 0 },
      );

      // Once both have answered, a retry on either replica gets the first 201 and adds nothing.
      const retry = await upload(round % 2, body, key).expect(201);
      if (created.length > 0) {
        expect(retry.body).toEqual(created[0].body);
      }
      expect(retry.body).toMatchObject({ appendedRows: ROWS });
      expect(await stored(country, key)).toEqual({ rows: ROWS, sum, logged: 1 });
    }
    // The claim lets one of each pair through in nearly every round (never both).
    expect(statuses.filter((pair) => pair.includes('201')).length).toBeGreaterThan(ROUNDS / 2);
  }, 120_000);

  it('should store one of two different bodies sent with one key at once, and refuse the other', async () => {
    const first = uploadOf(ROUNDS, 1);
    const second = uploadOf(ROUNDS, 2);
    const key = 'replicas-different-bodies';
    const answers = await Promise.all([upload(0, first.body, key), upload(1, second.body, key)]);
    for (const { status } of answers) {
      expect([201, 409, 422]).toContain(status);
    }
    const created = answers.findIndex(({ status }) => status === 201);
    const rows = await stored(first.country, key);
    if (created === -1) {
      expect(rows).toEqual({ rows: 0, sum: 0, logged: 0 });
    } else {
      expect(rows).toEqual({ rows: ROWS, sum: [first, second][created].sum, logged: 1 });
      // The other body with that key is refused from then on, on either replica.
      await upload(1 - created, [first, second][1 - created].body, key).expect(422);
      expect(await stored(first.country, key)).toEqual(rows);
    }
  });
});
