import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_CSV_FORMAT } from 'src/data/csv/csv-format';
import { CsvLoadError } from 'src/data/csv/csv-load.error';
import { UploadPartBuilder, type UploadPartOptions } from 'src/data/workers/upload-part-builder';
import { type DatasetQuery, type MetricSpec, parseMetricName } from 'src/engine';

const STRICT: UploadPartOptions = {
  format: DEFAULT_CSV_FORMAT,
  lenient: false,
  maxReportedDefects: 100,
};

const QUERY: DatasetQuery = {
  countries: null,
  years: null,
  fromDay: null,
  toDay: null,
  groupByCountry: true,
  period: 'month',
  metrics: ['count', 'sum', 'mean', 'median', 'max'].map(
    (name) => parseMetricName(name) as MetricSpec,
  ),
};

/** `rows` rows over AR, CL and UY in January to March 2026, values in cents. */
function uploadCsv(rows: number): string {
  const lines = ['country,value,fecha'];
  for (let r = 0; r < rows; r++) {
    const value = (((r * 7919) % 100_000) / 100 + 1).toFixed(2);
    lines.push(
      `${['AR', 'CL', 'UY'][r % 3]},${value},${String(1 + (r % 28)).padStart(2, '0')}/0${1 + (r % 3)}/2026`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe(UploadPartBuilder.name, () => {
  let sut: UploadPartBuilder;
  let tmp: string;

  // One thread for the suite: starting one from source compiles the loader and the engine again.
  beforeAll(() => {
    sut = new UploadPartBuilder();
    tmp = mkdtempSync(join(tmpdir(), 'upload-part-'));
  });

  afterAll(() => {
    sut.onModuleDestroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  function staged(name: string, text: string): string {
    const file = join(tmp, name);
    writeFileSync(file, text);
    return file;
  }

  it('should build, on its thread, the rows and answers of the upload with its hash', async () => {
    const text = uploadCsv(3_000);
    const part = await sut.build(staged('ok.csv', text), STRICT);

    expect(part.table.rowCount).toBe(3_000);
    expect(part.rejectedRows).toBe(0);
    expect(part.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(part.table.countryRows()).toEqual([
      { code: 'AR', rows: 1_000 },
      { code: 'CL', rows: 1_000 },
      { code: 'UY', rows: 1_000 },
    ]);
    const answer = part.table.query(QUERY);
    // AR's rows are r = 0, 3, 6, ...: January holds r ≡ 0 (mod 3), so every AR row.
    const arJanuary = answer.groups.find(
      ({ country, period }) => country === 'AR' && period !== null,
    );
    expect(arJanuary?.rows).toBe(1_000);
    const values = Array.from({ length: 1_000 }, (_, i) => ((i * 3 * 7919) % 100_000) / 100 + 1);
    expect(arJanuary?.values[0]).toBe(1_000);
    expect(arJanuary?.values[4]).toBe(Math.max(...values));
  }, 120_000);

  it('should reject a defective upload with the loader error, listing every defect', async () => {
    const text = 'country,value,fecha\nAR,12.50,01/01/2026\nCL,abc,02/01/2026\nUY,3,31/02/2026\n';
    const failure = sut.build(staged('bad.csv', text), STRICT);

    await expect(failure).rejects.toBeInstanceOf(CsvLoadError);
    const error = (await failure.catch((e: unknown) => e)) as CsvLoadError;
    expect(error.kind).toBe('defective-rows');
    expect(error.totalDefects).toBe(2);
    expect(error.defects.map(({ line, column }) => ({ line, column }))).toEqual([
      { line: 3, column: 'value' },
      { line: 4, column: 'fecha' },
    ]);
  }, 120_000);

  it('should skip and count defective rows of a lenient dataset', async () => {
    const text = 'country,value,fecha\nAR,12.50,01/01/2026\nCL,abc,02/01/2026\nUY,3,03/01/2026\n';
    const part = await sut.build(staged('lenient.csv', text), { ...STRICT, lenient: true });

    expect(part.table.rowCount).toBe(2);
    expect(part.rejectedRows).toBe(1);
  }, 120_000);
});
