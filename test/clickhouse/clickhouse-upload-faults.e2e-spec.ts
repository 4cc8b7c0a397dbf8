import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClickHouseConfig } from 'src/config/clickhouse.config';
import { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import { ClickHouseDatasetWriter } from 'src/data/clickhouse/clickhouse-dataset.writer';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { IdempotencyKeyInFlightError } from 'src/data/errors/idempotency.errors';
import { DataGeneration } from 'src/data/live/data-generation';
import { SHARD_DATABASES, TEST_CLUSTER } from 'test/clickhouse/clickhouse-server';
import { failAt } from 'test/clickhouse/fail-at';
import { dropSuiteStorage, oneClickHouseDataset } from 'test/clickhouse/fault-suite';
import { testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';

/*
 * An upload to a ClickHouse dataset failing at each step, against the real server: ClickHouse
 * refusing a statement (as when it goes down), or the process dying there (the writer is dropped
 * and a new one starts on the same database, as after a restart). After each, the rows are in the
 * table once or not at all, and a retry with the same key ends with them there exactly once.
 */
const ROWS = 1_000;
/** Claims on keys lapse this fast here, so that a retry after a "crash" need not wait long. */
const CLAIM_TTL_MS = 6_000;

/**
 * An upload of ROWS rows over six countries named after `prefix` (so that on a cluster they land
 * on both shards), whose sum is known.
 */
function uploadOf(prefix: string, seed: number): { body: string; sum: number } {
  const lines = ['country,value,fecha'];
  let cents = 0;
  for (let r = 0; r < ROWS; r++) {
    const value = 100 + ((r * 7919 + seed) % 100_000);
    cents += value;
    const country = `${prefix}${'ABCDEF'[r % 6]}`;
    const day = String(1 + (r % 28)).padStart(2, '0');
    lines.push(`${country},${(value / 100).toFixed(2)},${day}/06/2026`);
  }
  return { body: `${lines.join('\n')}\n`, sum: cents / 100 };
}

describe.each([
  { topology: 'one table', cluster: null },
  { topology: `two shards (${TEST_CLUSTER})`, cluster: TEST_CLUSTER },
])('failed uploads to a ClickHouse dataset: $topology', ({ cluster }) => {
  const database = uniqueDatabase('upload_faults');
  const folder = mkdtempSync(join(tmpdir(), 'upload-faults-'));
  const table = `faults_${cluster ? 'cluster' : 'plain'}`;
  const { data } = oneClickHouseDataset('faults', table, cluster);
  const gateways: ClickHouseGateway[] = [];
  let staged = 0;
  let uploads = 0;
  /** A first letter no other upload of the suite uses. */
  const nextPrefix = (): string => String.fromCharCode(65 + uploads++);

  /** A writer as a fresh process builds it: its own client, repository and recovery. */
  async function start(): Promise<{
    gateway: ClickHouseGateway;
    repository: ClickHouseDatasetRepository;
    writer: ClickHouseDatasetWriter;
  }> {
    const gateway = new ClickHouseGateway(
      buildClickHouseConfig({
        CLICKHOUSE_URL: testClickHouseUrl(),
        CLICKHOUSE_DATABASE: database,
        CLICKHOUSE_KEY_CLAIM_TTL_MS: String(CLAIM_TTL_MS),
      }),
    );
    gateways.push(gateway);
    const repository = new ClickHouseDatasetRepository(gateway, data);
    await repository.onModuleInit();
    const writer = new ClickHouseDatasetWriter(gateway, repository, new DataGeneration());
    await writer.onApplicationBootstrap();
    return { gateway, repository, writer };
  }

  function stage(body: string): { file: string; sha256: string } {
    const file = join(folder, `upload-${staged++}.csv`);
    writeFileSync(file, body);
    return { file, sha256: createHash('sha256').update(body).digest('hex') };
  }

  async function rowsOf(
    gateway: ClickHouseGateway,
    prefix: string,
  ): Promise<{ n: number; sum: number }> {
    const [row] = await gateway.rows<{ n: string; s: number }>(
      `SELECT count() AS n, sum(value) AS s FROM ${database}.${table} ` +
        `WHERE substring(country, 1, 1) = '${prefix}'`,
    );
    return { n: Number(row.n), sum: Math.round(Number(row.s) * 100) / 100 };
  }

  async function stagingTables(gateway: ClickHouseGateway): Promise<string[]> {
    const rows = await gateway.rows<{ qualified: string }>(
      `SELECT database || '.' || name AS qualified FROM system.tables ` +
        `WHERE database IN ('${database}', '${SHARD_DATABASES.join("', '")}') AND name LIKE 'upload%'`,
    );
    return rows.map(({ qualified }) => qualified);
  }

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await dropSuiteStorage(gateways, { database, table, cluster });
    rmSync(folder, { recursive: true, force: true });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each([
    ['while staging the rows', /^INSERT INTO .*upload_/],
    ['at the attach', /ATTACH PARTITION/],
    ['when recording the write as pending', /^INSERT INTO .*versions.*'pending'/],
  ])(
    'should store nothing when ClickHouse fails %s, and store the retry exactly once',
    async (_step, pattern) => {
      const { gateway, writer } = await start();
      const country = nextPrefix();
      const { body, sum } = uploadOf(country, uploads);
      const injected = failAt(gateway, pattern);
      await expect(writer.append('faults', stage(body), `key-${country}`)).rejects.toBeInstanceOf(
        ClickHouseUnavailableError,
      );
      expect(injected.fired()).toBe(true);
      expect(await rowsOf(gateway, country)).toEqual({ n: 0, sum: 0 });
      const retry = await writer.append('faults', stage(body), `key-${country}`);
      expect(retry).toMatchObject({ replayed: false, record: { rowsAdded: ROWS } });
      expect(await rowsOf(gateway, country)).toEqual({ n: ROWS, sum });
      const again = await writer.append('faults', stage(body), `key-${country}`);
      expect(again).toEqual({ replayed: true, record: retry.record });
      expect(await rowsOf(gateway, country)).toEqual({ n: ROWS, sum });
      expect(await stagingTables(gateway)).toEqual([]);
    },
  );

  it('should answer the retry of an upload whose rows landed before its commit failed with its first answer', async () => {
    const { gateway, writer, repository } = await start();
    const prefix = nextPrefix();
    const { body, sum } = uploadOf(prefix, uploads);
    failAt(gateway, /^INSERT INTO .*versions.*'committed'/);
    await expect(writer.append('faults', stage(body), `key-${prefix}`)).rejects.toBeInstanceOf(
      ClickHouseUnavailableError,
    );
    const retry = await writer.append('faults', stage(body), `key-${prefix}`);
    expect(retry.replayed).toBe(true);
    expect(retry.record.rowsAdded).toBe(ROWS);
    expect(await rowsOf(gateway, prefix)).toEqual({ n: ROWS, sum });
    const history = await writer.history('faults');
    expect(history.filter(({ idempotencyKey }) => idempotencyKey === `key-${prefix}`)).toEqual([
      retry.record,
    ]);
    repository.forget('faults');
    expect((await repository.summary('faults')).version).toBe(history.at(-1)?.version);
  });

  const deaths: [string, RegExp, number][] = [
    ['after the attach, before the commit', /^INSERT INTO .*versions.*'committed'/, ROWS],
    ['before the attach', /ATTACH PARTITION/, 0],
    ...(cluster
      ? ([['between the two shards’ attaches', /`shard_2`\.\S+ ATTACH PARTITION/, ROWS]] as [
          string,
          RegExp,
          number,
        ][])
      : []),
  ];
  it.each(deaths)(
    'should settle an upload whose process died %s at the next start: whole or absent, logged once',
    async (_step, pattern, expected) => {
      const crashed = await start();
      const country = nextPrefix();
      const { body, sum } = uploadOf(country, uploads);
      // The process "dies" at that statement: nothing after it runs, not even the clean-up.
      failAt(crashed.gateway, pattern, true);
      await expect(
        crashed.writer.append('faults', stage(body), `key-${country}`),
      ).rejects.toBeInstanceOf(ClickHouseUnavailableError);
      jest.restoreAllMocks();
      // What the crash left: all rows, none, or (between two shards) some of them.
      const left = (await rowsOf(crashed.gateway, country)).n;
      const served = async (
        repository: ClickHouseDatasetRepository,
      ): Promise<{ rows: number; history: number }> => {
        repository.forget('faults');
        const summary = await repository.summary('faults');
        const rows = summary.countries
          .filter(({ code }) => code.startsWith(country))
          .reduce((total, { rows: n }) => total + n, 0);
        return { rows, history: (await crashed.writer.history('faults')).at(-1)?.rows ?? 0 };
      };
      if (pattern.source.includes('shard_2')) {
        expect(left).toBeGreaterThan(0);
        expect(left).toBeLessThan(ROWS);
        // Readers see none of a write attached on one shard only: it is not committed.
        const before = await served(crashed.repository);
        expect(before.rows).toBe(0);
        crashed.repository.forget('faults');
        expect((await crashed.repository.summary('faults')).rows).toBe(before.history);
      } else {
        expect(left).toBe(expected);
      }

      const { gateway, writer } = await start();
      expect(await rowsOf(gateway, country)).toEqual(
        expected === 0 ? { n: 0, sum: 0 } : { n: ROWS, sum },
      );
      const logged = (await writer.history('faults')).filter(
        ({ idempotencyKey }) => idempotencyKey === `key-${country}`,
      );
      expect(logged.length).toBe(expected === 0 ? 0 : 1);
      expect(await stagingTables(gateway)).toEqual([]);
      // The dead process still holds the key: a retry gets 409 until its claim lapses.
      const died = Date.now();
      await expect(writer.append('faults', stage(body), `key-${country}`)).rejects.toBeInstanceOf(
        IdempotencyKeyInFlightError,
      );
      await new Promise((resolve) =>
        setTimeout(resolve, CLAIM_TTL_MS + 1_000 - (Date.now() - died)),
      );
      const retry = await writer.append('faults', stage(body), `key-${country}`);
      expect(retry.replayed).toBe(expected !== 0);
      expect(await rowsOf(gateway, country)).toEqual({ n: ROWS, sum });
    },
  );

  it('should keep the history consistent with the table', async () => {
    const { gateway, writer, repository } = await start();
    const history = await writer.history('faults');
    const [{ n }] = await gateway.rows<{ n: string }>(
      `SELECT count() AS n FROM ${database}.${table}`,
    );
    expect(history.at(-1)?.rows).toBe(Number(n));
    expect(history.reduce((total, { rowsAdded }) => total + rowsAdded, 0)).toBe(Number(n));
    expect((await repository.summary('faults')).version).toBe(history.at(-1)?.version);
  });
});
