import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { DEFAULT_CSV_FORMAT } from 'src/data/csv/csv-format';
import { loadSalesCsv, type SalesCsvLoadOptions } from 'src/data/csv/sales-csv-loader';
import { HashingChunkReader } from 'src/data/workers/hashing-chunk-reader';

const FIXTURES = resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'csv');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'chunk-reader-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads `file` to the end, copying each chunk at once, as the reader only keeps it briefly. */
async function readAll(
  file: string,
  chunkBytes: number,
  hashInWorker: boolean,
): Promise<{ bytes: Buffer; sizes: number[]; digest: string }> {
  const handle = await open(file, 'r');
  const reader = new HashingChunkReader(handle, { chunkBytes, hashInWorker });
  try {
    const parts: Buffer[] = [];
    for (let chunk = await reader.next(); chunk !== null; chunk = await reader.next()) {
      parts.push(Buffer.from(chunk));
    }
    expect(await reader.next()).toBeNull();
    return {
      bytes: Buffer.concat(parts),
      sizes: parts.map((part) => part.length),
      digest: await reader.digest(),
    };
  } finally {
    reader.close();
    await handle.close();
  }
}

describe('HashingChunkReader', () => {
  const content = Buffer.from(
    Array.from({ length: 5000 }, (_, i) => `AR,${i}.5,01/02/2024\n`).join(''),
  );

  it.each([
    [1 << 20, false],
    [1 << 20, true],
    [100, false],
    // 7-byte chunks wrap around the 32-slot ring many times, mostly ahead of the worker.
    [7, true],
    [4096, true],
  ])(
    'returns every byte in order and its SHA-256 (%s-byte chunks, worker: %s)',
    async (size, inWorker) => {
      const file = join(tmp, `content-${size}-${inWorker}.csv`);
      writeFileSync(file, content);
      const { bytes, sizes, digest } = await readAll(file, size, inWorker);
      expect(bytes.equals(content)).toBe(true);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(size);
      expect(digest).toBe(sha256(content));
    },
  );

  it.each([false, true])('hashes an empty file (worker: %s)', async (inWorker) => {
    const file = join(tmp, `empty-${inWorker}.csv`);
    writeFileSync(file, '');
    const { bytes, digest } = await readAll(file, 64, inWorker);
    expect(bytes.length).toBe(0);
    expect(digest).toBe(sha256(Buffer.alloc(0)));
  });

  it('refuses a digest before the end of the file', async () => {
    const file = join(tmp, 'early.csv');
    writeFileSync(file, content);
    const handle = await open(file, 'r');
    const reader = new HashingChunkReader(handle, { chunkBytes: 16, hashInWorker: true });
    try {
      await reader.next();
      await expect(reader.digest()).rejects.toThrow(/before the end/);
    } finally {
      reader.close();
      await handle.close();
    }
  });
});

describe('loadSalesCsv with the hash on a worker thread', () => {
  const files = ['ok', 'not-ok'].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir)).map((name) => join(FIXTURES, dir, name)),
  );

  /** The whole outcome of a load, error included, as plain data. */
  async function outcome(file: string, options: SalesCsvLoadOptions): Promise<unknown> {
    try {
      const result = await loadSalesCsv(file, options);
      return { ...result, columns: { ...result.columns, values: [...result.columns.values] } };
    } catch (error) {
      return { error: String(error), details: { ...(error as object) } };
    }
  }

  it('loads a file of over a million rows exactly as in line', async () => {
    const file = join(tmp, 'million.csv');
    const lines = Array.from(
      { length: 1_100_000 },
      (_, i) => `${['AR', 'CL', 'UY'][i % 3]},${(i * 7919) % 100_000}.${i % 100},01/02/2024`,
    );
    writeFileSync(file, `country,value,fecha\n${lines.join('\n')}\n`);
    const inLine = await loadSalesCsv(file, {
      format: DEFAULT_CSV_FORMAT,
      hashWorkerMinBytes: Number.MAX_SAFE_INTEGER,
    });
    const inWorker = await loadSalesCsv(file, {
      format: DEFAULT_CSV_FORMAT,
      hashWorkerMinBytes: 0,
    });
    expect(inWorker.sha256).toBe(inLine.sha256);
    expect(inWorker.columns.rowCount).toBe(1_100_000);
    const bytes = (array: ArrayBufferView): Buffer =>
      Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    for (const key of ['countryCodes', 'days', 'values'] as const) {
      expect(bytes(inWorker.columns[key]).equals(bytes(inLine.columns[key]))).toBe(true);
    }
    expect(inWorker.columns.countries).toEqual(inLine.columns.countries);
  });

  it.each(files)('loads %s exactly as in line', async (file) => {
    for (const lenient of [false, true]) {
      for (const chunkBytes of [undefined, 5]) {
        const options = { format: DEFAULT_CSV_FORMAT, lenient, chunkBytes };
        const inLine = await outcome(file, {
          ...options,
          hashWorkerMinBytes: Number.MAX_SAFE_INTEGER,
        });
        const inWorker = await outcome(file, { ...options, hashWorkerMinBytes: 0 });
        expect(inWorker).toEqual(inLine);
      }
    }
  });
});
