/**
 * The layout both threads of HashingChunkReader agree on: a ring of `slots` chunk buffers of
 * `slotBytes` each, and control words on their own SharedArrayBuffer.
 *
 * Control words: chunk counts, an event count the worker sleeps on (bumped for each chunk and each
 * page-touching request), who is asleep, then each slot's length.
 */
export const PUBLISHED = 0;
export const CONSUMED = 1;
export const EVENTS = 2;
export const WORKER_ASLEEP = 3;
export const READER_WAITING = 4;
export const LENGTHS = 5;

/** What the hashing worker is started with. */
export interface HashingWorkerData {
  readonly ring: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly slotBytes: number;
  readonly slots: number;
}

/** Words per 4 KiB page. */
const PAGE_WORDS = 1024;
/** Pages touched per buffer before moving on to the next, so all of them fill up together. */
const TOUCH_STEP_PAGES = 64;

/**
 * Writes to every page of `buffers`, front to back and all of them together (the order the CSV
 * loader fills its columns in), so the thread filling them finds them mapped instead of stopping
 * on a page fault every 4 KiB. A compare-exchange of 0 for 0 leaves any value already written
 * alone, whichever thread gets there first.
 */
export function touchPagesTogether(buffers: readonly SharedArrayBuffer[]): void {
  const words = buffers.map((buffer) => new Int32Array(buffer, 0, buffer.byteLength >> 2));
  const longest = Math.max(0, ...words.map(({ length }) => length));
  const step = TOUCH_STEP_PAGES * PAGE_WORDS;
  for (let from = 0; from < longest; from += step) {
    for (const column of words) {
      const end = Math.min(column.length, from + step);
      for (let i = from; i < end; i += PAGE_WORDS) {
        Atomics.compareExchange(column, i, 0, 0);
      }
    }
  }
}
