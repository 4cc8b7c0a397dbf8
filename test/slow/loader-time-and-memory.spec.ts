import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEFAULT_CSV_FORMAT } from 'src/data/csv/csv-format';
import { CsvLoadError } from 'src/data/csv/csv-load.error';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';

/*
 * Slow suite: wall-clock and memory bounds, kept out of the unit suites. The bounds are generous
 * (several times what an idle machine needs) so that a busy machine does not fail them; what
 * they catch is a loader that buffers a whole line or file instead of stopping at the limit.
 */

const MIB = 2 ** 20;
/** An idle machine stops in well under a second and grows by a few MiB. */
const MAX_SECONDS = 30;
const MAX_RSS_GROWTH_BYTES = 400 * MIB;

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'loader-bounds-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('CSV loader time and memory', () => {
  it('should give up on a 100 MB line quickly and without buffering it', async () => {
    const file = join(tmp, 'one-long-line.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, 'country,value,fecha\nAR,1,01/01/2024\nAR,');
    const block = Buffer.alloc(MIB, '9');
    for (let i = 0; i < 100; i++) {
      writeSync(fd, block);
    }
    closeSync(fd);
    const rssBefore = process.memoryUsage().rss;
    const started = process.hrtime.bigint();

    const error = await loadSalesCsv(file, { format: DEFAULT_CSV_FORMAT }).catch(
      (caught: unknown) => caught,
    );

    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const growth = process.memoryUsage().rss - rssBefore;
    expect(error).toBeInstanceOf(CsvLoadError);
    expect((error as CsvLoadError).kind).toBe('record-too-long');
    expect(seconds).toBeLessThan(MAX_SECONDS);
    expect(growth).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  });
});
