import { Logger } from '@nestjs/common';
import { buildClickHouseConfig } from 'src/config/clickhouse.config';
import { KeyClaims } from 'src/data/clickhouse/clickhouse-key-claims';
import { migrateClickHouse } from 'src/data/clickhouse/clickhouse-schema';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { IdempotencyKeyInFlightError } from 'src/data/errors/idempotency.errors';
import { failAt } from 'test/clickhouse/fail-at';
import { testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';

/*
 * Claims on Idempotency-Keys, as two replicas (two processes: two clients and two claim sets)
 * make them in one ClickHouse database, against the real server.
 */
const TTL_MS = 5_000;

describe('claims on Idempotency-Keys shared by replicas', () => {
  const database = uniqueDatabase('key_claims');
  const gateways: ClickHouseGateway[] = [];
  let keys = 0;
  const nextKey = (): string => `claims-key-${keys++}`;

  function replica(): { gateway: ClickHouseGateway; claims: KeyClaims } {
    const gateway = new ClickHouseGateway(
      buildClickHouseConfig({
        CLICKHOUSE_URL: testClickHouseUrl(),
        CLICKHOUSE_DATABASE: database,
        CLICKHOUSE_KEY_CLAIM_TTL_MS: String(TTL_MS),
      }),
    );
    gateways.push(gateway);
    return { gateway, claims: new KeyClaims(gateway) };
  }

  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await migrateClickHouse(replica().gateway, database, []);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  afterAll(async () => {
    await gateways[0].command(`DROP DATABASE IF EXISTS ${database}`);
    for (const gateway of gateways) {
      await gateway.onModuleDestroy();
    }
  });

  it('should refuse a key another replica holds, and grant it once released', async () => {
    const [a, b] = [replica(), replica()];
    const key = nextKey();
    const held = await a.claims.claim('sales', key);
    await expect(b.claims.claim('sales', key)).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    // Another dataset's key of the same name is another key.
    await (await b.claims.claim('other', key)).release();
    await held.release();
    const next = await b.claims.claim('sales', key);
    await expect(a.claims.claim('sales', key)).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    await next.release();
  });

  it('should let exactly one of many simultaneous claims through', async () => {
    const contenders = Array.from({ length: 6 }, () => replica());
    for (let round = 0; round < 5; round++) {
      const key = nextKey();
      const outcomes = await Promise.allSettled(
        contenders.map(({ claims }) => claims.claim('sales', key)),
      );
      const granted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      expect(granted.length).toBeLessThanOrEqual(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(IdempotencyKeyInFlightError);
        } else {
          await outcome.value.release();
        }
      }
    }
  });

  it('should let a claim left by a crashed replica lapse after the TTL, and make its holder give way', async () => {
    const [crashed, b] = [replica(), replica()];
    const key = nextKey();
    const left = await crashed.claims.claim('sales', key);
    const claimedAt = Date.now();
    await expect(b.claims.claim('sales', key)).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    await pause(TTL_MS + 1_000 - (Date.now() - claimedAt));
    const taken = await b.claims.claim('sales', key);
    // The old holder, had it been only slow, finds the key taken when it renews before writing.
    await expect(left.renewIfOld()).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    // A fresh claim needs no renewal.
    expect(await taken.renewIfOld()).toBe(false);
    expect(() => taken.checkDeadline()).not.toThrow();
    await taken.release();
  });

  it('should stop a holder whose claim may have lapsed, until it renews it', async () => {
    const { claims } = replica();
    const claim = await claims.claim('sales', nextKey());
    // TTL less the 3 s margin: 2 s to start the last attach; past half the TTL, renewal is due.
    await pause(2_600);
    expect(() => claim.checkDeadline()).toThrow(ClickHouseUnavailableError);
    expect(await claim.renewIfOld()).toBe(true);
    expect(() => claim.checkDeadline()).not.toThrow();
    await claim.release();
  });

  it('should not let its own unreleased claim block a later request of the same process', async () => {
    const [a, b] = [replica(), replica()];
    const key = nextKey();
    const first = await a.claims.claim('sales', key);
    failAt(a.gateway, /key_claims/);
    await first.release();
    jest.restoreAllMocks();
    // The release failed: the claim is still live in ClickHouse, for the other replica only.
    await expect(b.claims.claim('sales', key)).rejects.toBeInstanceOf(IdempotencyKeyInFlightError);
    const again = await a.claims.claim('sales', key);
    await again.release();
  });
});
