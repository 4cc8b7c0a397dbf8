import { constants, setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { serveRequests } from 'src/common/workers/request-thread';
import {
  ColumnarSalesTable,
  movableBuffersOf,
  type TableIndex,
} from 'src/engine/columnar/columnar-sales-table';
import type { TableMergeRequest, TableMergeThreadData } from 'src/engine/workers/table-merger';

const { lowPriority } = (workerData as { data: TableMergeThreadData }).data;
if (lowPriority) {
  try {
    // On Linux a priority set for "this process" (pid 0) applies to the calling thread only: the
    // merge yields the cores to the event loop, whose queries it must not slow down.
    setPriority(constants.priority.PRIORITY_LOW);
  } catch {
    // Not permitted here: merges run at the normal priority.
  }
}

/** Merge thread: builds one table from the rows of several, one request at a time. */
serveRequests<TableMergeRequest, TableIndex>(({ parts }) => {
  const index = ColumnarSalesTable.buildIndexOfParts(parts);
  return { reply: index, transfer: movableBuffersOf(index) };
});
