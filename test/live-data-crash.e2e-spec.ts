import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../scripts/generate-sample-data';
import { ensureBuilt, startBuiltServer, type BuiltServer } from 'test/support/built-server';
import { clickHouseBackedDefault } from 'test/support/clickhouse';
import { FIXTURES } from 'test/support/test-app';

/*
 * Uploads stream into a built server that is killed with SIGKILL at random instants, then
 * restarted. Every upload gets its own country code, so the rows present after the last restart
 * say exactly which uploads survived and whether any survived in part.
 */
const KEY = 'crash-test-key-0123456789abcdef0123456789';
const BASE_ROWS = 10;
// test/fixtures/e2e/sales.csv: 100 + 50 + 80 + 200 + 150 + 1000 + 400 + 250.5 + 300 + 120.
const BASE_SUM = 2650.5;
const MIN_KILLS = 10;
// The ClickHouse rerun asks for fewer: each of its uploads is several statements on the server.
const MIN_UPLOADS = Number(process.env.CRASH_TEST_MIN_UPLOADS ?? 50);

interface Upload {
  readonly key: string;
  readonly country: string;
  readonly rows: number;
  readonly sum: number;
  readonly body: string;
  acknowledged: boolean;
}

/** The base file's countries: an upload under one of them would count the base rows as its own. */
const BASE_COUNTRIES = new Set(['AR', 'BR', 'CL', 'UY']);
/** Every two-letter code from QA on (then wrapping round to AA), without the base file's. */
const UPLOAD_COUNTRIES = Array.from({ length: 26 * 26 }, (_, i) => {
  const n = (i + 16 * 26) % (26 * 26);
  return String.fromCharCode(65 + Math.floor(n / 26), 65 + (n % 26));
}).filter((code) => !BASE_COUNTRIES.has(code));

function countryOf(i: number): string {
  if (i >= UPLOAD_COUNTRIES.length) {
    throw new Error(`more uploads (${i + 1}) than distinct country codes`);
  }
  return UPLOAD_COUNTRIES[i];
}

function makeUpload(i: number, next: () => number): Upload {
  const rows = 200 + Math.floor(next() * 3000);
  const lines = ['country,value,fecha'];
  let cents = 0;
  for (let r = 0; r < rows; r++) {
    const value = 1 + Math.floor(next() * 100_000);
    cents += value;
    lines.push(
      `${countryOf(i)},${(value / 100).toFixed(2)},${String(1 + (r % 28)).padStart(2, '0')}/06/2026`,
    );
  }
  return {
    key: `crash-${i}`,
    country: countryOf(i),
    rows,
    sum: cents / 100,
    body: `${lines.join('\n')}\n`,
    acknowledged: false,
  };
}

describe('live data under SIGKILL', () => {
  const seed = Number(process.env.CRASH_TEST_SEED ?? Date.now() % 1_000_000);
  let folder: string;
  let env: Record<string, string>;
  let current: BuiltServer | null = null;

  beforeAll(async () => {
    ensureBuilt();
    folder = mkdtempSync(join(tmpdir(), 'live-data-crash-'));
    copyFileSync(join(FIXTURES, 'e2e', 'sales.csv'), join(folder, 'sales.csv'));
    env = {
      API_KEYS: KEY,
      DATA_PATH: join(folder, 'sales.csv'),
      DATA_DIR: join(folder, 'parts'),
      RESPONSE_CACHE_ENTRIES: '0',
    };
    // Rerun on ClickHouse (test/clickhouse/): the file imported into a fresh database serves.
    env = { ...env, ...(await clickHouseBackedDefault(env)) };
  });

  afterAll(async () => {
    if (current !== null && current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it(`should keep every acknowledged upload exactly once and no upload in part (seed ${seed})`, async () => {
    // Seeded (mulberry32), so a failing run can be replayed from its seed.
    const next = mulberry32(seed);
    const uploads: Upload[] = [];
    const refusals: string[] = [];
    let kills = 0;
    while (kills < MIN_KILLS || uploads.length < MIN_UPLOADS) {
      const server: BuiltServer = await startBuiltServer(env);
      current = server;
      const base = `http://127.0.0.1:${server.port}`;
      let alive = true;
      void server.exited.then(() => (alive = false));
      // The kill lands anywhere in the stream: while a body is sent, validated, fsynced or logged.
      setTimeout(() => server.child.kill('SIGKILL'), 100 + Math.floor(next() * 900));
      while (alive) {
        const upload = makeUpload(uploads.length, next);
        uploads.push(upload);
        try {
          const response = await fetch(`${base}/v1/datasets/sales/rows`, {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${KEY}`,
              'Content-Type': 'text/csv',
              'Idempotency-Key': upload.key,
            },
            body: upload.body,
          });
          if (response.status === 201) {
            const answer = (await response.json()) as { appendedRows: number };
            expect(answer.appendedRows).toBe(upload.rows);
            upload.acknowledged = true;
          } else {
            refusals.push(`${upload.key}: ${response.status} ${await response.text()}`);
          }
        } catch (error) {
          // A failed request is expected only from the kill: the server must be gone soon after.
          const died = await Promise.race([
            server.exited.then(() => true),
            new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
          ]);
          if (!died) {
            throw error;
          }
          // The connection died with the server: this upload was never acknowledged.
        }
      }
      expect((await server.exited).signal).toBe('SIGKILL');
      kills++;
    }

    const server = await startBuiltServer(env);
    current = server;
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const summary = (await (await fetch(`${base}/v1/datasets/sales`)).json()) as {
        rows: number;
        countries: { code: string; rows: number }[];
      };
      const rowsOf = new Map(summary.countries.map(({ code, rows }) => [code, rows]));
      const history = (await (await fetch(`${base}/v1/datasets/sales/versions`)).json()) as {
        versions: { idempotencyKey: string | null }[];
      };
      const keys = history.versions.map(({ idempotencyKey }) => idempotencyKey);
      let expectedRows = BASE_ROWS;
      let expectedSum = BASE_SUM;
      for (const upload of uploads) {
        const present = rowsOf.get(upload.country) ?? 0;
        const logged = keys.filter((key) => key === upload.key).length;
        if (upload.acknowledged) {
          expect({ key: upload.key, present, logged }).toEqual({
            key: upload.key,
            present: upload.rows,
            logged: 1,
          });
        } else {
          expect([0, upload.rows]).toContain(present);
          expect(logged).toBe(present === 0 ? 0 : 1);
        }
        if (present > 0) {
          expectedRows += upload.rows;
          expectedSum += upload.sum;
        }
      }
      const acknowledged = uploads.filter(({ acknowledged }) => acknowledged).length;
      expect(refusals).toEqual([]);
      expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(uploads.length).toBeGreaterThanOrEqual(MIN_UPLOADS);
      expect(acknowledged).toBeGreaterThan(0);
      expect(summary.rows).toBe(expectedRows);
      const totals = (await (
        await fetch(`${base}/v1/datasets/sales/analysis?metrics=count,sum&groupBy=none`)
      ).json()) as { results: { count: number; sum: number }[] };
      expect(totals.results[0].count).toBe(expectedRows);
      expect(totals.results[0].sum).toBeCloseTo(expectedSum, 6);
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }, 600_000);
});
