import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ClickHouseDatasetWriter } from 'src/data/clickhouse/clickhouse-dataset.writer';
import { MemoryDatasetWriter } from 'src/data/live/memory-dataset.writer';

/**
 * `kill -HUP <pid>` reloads every dataset (in memory: the files; ClickHouse: the table's state);
 * failures are logged and change nothing.
 */
@Injectable()
export class ReloadSignalListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly onSignal = (): void => {
    void this.writer.reloadAll();
    void this.clickHouse.reloadAll();
  };

  constructor(
    private readonly writer: MemoryDatasetWriter,
    private readonly clickHouse: ClickHouseDatasetWriter,
  ) {}

  onApplicationBootstrap(): void {
    process.on('SIGHUP', this.onSignal);
  }

  onApplicationShutdown(): void {
    process.off('SIGHUP', this.onSignal);
  }
}
