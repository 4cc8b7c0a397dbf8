import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from 'src/common/workers/worker-file';
import {
  CONSUMED,
  EVENTS,
  LENGTHS,
  PUBLISHED,
  READER_WAITING,
  WORKER_ASLEEP,
  type HashingWorkerData,
} from 'src/data/workers/hashing-ring';

/**
 * Reads a file front to back in fixed-size chunks and computes its SHA-256 on the way, either in
 * line or on a worker thread that hashes each chunk while the caller parses it.
 *
 * Chunks are views into a small ring of reused buffers, so reading allocates nothing per chunk.
 * With a worker the ring is a SharedArrayBuffer that both threads read; a slot is refilled only
 * once the worker has hashed it, so the hash is exactly of the bytes the caller was given.
 */
export interface HashingChunkReaderOptions {
  readonly chunkBytes: number;
  readonly hashInWorker: boolean;
}

/**
 * A sleeping worker is woken once this many chunks are waiting rather than for each one: a wake-up
 * can cost the reader its core on a busy machine.
 */
const WAKE_EVERY = 4;
/**
 * Slots when hashing in line: the chunk being returned, the one being read ahead, and the one
 * the caller may still hold the tail of.
 */
const INLINE_SLOTS = 3;
/**
 * With a worker, the reader may run this far ahead of the hash (the worker's start-up), in at
 * least 4 and at most 32 slots.
 */
const WORKER_RING_BYTES = 32 << 20;

function workerSlots(chunkBytes: number): number {
  return Math.min(32, Math.max(4, Math.floor(WORKER_RING_BYTES / chunkBytes)));
}

/** A hashing worker on a fresh shared ring, or null if no thread can be started. */
function startWorker(chunkBytes: number): {
  ring: Buffer;
  control: Int32Array;
  worker: Worker;
  digest: Promise<string>;
} | null {
  const slots = workerSlots(chunkBytes);
  const ring = new SharedArrayBuffer(slots * chunkBytes);
  const control = new SharedArrayBuffer((LENGTHS + slots) * 4);
  let worker: Worker;
  try {
    const data: HashingWorkerData = { ring, control, slotBytes: chunkBytes, slots };
    worker = startWorkerBeside(__filename, 'hashing-chunk-reader', data);
  } catch {
    return null;
  }
  const digest = new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      reject(new Error(`SHA-256 worker stopped (exit code ${code}) before its digest`));
    });
  });
  // Awaited by digest() or by a reader waiting for a slot; a reader dropped early never does.
  digest.catch(() => undefined);
  return { ring: Buffer.from(ring), control: new Int32Array(control), worker, digest };
}

type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
) => { async: boolean; value: Promise<unknown> | string };

export class HashingChunkReader {
  private readonly slots: number;
  private readonly ring: Buffer;
  private readonly hash: Hash | null = null;
  private readonly worker: Worker | null = null;
  private readonly control: Int32Array | null = null;
  /** Settles with the worker's digest, or rejects if the worker fails. */
  private readonly workerDigest: Promise<string> | null = null;
  private pending: Promise<Buffer>;
  private chunkIndex = 0;
  private ended = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly options: HashingChunkReaderOptions,
  ) {
    const { chunkBytes, hashInWorker } = options;
    const shared = hashInWorker ? startWorker(chunkBytes) : null;
    if (shared !== null) {
      this.slots = workerSlots(chunkBytes);
      this.ring = shared.ring;
      this.control = shared.control;
      this.worker = shared.worker;
      this.workerDigest = shared.digest;
    } else {
      // Also where no thread could be started: hashing in line gives the same digest.
      this.slots = INLINE_SLOTS;
      this.ring = Buffer.allocUnsafe(this.slots * chunkBytes);
      this.hash = createHash('sha256');
    }
    this.pending = this.readAhead(0);
  }

  /**
   * The next chunk, or null at the end of the file. A chunk stays intact until two more have been
   * requested, so the caller may keep a reference to its tail until then.
   */
  async next(): Promise<Buffer | null> {
    if (this.ended) {
      return null;
    }
    const chunk = await this.pending;
    const index = this.chunkIndex++;
    if (this.control !== null) {
      this.control[LENGTHS + (index % this.slots)] = chunk.length;
      Atomics.store(this.control, PUBLISHED, index + 1);
      this.signal(chunk.length === 0 || (index + 1) % WAKE_EVERY === 0);
    } else {
      this.hash?.update(chunk);
    }
    if (chunk.length === 0) {
      this.ended = true;
      return null;
    }
    this.pending = this.readAhead(index + 1);
    return chunk;
  }

  /** Hex SHA-256 of every chunk returned, once next() has returned null. */
  async digest(): Promise<string> {
    if (!this.ended) {
      throw new Error('digest() before the end of the file');
    }
    return this.workerDigest ?? this.hash?.digest('hex') ?? '';
  }

  /** Stops the worker; the caller closes the file handle. */
  close(): void {
    void this.worker?.terminate();
  }

  /** Tells the worker something is new, waking it if asked and it sleeps. */
  private signal(wake: boolean): void {
    const control = this.control;
    if (control === null) {
      return;
    }
    Atomics.add(control, EVENTS, 1);
    if (wake && Atomics.load(control, WORKER_ASLEEP) === 1) {
      Atomics.notify(control, EVENTS);
    }
  }

  private readAhead(index: number): Promise<Buffer> {
    const read = this.read(index);
    // A reader abandoned mid-file never awaits its last read-ahead.
    read.catch(() => undefined);
    return read;
  }

  private async read(index: number): Promise<Buffer> {
    const { chunkBytes } = this.options;
    await this.slotFree(index);
    const offset = (index % this.slots) * chunkBytes;
    const { bytesRead } = await this.handle.read(this.ring, offset, chunkBytes, null);
    return this.ring.subarray(offset, offset + bytesRead);
  }

  /** Waits until the worker has hashed the chunk that last used chunk `index`'s slot. */
  private async slotFree(index: number): Promise<void> {
    const control = this.control;
    if (control === null || this.workerDigest === null) {
      return;
    }
    if (Atomics.load(control, CONSUMED) > index - this.slots) {
      return;
    }
    const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
    Atomics.store(control, READER_WAITING, 1);
    // The worker may be asleep short of a wake-up batch, with this slot's chunk still unhashed.
    this.signal(true);
    try {
      for (;;) {
        const consumed = Atomics.load(control, CONSUMED);
        if (consumed > index - this.slots) {
          return;
        }
        const wait = waitAsync(control, CONSUMED, consumed);
        if (wait.async) {
          // A failed worker rejects here instead of leaving the wait pending forever.
          await Promise.race([wait.value, this.workerDigest]);
        }
      }
    } finally {
      Atomics.store(control, READER_WAITING, 0);
    }
  }
}
