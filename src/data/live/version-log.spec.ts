import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VersionLog, VersionLogError, type VersionRecord } from 'src/data/live/version-log';

const record = (n: number, idempotencyKey: string | null = null): VersionRecord => ({
  version: `v${n}`,
  createdAt: '2026-11-30T12:00:00.000Z',
  source: n === 1 ? 'initial' : 'upload',
  rowsAdded: 10,
  rows: 10 * n,
  rejectedRows: 0,
  idempotencyKey,
  sha256: String(n % 10).repeat(64),
  part: n === 1 ? null : `part-00000${n}.csv`,
  baseSha256: 'a'.repeat(64),
});

describe(VersionLog.name, () => {
  let folder: string;
  let file: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'version-log-'));
    file = join(folder, 'versions.jsonl');
  });

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('should read a missing file as an empty log', async () => {
    const sut = await VersionLog.open(file, true);
    expect(sut.entries).toEqual([]);
    expect(sut.latest).toBeUndefined();
  });

  it('should keep appended records across a reopen, in order', async () => {
    const sut = await VersionLog.open(file, true);
    await sut.append(record(1));
    await sut.append(record(2, 'key-2'));
    const reopened = await VersionLog.open(file, true);
    expect(reopened.entries).toEqual([record(1), record(2, 'key-2')]);
    expect(reopened.byIdempotencyKey('key-2')).toEqual(record(2, 'key-2'));
    expect(reopened.byIdempotencyKey('key-3')).toBeUndefined();
  });

  it('should ignore a torn last line and cut it from the file when repairing', async () => {
    writeFileSync(file, `${JSON.stringify(record(1))}\n`);
    appendFileSync(file, JSON.stringify(record(2)).slice(0, 40));
    const readOnly = await VersionLog.open(file, false);
    expect(readOnly.entries).toEqual([record(1)]);
    expect(readFileSync(file, 'utf8')).not.toMatch(/\n$/);
    const repaired = await VersionLog.open(file, true);
    expect(repaired.entries).toEqual([record(1)]);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(record(1))}\n`);
    await repaired.append(record(2));
    expect((await VersionLog.open(file, true)).entries).toEqual([record(1), record(2)]);
  });

  it.each([
    ['a line that is not JSON', '{not json}\n', 'versions.jsonl:2: not a JSON line'],
    ['a record with a bad field', '{"version":"v2"}\n', 'versions.jsonl:2: not a version record'],
  ])('should refuse %s before the last line as corruption', async (_name, bad, message) => {
    writeFileSync(file, `${JSON.stringify(record(1))}\n${bad}${JSON.stringify(record(3))}\n`);
    await expect(VersionLog.open(file, true)).rejects.toBeInstanceOf(VersionLogError);
    await expect(VersionLog.open(file, true)).rejects.toThrow(message);
  });
});
