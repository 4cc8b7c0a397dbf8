import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { join } from 'node:path';
import { liveDataConfig } from 'src/config/live-data.config';
import { DatasetFolder } from 'src/data/live/dataset-folder';
import { assertWritableFolder } from 'src/data/live/durable-files';

/** Thrown at start-up when writes are enabled but DATA_DIR cannot be written; main prints it as one line. */
export class DataDirNotWritableError extends Error {
  override readonly name = 'DataDirNotWritableError';
}

/**
 * The folders of the datasets under DATA_DIR. With writes enabled (API_KEYS set), the first use
 * proves DATA_DIR writable, so a read-only mount stops start-up instead of failing the first upload.
 * With writes disabled, folders are only read: parts uploaded earlier still load.
 */
@Injectable()
export class DatasetFolders {
  private readonly folders = new Map<string, Promise<DatasetFolder>>();
  private writableChecked: Promise<void> | null = null;

  constructor(
    @Inject(liveDataConfig.KEY) private readonly config: ConfigType<typeof liveDataConfig>,
  ) {}

  get writesEnabled(): boolean {
    return this.config.apiKeys.length > 0;
  }

  folderOf(dataset: string): Promise<DatasetFolder> {
    let folder = this.folders.get(dataset);
    if (folder === undefined) {
      folder = this.checkWritable().then(() =>
        DatasetFolder.open(join(this.config.dataDir, dataset), this.writesEnabled),
      );
      this.folders.set(dataset, folder);
    }
    return folder;
  }

  private checkWritable(): Promise<void> {
    if (!this.writesEnabled) {
      return Promise.resolve();
    }
    this.writableChecked ??= assertWritableFolder(this.config.dataDir).catch((error: unknown) => {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new DataDirNotWritableError(
        `DATA_DIR ${this.config.dataDir} is not writable (${reason}); uploads need it: point DATA_DIR at a writable folder (a mounted volume) or unset API_KEYS`,
      );
    });
    return this.writableChecked;
  }
}
