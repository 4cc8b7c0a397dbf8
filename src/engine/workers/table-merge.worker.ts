import { constants, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { columnsOfLayout } from 'src/engine/columnar/layout-columns';
import type { ColumnarLayout } from 'src/engine/columnar/columnar-layout';
import { ColumnarSalesTable } from 'src/engine/columnar/columnar-sales-table';
import { concatSalesColumns } from 'src/engine/sales-columns-concat';
import type { TableMergeReply, TableMergeRequest } from 'src/engine/workers/table-merger';

try {
  // On Linux a priority set for "this process" (pid 0) applies to the calling thread only: the
  // merge yields the cores to the event loop, whose queries it must not slow down.
  setPriority(constants.priority.PRIORITY_LOW);
} catch {
  // Not permitted here: merges run at the normal priority.
}

/** Merge thread: builds one table from the rows of several, one request at a time. */
parentPort?.on('message', ({ id, parts }: TableMergeRequest) => {
  let reply: TableMergeReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const index = ColumnarSalesTable.buildIndex(
      concatSalesColumns(parts.map((layout: ColumnarLayout) => columnsOfLayout(layout))),
    );
    reply = { id, index };
    // The bucket arrays are the only large ones not on shared memory: moved, not copied.
    transfer = Object.values(index.buckets).map(
      (array: Uint32Array | Float64Array) => array.buffer as ArrayBuffer,
    );
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply, transfer);
});
