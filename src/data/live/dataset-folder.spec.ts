import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFolder } from 'src/data/live/dataset-folder';

describe(DatasetFolder.name, () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dataset-folder-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('should create the folder and commit a staged file as a numbered part', async () => {
    const sut = await DatasetFolder.open(join(root, 'sales'), true);
    const staged = sut.stagingPath();
    writeFileSync(staged, 'country,value,fecha\n');
    const name = await sut.commitPart(staged, 'ab'.repeat(32));
    expect(name).toBe('part-000001-abababababab.csv');
    expect(existsSync(staged)).toBe(false);
    expect(readdirSync(join(root, 'sales'))).toEqual([name]);
  });

  it('should remove staged files and parts the log does not name when opened writable', async () => {
    const path = join(root, 'sales');
    mkdirSync(path);
    writeFileSync(join(path, '.staging-1.csv'), 'half an upload');
    writeFileSync(join(path, 'part-000001-abababababab.csv'), 'never logged');
    writeFileSync(join(path, 'notes.txt'), 'kept');
    await DatasetFolder.open(path, false);
    expect(readdirSync(path)).toHaveLength(3);
    await DatasetFolder.open(path, true);
    expect(readdirSync(path)).toEqual(['notes.txt']);
  });

  it('should neither create nor change anything when opened read-only', async () => {
    const sut = await DatasetFolder.open(join(root, 'absent'), false);
    expect(sut.log.entries).toEqual([]);
    expect(readdirSync(root)).toEqual([]);
  });
});
