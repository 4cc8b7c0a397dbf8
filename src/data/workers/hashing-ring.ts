/**
 * The layout both threads of HashingChunkReader agree on: a ring of `slots` chunk buffers of
 * `slotBytes` each, and control words on their own SharedArrayBuffer.
 *
 * Control words: chunk counts, an event count the worker sleeps on (bumped for each chunk), who is
 * asleep, then each slot's length.
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
