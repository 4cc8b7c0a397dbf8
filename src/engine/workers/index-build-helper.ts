import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from 'src/common/workers/worker-file';
import {
  awaitDecimalBlocks,
  claimDecimalBlocks,
  type DecimalBlockJob,
} from 'src/engine/columnar/decimal-blocks';

/**
 * Gives up on a helper that has claimed blocks and then finished none for this long; nothing
 * short of a crash keeps a thread from its next block for seconds.
 */
const STALL_MS = 30_000;

export type IndexBuildHelperMessage =
  | { readonly kind: 'touch'; readonly buffers: readonly SharedArrayBuffer[] }
  | { readonly kind: 'blocks'; readonly job: DecimalBlockJob };

/** Words per 4 KiB page. */
const PAGE_WORDS = 1024;

/**
 * Writes to every page of `buffers`, so that the thread filling them later finds them mapped
 * instead of stopping on a page fault every 4 KiB. A compare-exchange of 0 for 0 leaves any value
 * already written alone, whichever thread gets there first.
 */
export function touchPages(buffers: readonly SharedArrayBuffer[]): void {
  for (const buffer of buffers) {
    const words = new Int32Array(buffer, 0, buffer.byteLength >> 2);
    for (let i = 0; i < words.length; i += PAGE_WORDS) {
      Atomics.compareExchange(words, i, 0, 0);
    }
  }
}

/**
 * A worker thread that sorts blocks alongside the caller during one index build. The build is
 * synchronous, so the caller blocks (Atomics.wait) only for blocks the helper has already claimed;
 * a helper that starts late, or never, just leaves more blocks to the caller.
 */
export class IndexBuildHelper {
  private constructor(private readonly worker: Worker) {
    // It must never keep the process alive, and a failure to start only means no help.
    worker.unref();
    worker.on('error', () => undefined);
  }

  /** A new helper, or null where no thread can be started (the caller then works alone). */
  static start(): IndexBuildHelper | null {
    try {
      return new IndexBuildHelper(startWorkerBeside(__filename, 'index-build-helper'));
    } catch {
      return null;
    }
  }

  /**
   * Processes every block of `job` (all its arrays on shared memory) on both threads, or with
   * `helper` only on the helper (tests use that to exercise it), and returns once all are done.
   */
  run(job: DecimalBlockJob, threads: 'both' | 'helper'): void {
    this.post({ kind: 'blocks', job });
    if (threads === 'both') {
      claimDecimalBlocks(job);
    }
    if (!awaitDecimalBlocks(job, STALL_MS)) {
      throw new Error(`index build: the helper thread stopped for ${STALL_MS} ms mid-job`);
    }
  }

  /**
   * Has the helper map the pages of buffers the caller is about to fill: page faults on fresh
   * memory cost about a third of a millisecond per MiB, which it takes while idle.
   */
  touch(buffers: readonly SharedArrayBuffer[]): void {
    this.post({ kind: 'touch', buffers });
  }

  private post(message: IndexBuildHelperMessage): void {
    this.worker.postMessage(message);
  }

  close(): void {
    void this.worker.terminate();
  }
}
