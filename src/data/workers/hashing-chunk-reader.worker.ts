import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
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
 * The hashing thread of HashingChunkReader: hashes chunk after chunk as the reader publishes them
 * and stops at the first empty one, the end of the file.
 */
function hashRing(data: HashingWorkerData): string {
  const { slotBytes, slots } = data;
  const control = new Int32Array(data.control);
  const bytes = new Uint8Array(data.ring);
  const hash = createHash('sha256');
  for (let consumed = 0; ;) {
    const events = Atomics.load(control, EVENTS);
    if (Atomics.load(control, PUBLISHED) === consumed) {
      Atomics.store(control, WORKER_ASLEEP, 1);
      // Re-checked after saying so: a chunk published in between has bumped the event count.
      if (Atomics.load(control, EVENTS) === events) {
        Atomics.wait(control, EVENTS, events);
      }
      Atomics.store(control, WORKER_ASLEEP, 0);
      continue;
    }
    const slot = consumed % slots;
    const length = control[LENGTHS + slot];
    if (length > 0) {
      hash.update(bytes.subarray(slot * slotBytes, slot * slotBytes + length));
    }
    Atomics.store(control, CONSUMED, ++consumed);
    if (Atomics.load(control, READER_WAITING) === 1) {
      Atomics.notify(control, CONSUMED);
    }
    if (length === 0) {
      return hash.digest('hex');
    }
  }
}

if (parentPort !== null) {
  const { data } = workerData as { data: HashingWorkerData };
  parentPort.postMessage(hashRing(data));
}
