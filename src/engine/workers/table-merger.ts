import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from 'src/common/workers/worker-file';
import type { ColumnarLayout } from 'src/engine/columnar/columnar-layout';
import { ColumnarSalesTable, type TableIndex } from 'src/engine/columnar/columnar-sales-table';
import { concatSalesColumns } from 'src/engine/sales-columns-concat';

export interface TableMergeRequest {
  readonly id: number;
  /**
   * The tables' layouts only: the merge reads rows, not value buckets, and the main table's
   * buckets (not on shared memory) would be copied on the event loop to post them.
   */
  readonly parts: readonly ColumnarLayout[];
}

export type TableMergeReply =
  | { readonly id: number; readonly index: TableIndex }
  | { readonly id: number; readonly error: string };

/**
 * Builds one table from the rows of several on a worker thread, so that the event loop keeps
 * answering queries meanwhile: the thread reads the tables' layouts (on shared memory when they
 * are large, so nothing is copied), rebuilds the index as a load would, and hands it back; the
 * caller only wraps it (`ColumnarSalesTable.fromIndex`, about a millisecond at 10M rows).
 *
 * The thread runs at the lowest CPU priority: on a busy machine a merge waits for the event loop
 * and the clients rather than the reverse, and the 32-delta bound holds uploads back if merges
 * fall behind.
 *
 * Merges run one at a time, in order, so at most one extra table is being built at once: memory
 * while merging is bounded by the tables being merged, their rows as plain columns, and the new
 * table. Where no thread can be started, merges run on the caller's thread instead.
 */
export class TableMerger {
  private worker: Worker | null = null;
  private closed = false;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (table: ColumnarSalesTable) => void; reject: (error: Error) => void }
  >();
  /** The last merge queued; the next one starts when it settles. */
  private queue: Promise<unknown> = Promise.resolve();

  /** The table holding every row of `tables`, in order, built off the event loop. */
  merge(tables: readonly ColumnarSalesTable[]): Promise<ColumnarSalesTable> {
    const merged = this.queue.then(() => this.run(tables));
    this.queue = merged.catch(() => undefined);
    return merged;
  }

  /** Stops the thread; merges still queued, and later ones, fail. */
  close(): void {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) {
      void worker.terminate();
    }
  }

  private run(tables: readonly ColumnarSalesTable[]): Promise<ColumnarSalesTable> {
    if (this.closed) {
      return Promise.reject(new Error('table merger closed'));
    }
    const worker = this.thread();
    if (worker === null) {
      return Promise.resolve(
        ColumnarSalesTable.build(concatSalesColumns(tables.map((table) => table.toColumns()))),
      );
    }
    const id = this.nextId++;
    return new Promise<ColumnarSalesTable>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: TableMergeRequest = {
        id,
        parts: tables.map((table) => table.index().layout),
      };
      worker.postMessage(request);
    });
  }

  private thread(): Worker | null {
    if (this.worker !== null) {
      return this.worker;
    }
    let worker: Worker;
    try {
      worker = startWorkerBeside(__filename, 'table-merge');
    } catch {
      return null;
    }
    // An idle merge thread must never keep the process alive.
    worker.unref();
    worker.on('message', (reply: TableMergeReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (waiter === undefined) {
        return;
      }
      if ('error' in reply) {
        waiter.reject(new Error(`table merge failed: ${reply.error}`));
      } else {
        waiter.resolve(ColumnarSalesTable.fromIndex(reply.index));
      }
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) {
        this.worker = null;
      }
      for (const waiter of this.waiting.values()) {
        waiter.reject(error);
      }
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`table merge thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
