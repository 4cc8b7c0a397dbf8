import { Logger } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runImportCommand, type CommandOutput } from 'src/cli/import-command';
import { buildDataConfig } from 'src/config/data.config';
import { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import { clickHouseTools, testClickHouseUrl, uniqueDatabase } from 'test/support/clickhouse';
import { FIXTURES } from 'test/support/test-app';

/*
 * `npm run import` against the run's ClickHouse server: the loader's defect report, all or
 * nothing, idempotency by SHA-256, progress lines when not on a terminal.
 */
const SALES = join(FIXTURES, 'e2e', 'sales.csv');
const SALES_ROWS = 10;

class CapturedOutput implements CommandOutput {
  readonly isTTY = false;
  out = '';
  err = '';
  write(text: string): void {
    this.out += text;
  }
  error(text: string): void {
    this.err += text;
  }
}

describe('npm run import', () => {
  const folder = mkdtempSync(join(tmpdir(), 'import-command-'));
  const database = uniqueDatabase('import');
  let env: Record<string, string>;

  const rowsInTable = async (): Promise<number> => {
    const { gateway } = clickHouseTools(env);
    try {
      const [{ n }] = await gateway.rows<{ n: string }>(
        `SELECT count() AS n FROM ${database}.sales`,
      );
      return Number(n);
    } finally {
      await gateway.onModuleDestroy();
    }
  };

  beforeAll(() => {
    Logger.overrideLogger(false);
    env = {
      DATA_BACKEND: 'clickhouse',
      CLICKHOUSE_URL: testClickHouseUrl(),
      CLICKHOUSE_DATABASE: database,
    };
  });

  afterAll(async () => {
    const { gateway } = clickHouseTools(env);
    await gateway.command(`DROP DATABASE IF EXISTS ${database}`);
    await gateway.onModuleDestroy();
    rmSync(folder, { recursive: true, force: true });
  });

  it('should import a file, with progress lines, then add nothing for the same bytes', async () => {
    const first = new CapturedOutput();
    await expect(
      runImportCommand(['--dataset', 'sales', '--file', SALES], env, first),
    ).resolves.toBe(0);
    expect(first.out).toMatch(/inserting: 100% \(10\/10 rows, \d+ rows\/s, ETA 0\.0 s\)/);
    expect(first.out).toContain(`Imported ${SALES_ROWS} rows into 'sales'`);
    expect(await rowsInTable()).toBe(SALES_ROWS);

    // Same bytes under another name: still the same file.
    const copy = join(folder, 'renamed.csv');
    copyFileSync(SALES, copy);
    const second = new CapturedOutput();
    await expect(
      runImportCommand(['--dataset', 'sales', '--file', copy], env, second),
    ).resolves.toBe(0);
    expect(second.out).toMatch(
      /Already imported: a file with sha256 [0-9a-f]{64} is in 'sales'; nothing added/,
    );
    expect(await rowsInTable()).toBe(SALES_ROWS);
  });

  it('should give the dataset a new version id when an import adds rows, and only then', async () => {
    // A fresh repository each time, so no cached summary hides the change.
    const currentVersion = async (): Promise<string> => {
      const { gateway } = clickHouseTools(env);
      try {
        return await new ClickHouseDatasetRepository(gateway, buildDataConfig(env)).versionOf(
          'sales',
        );
      } finally {
        await gateway.onModuleDestroy();
      }
    };
    await runImportCommand(['--dataset', 'sales', '--file', SALES], env, new CapturedOutput());
    const before = await currentVersion();
    expect(before).toMatch(/^[0-9a-f]{16}$/);

    await runImportCommand(['--dataset', 'sales', '--file', SALES], env, new CapturedOutput());
    await expect(currentVersion()).resolves.toBe(before);

    const more = join(folder, 'more.csv');
    writeFileSync(more, 'country,value,fecha\nPE,7,03/03/2024\n');
    const output = new CapturedOutput();
    await expect(
      runImportCommand(['--dataset', 'sales', '--file', more], env, output),
    ).resolves.toBe(0);
    await expect(currentVersion()).resolves.not.toBe(before);
  });

  it('should refuse a defective file with the loader report and add none of its rows', async () => {
    const defective = join(folder, 'defective.csv');
    writeFileSync(
      defective,
      'country,value,fecha\nAR,10,01/01/2024\nCL,abc,02/01/2024\nUY,5,31/02/2024\n',
    );
    const before = await rowsInTable();
    const output = new CapturedOutput();
    await expect(
      runImportCommand(['--dataset', 'sales', '--file', defective], env, output),
    ).resolves.toBe(1);
    expect(output.err).toContain('Import refused, nothing added:');
    expect(output.err).toMatch(/defective\.csv.*line 3.*"value"/s);
    expect(output.err).toMatch(/line 4.*"fecha"/s);
    expect(await rowsInTable()).toBe(before);
  });

  it('should refuse dates ClickHouse cannot store, naming their lines, adding nothing', async () => {
    const outside = join(folder, 'outside.csv');
    writeFileSync(
      outside,
      'country,value,fecha\nAR,10,01/01/2024\n\nAR,11,31/12/1969\nAR,12,01/01/2106\n',
    );
    const before = await rowsInTable();
    const output = new CapturedOutput();
    await expect(
      runImportCommand(['--dataset', 'sales', '--file', outside], env, output),
    ).resolves.toBe(1);
    const range = 'is outside the dates ClickHouse stores (1970-01-01 to 2105-12-31)';
    expect(output.err).toContain(`${outside}: 2 defective rows`);
    expect(output.err).toContain(`line 4, column "fecha": "31/12/1969" ${range}`);
    expect(output.err).toContain(`line 5, column "fecha": "01/01/2106" ${range}`);
    expect(await rowsInTable()).toBe(before);
  });

  it('should store the first and last dates ClickHouse holds as those very days', async () => {
    const edges = join(folder, 'edges.csv');
    writeFileSync(edges, 'country,value,fecha\nEC,1,01/01/1970\nEC,2,31/12/2105\n');
    await expect(
      runImportCommand(['--dataset', 'sales', '--file', edges], env, new CapturedOutput()),
    ).resolves.toBe(0);
    const { gateway } = clickHouseTools(env);
    try {
      const [stored] = await gateway.rows<{ first: string; last: string }>(
        `SELECT toUInt32(min(date)) AS first, toUInt32(max(date)) AS last FROM ${database}.sales ` +
          "WHERE country = 'EC'",
      );
      // Days since 1970-01-01, computed by the platform's calendar.
      expect(Number(stored.first)).toBe(0);
      expect(Number(stored.last)).toBe(Date.UTC(2105, 11, 31) / 86_400_000);
      const summary = await new ClickHouseDatasetRepository(gateway, buildDataConfig(env)).summary(
        'sales',
      );
      expect(summary.dateRange).toEqual({ from: '1970-01-01', to: '2105-12-31' });
    } finally {
      await gateway.onModuleDestroy();
    }
  });

  it.each([
    [['--file', SALES], '--dataset is required'],
    [['--dataset', 'sales'], '--file is required'],
    [['--dataset', 'sales', '--file', SALES, '--force'], "Unknown option '--force'"],
  ])('should explain wrong usage %j', async (argv, message) => {
    const output = new CapturedOutput();
    await expect(runImportCommand(argv, env, output)).resolves.toBe(2);
    expect(output.err).toContain(message);
    expect(output.err).toContain('Usage: npm run import -- --dataset <name> --file <path.csv>');
  });

  it('should refuse a dataset that is not in ClickHouse', async () => {
    const output = new CapturedOutput();
    const memoryEnv = { ...env, DATA_BACKEND: 'memory' };
    await expect(
      runImportCommand(['--dataset', 'sales', '--file', SALES], memoryEnv, output),
    ).resolves.toBe(1);
    expect(output.err).toContain("Dataset 'sales' is not a ClickHouse dataset");
  });

  it('should run as the npm script and say when ClickHouse is down', async () => {
    const run = promisify(execFile);
    const failure = await run(
      'npm',
      ['run', '--silent', 'import', '--', '--dataset', 'sales', '--file', SALES],
      {
        cwd: resolve(__dirname, '..', '..'),
        env: {
          ...process.env,
          ...env,
          CLICKHOUSE_URL: 'http://127.0.0.1:9',
          CLICKHOUSE_TIMEOUT_MS: '1000',
        },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain(
      'Import refused, nothing added: ClickHouse is unavailable: no answer from http://127.0.0.1:9 (ECONNREFUSED)',
    );
  });
});
