import type { Stats } from 'node:fs';
import { lstat, open, stat, type FileHandle } from 'node:fs/promises';

import { CsvLoadError } from 'src/data/csv/csv-load.error';

/*
 * Opening a CSV file and checking that its bytes are UTF-8: everything the loader checks about
 * the file itself rather than its rows.
 */

/** Opens `filePath` for reading once it is known to be a regular file (not a FIFO or a folder). */
export async function openRegularFile(
  filePath: string,
): Promise<{ handle: FileHandle; size: number }> {
  let info: Stats;
  try {
    info = await stat(filePath);
  } catch (error) {
    throw await describeOpenError(filePath, error);
  }
  // Checked before opening: opening a FIFO would block until someone writes to it.
  if (!info.isFile()) {
    const what = info.isDirectory() ? 'a directory' : 'not a regular file';
    throw CsvLoadError.fileProblem(filePath, 'not-a-file', `path is ${what}`);
  }
  try {
    return { handle: await open(filePath, 'r'), size: info.size };
  } catch (error) {
    throw await describeOpenError(filePath, error);
  }
}

async function describeOpenError(filePath: string, error: unknown): Promise<CsvLoadError> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const dangling = await lstat(filePath).then(
      (info) => info.isSymbolicLink(),
      () => false,
    );
    const reason = dangling ? 'broken symbolic link (its target does not exist)' : 'file not found';
    return CsvLoadError.fileProblem(filePath, 'not-found', reason, 0, error);
  }
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ELOOP'
        ? 'too many levels of symbolic links'
        : errorText(error);
  return CsvLoadError.fileProblem(filePath, 'unreadable', `cannot open file: ${reason}`, 0, error);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether `buf` starts with the UTF-8 byte order mark, which is dropped. */
export function startsWithUtf8Bom(buf: Buffer): boolean {
  return buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
}

/** Offset of the first byte in `[start, end)` that is not part of well-formed UTF-8, or -1. */
export function firstInvalidUtf8(buf: Buffer, start: number, end: number): number {
  let p = start;
  while (p < end) {
    const b = buf[p];
    if (b < 0x80) {
      p++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) {
        low = 0xa0; // overlong
      } else if (b === 0xed) {
        high = 0x9f; // UTF-16 surrogates
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) {
        low = 0x90; // overlong
      } else if (b === 0xf4) {
        high = 0x8f; // above U+10FFFF
      }
    } else {
      return p;
    }
    if (p + need >= end) {
      return p;
    }
    const second = buf[p + 1];
    if (second < low || second > high) {
      return p;
    }
    for (let k = 2; k <= need; k++) {
      const next = buf[p + k];
      if (next < 0x80 || next > 0xbf) {
        return p;
      }
    }
    p += need + 1;
  }
  return -1;
}
