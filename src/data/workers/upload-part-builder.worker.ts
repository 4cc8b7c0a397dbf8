import { serveRequests } from 'src/common/workers/request-thread';
import { CsvLoadError } from 'src/data/csv/csv-load.error';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';
import type { UploadPartReply, UploadPartRequest } from 'src/data/workers/upload-part-builder';
import { ColumnarSalesTable, movableBuffersOf } from 'src/engine';

/** Upload thread: reads, validates and indexes one staged upload at a time. */
serveRequests<UploadPartRequest, UploadPartReply>(async ({ file, options }) => {
  let part;
  try {
    part = await loadSalesCsv(file, options);
  } catch (error) {
    if (error instanceof CsvLoadError) {
      return { reply: { kind: 'rejected', error: error.toData() } };
    }
    throw error;
  }
  const index = ColumnarSalesTable.buildIndex(part.columns);
  return {
    reply: { kind: 'built', index, rejectedRows: part.rejectedRows, sha256: part.sha256 },
    transfer: movableBuffersOf(index),
  };
});
