import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { RequestThread } from 'src/common/workers/request-thread';
import type { CsvFormat } from 'src/data/csv/csv-format';
import { CsvLoadError, type CsvLoadErrorData } from 'src/data/csv/csv-load.error';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';
import { ColumnarSalesTable, type TableIndex } from 'src/engine';

/** How an upload is read: its dataset's format and rules. */
export interface UploadPartOptions {
  readonly format: CsvFormat;
  readonly lenient: boolean;
  readonly maxReportedDefects: number;
}

/** An upload's rows, validated and indexed as a delta table. */
export interface UploadPart {
  readonly table: ColumnarSalesTable;
  /** Rows a lenient dataset skipped. */
  readonly rejectedRows: number;
  /** SHA-256 of the bytes read, as the loader computed it. */
  readonly sha256: string;
}

export interface UploadPartRequest {
  readonly file: string;
  readonly options: UploadPartOptions;
}

export type UploadPartReply =
  | {
      readonly kind: 'built';
      readonly index: TableIndex;
      readonly rejectedRows: number;
      readonly sha256: string;
    }
  | { readonly kind: 'rejected'; readonly error: CsvLoadErrorData };

/**
 * Reads, validates and indexes an upload's staged CSV on a worker thread, so that the event loop
 * keeps answering queries meanwhile: parsing 10,000 rows and building their table took 2–73 ms of
 * event-loop time under load (see bench/README.md, "Live data"). The thread hands back the table's
 * index (layout on shared memory, buckets moved), which `ColumnarSalesTable.fromIndex` wraps
 * without copying; a rejected upload comes back as the loader's `CsvLoadError`.
 *
 * Uploads are built one at a time in the order they are sent (the writer already sends one at a
 * time per dataset). Where no thread can be started, the upload is built on the caller's thread.
 */
@Injectable()
export class UploadPartBuilder implements OnModuleDestroy {
  private readonly thread = new RequestThread<UploadPartRequest, UploadPartReply>(
    __filename,
    'upload-part-builder',
  );

  onModuleDestroy(): void {
    this.thread.close();
  }

  /** The staged upload at `file` as a delta table. @throws CsvLoadError */
  async build(file: string, options: UploadPartOptions): Promise<UploadPart> {
    const { format, lenient, maxReportedDefects } = options;
    const pending = this.thread.request({
      file,
      // Only the fields the loader reads: the dataset's config may carry more.
      options: { format: plainFormat(format), lenient, maxReportedDefects },
    });
    if (pending === null) {
      const part = await loadSalesCsv(file, options);
      return {
        table: ColumnarSalesTable.build(part.columns),
        rejectedRows: part.rejectedRows,
        sha256: part.sha256,
      };
    }
    const reply = await pending;
    if (reply.kind === 'rejected') {
      throw CsvLoadError.fromData(reply.error);
    }
    return {
      table: ColumnarSalesTable.fromIndex(reply.index),
      rejectedRows: reply.rejectedRows,
      sha256: reply.sha256,
    };
  }
}

function plainFormat({ countryColumn, valueColumn, dateColumn, dateFormat }: CsvFormat): CsvFormat {
  return { countryColumn, valueColumn, dateColumn, dateFormat };
}
