import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { liveDataConfig } from 'src/config/live-data.config';
import { DataModule } from 'src/data/data.module';
import { LiveDataController } from 'src/live-data/live-data.controller';
import { LiveDataService } from 'src/live-data/live-data.service';
import { ReloadSignalListener } from 'src/live-data/reload-signal.listener';
import { ApiKeyGuard } from 'src/security/api-key.guard';

/** Uploads, reloads (HTTP and SIGHUP) and version history of the in-memory datasets. */
@Module({
  imports: [DataModule, ConfigModule.forFeature(liveDataConfig)],
  controllers: [LiveDataController],
  providers: [LiveDataService, ReloadSignalListener, ApiKeyGuard],
})
export class LiveDataModule {}
