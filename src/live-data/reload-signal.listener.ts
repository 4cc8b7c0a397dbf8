import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { MemoryDatasetWriter } from 'src/data/live/memory-dataset.writer';

/** `kill -HUP <pid>` reloads every in-memory dataset; failures are logged and change nothing. */
@Injectable()
export class ReloadSignalListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly onSignal = (): void => {
    void this.writer.reloadAll();
  };

  constructor(private readonly writer: MemoryDatasetWriter) {}

  onApplicationBootstrap(): void {
    process.on('SIGHUP', this.onSignal);
  }

  onApplicationShutdown(): void {
    process.off('SIGHUP', this.onSignal);
  }
}
