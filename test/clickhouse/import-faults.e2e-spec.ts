import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClickHouseConfig } from 'src/config/clickhouse.config';
import { ClickHouseImportService } from 'src/data/clickhouse/clickhouse-import.service';
import { migrateClickHouse } from 'src/data/clickhouse/clickhouse-schema';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { SHARD_DATABASES, TEST_CLUSTER } from 'test/clickhouse/clickhouse-server';
import { failAt } from 'test/clickhouse/fail-at';
import { dropSuiteStorage, oneClickHouseDataset } from 'test/clickhouse/fault-suite';
import { testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';

/*
 * An import stopped part-way (the process dying at a statement: it and every later one fail),
 * then run again by a fresh process, against the real server. The second run completes the
 * import, and every row of the file is stored exactly once, on one table and on two shards.
 */
const ROWS = 3_000;
const COUNTRIES = ['KA', 'KB', 'KC', 'KD', 'KE', 'KF'];

/** A file of ROWS rows over COUNTRIES (which land on both shards) with a distinct value sum. */
function fileOf(seed: number): { body: string; sum: number } {
  const lines = ['country,value,fecha'];
  let cents = 0;
  for (let r = 0; r < ROWS; r++) {
    const value = 100 + ((r * 7919 + seed * 104_729) % 100_000);
    cents += value;
    const day = String(1 + (r % 28)).padStart(2, '0');
    lines.push(`${COUNTRIES[r % COUNTRIES.length]},${(value / 100).toFixed(2)},${day}/03/2025`);
  }
  return { body: `${lines.join('\n')}\n`, sum: cents / 100 };
}

describe.each([
  { topology: 'one table', cluster: null },
  { topology: `two shards (${TEST_CLUSTER})`, cluster: TEST_CLUSTER },
])('an interrupted import run again: $topology', ({ cluster }) => {
  const database = uniqueDatabase('import_faults');
  const folder = mkdtempSync(join(tmpdir(), 'import-faults-'));
  const table = `imports_${randomBytes(4).toString('hex')}`;
  const { config, data } = oneClickHouseDataset('imported', table, cluster);
  const gateways: ClickHouseGateway[] = [];
  let files = 0;

  /** An importer as a fresh `npm run import` process builds it. */
  function start(): { gateway: ClickHouseGateway; importer: ClickHouseImportService } {
    const gateway = new ClickHouseGateway(
      buildClickHouseConfig({ CLICKHOUSE_URL: testClickHouseUrl(), CLICKHOUSE_DATABASE: database }),
    );
    gateways.push(gateway);
    return { gateway, importer: new ClickHouseImportService(gateway, data) };
  }

  function write(body: string): string {
    const file = join(folder, `file-${files++}.csv`);
    writeFileSync(file, body);
    return file;
  }

  async function count(gateway: ClickHouseGateway, from: string): Promise<number> {
    const [{ n }] = await gateway.rows<{ n: string }>(`SELECT count() AS n FROM ${from}`);
    return Number(n);
  }

  /** Rows and sum of the whole dataset, shard by shard, and the file's records in `imports`. */
  async function state(
    gateway: ClickHouseGateway,
    sha256: string,
  ): Promise<{ rows: number; sum: number; perTable: number[]; recorded: number }> {
    const [{ n, s }] = await gateway.rows<{ n: string; s: number }>(
      `SELECT count() AS n, sum(value) AS s FROM ${database}.${table}`,
    );
    const perTable: number[] = [];
    for (const db of cluster ? SHARD_DATABASES : [database]) {
      perTable.push(await count(gateway, `${db}.${table}`));
    }
    return {
      rows: Number(n),
      sum: Math.round(Number(s) * 100) / 100,
      perTable,
      recorded: await count(gateway, `${database}.imports WHERE sha256 = '${sha256}'`),
    };
  }

  async function stagingTables(gateway: ClickHouseGateway): Promise<number> {
    return count(
      gateway,
      `system.tables WHERE database IN ('${database}', '${SHARD_DATABASES.join("', '")}') ` +
        "AND startsWith(name, 'import_')",
    );
  }

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    const [gateway] = gateways;
    await gateway.command(`TRUNCATE TABLE IF EXISTS ${database}.imports`);
    for (const db of cluster ? SHARD_DATABASES : [database]) {
      await gateway.command(`TRUNCATE TABLE IF EXISTS ${db}.${table}`);
    }
  });

  afterAll(async () => {
    await dropSuiteStorage(gateways, { database, table, cluster });
    rmSync(folder, { recursive: true, force: true });
  });

  const tables = cluster ? SHARD_DATABASES.length : 1;
  const stops: [string, RegExp, number][] = [
    ['at its first attach', /ATTACH PARTITION/, 0],
    ...(cluster
      ? ([['between the two shards’ attaches', /`shard_2`\.\S+ ATTACH PARTITION/, 1]] as [
          string,
          RegExp,
          number,
        ][])
      : []),
    ['after its last attach, before it is recorded', /^INSERT INTO `[^`]+`\.`imports` /, tables],
  ];

  it.each(stops)(
    'should store every row once when an import stopped %s is run again',
    async (_step, pattern, attachedBefore) => {
      const { body, sum } = fileOf(files);
      const file = write(body);
      const crashed = start();
      // Tables exist before the crash, so the pattern cannot hit the migrations.
      await migrateClickHouse(crashed.gateway, database, [config]);
      failAt(crashed.gateway, pattern, true);
      await expect(crashed.importer.importFile('imported', file)).rejects.toBeInstanceOf(
        ClickHouseUnavailableError,
      );
      jest.restoreAllMocks();

      const { gateway, importer } = start();
      const { sha256 } = await importer.importFile('imported', file).then((outcome) => {
        expect(outcome).toMatchObject({
          status: 'imported',
          rows: ROWS,
          resumedTables: attachedBefore,
        });
        return outcome;
      });
      const after = await state(gateway, sha256);
      expect({ rows: after.rows, sum: after.sum, recorded: after.recorded }).toEqual({
        rows: ROWS,
        sum,
        recorded: 1,
      });
      if (cluster) {
        // Each shard holds its own countries' rows, none twice.
        expect(after.perTable.every((rows) => rows > 0)).toBe(true);
      }
      expect(await stagingTables(gateway)).toBe(0);

      // A third run adds nothing and says so.
      expect(await importer.importFile('imported', file)).toMatchObject({ status: 'skipped' });
      expect(await state(gateway, sha256)).toEqual(after);
    },
  );

  if (cluster) {
    it('should leave one shard holding the rows when stopped between the two attaches', async () => {
      const { body } = fileOf(files);
      const file = write(body);
      const crashed = start();
      await migrateClickHouse(crashed.gateway, database, [config]);
      failAt(crashed.gateway, /`shard_2`\.\S+ ATTACH PARTITION/, true);
      await expect(crashed.importer.importFile('imported', file)).rejects.toBeInstanceOf(
        ClickHouseUnavailableError,
      );
      jest.restoreAllMocks();
      const { gateway } = start();
      const [first, second] = await Promise.all(
        SHARD_DATABASES.map((db) => count(gateway, `${db}.${table}`)),
      );
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(ROWS);
      expect(second).toBe(0);
    });
  }
});
