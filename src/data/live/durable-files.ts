import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/*
 * The few file operations that make a write survive a crash or power loss at any instant: data is
 * fsynced before it is renamed into place, and the folder is fsynced after, so the new name itself
 * is on disk. A reader therefore finds either no file or the whole file, never part of one.
 */

/** Flushes a folder's entries (new, renamed or removed names) to disk. */
export async function fsyncDirectory(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames a file that is already fsynced, then makes the new name durable. */
export async function renameDurably(from: string, to: string, folder: string): Promise<void> {
  await rename(from, to);
  await fsyncDirectory(folder);
}

/**
 * Appends one line to a log file and fsyncs it before returning. A crash in the middle leaves at
 * most a torn last line, which `readLogLines` recognises (no final line feed) and drops.
 */
export async function appendLineDurably(file: string, line: string): Promise<void> {
  if (line.includes('\n')) {
    throw new TypeError('A log line must not contain a line feed');
  }
  const handle = await open(file, 'a');
  try {
    await handle.write(`${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates the folder if needed and proves that files can be created, synced and removed in it. */
export async function assertWritableFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await access(folder, constants.W_OK);
  const probe = join(folder, `.write-check-${randomUUID()}`);
  const handle = await open(probe, 'wx');
  try {
    await handle.write('ok');
    await handle.sync();
  } finally {
    await handle.close();
    await unlink(probe);
  }
}
