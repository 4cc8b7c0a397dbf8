import { RequestThread } from 'src/common/workers/request-thread';
import type { ColumnarLayout } from 'src/engine/columnar/columnar-layout';
import { ColumnarSalesTable, type TableIndex } from 'src/engine/columnar/columnar-sales-table';

export interface TableMergeRequest {
  /**
   * The tables' layouts only: the merge reads rows, not value buckets, and the main table's
   * buckets (not on shared memory) would be copied on the event loop to post them.
   */
  readonly parts: readonly ColumnarLayout[];
}

/** How a merge thread is started: `low` CPU priority for the large merges into a main table. */
export interface TableMergerOptions {
  readonly priority: 'low' | 'normal';
}

export interface TableMergeThreadData {
  readonly lowPriority: boolean;
}

/**
 * Builds one table from the rows of several on a worker thread, so that the event loop keeps
 * answering queries meanwhile: the thread reads the tables' layouts (on shared memory when they
 * are large, so nothing is copied), rebuilds the index as a load would, and hands it back; the
 * caller only wraps it (`ColumnarSalesTable.fromIndex`, about a millisecond at 10M rows).
 *
 * With `priority: 'low'` (the default) the thread runs at the lowest CPU priority: on a busy
 * machine a large merge waits for the event loop and the clients rather than the reverse, and the
 * 32-delta bound holds uploads back if merges fall behind. Small merges (deltas combined into one)
 * use a thread of their own at the normal priority, so that they never wait for a large one.
 *
 * Merges run one at a time, in order, so at most one extra table is being built at once: memory
 * while merging is bounded by the tables being merged, their rows as plain columns, and the new
 * table. Where no thread can be started, merges run on the caller's thread instead.
 */
export class TableMerger {
  private readonly thread: RequestThread<TableMergeRequest, TableIndex>;
  /** The last merge queued; the next one starts when it settles. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor({ priority }: TableMergerOptions = { priority: 'low' }) {
    const data: TableMergeThreadData = { lowPriority: priority === 'low' };
    this.thread = new RequestThread(__filename, 'table-merge', data);
  }

  /** The table holding every row of `tables`, in order, built off the event loop. */
  merge(tables: readonly ColumnarSalesTable[]): Promise<ColumnarSalesTable> {
    const merged = this.queue.then(() => this.run(tables));
    this.queue = merged.catch(() => undefined);
    return merged;
  }

  /** Stops the thread; merges still queued, and later ones, fail. */
  close(): void {
    this.thread.close();
  }

  private async run(tables: readonly ColumnarSalesTable[]): Promise<ColumnarSalesTable> {
    const parts = tables.map((table) => table.index().layout);
    const reply = this.thread.request({ parts });
    if (reply === null) {
      return ColumnarSalesTable.fromIndex(ColumnarSalesTable.buildIndexOfParts(parts));
    }
    return ColumnarSalesTable.fromIndex(await reply);
  }
}
