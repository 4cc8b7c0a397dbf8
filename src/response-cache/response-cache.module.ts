import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { dataConfig } from 'src/config/data.config';
import { httpConfig } from 'src/config/http.config';
import { responseCacheConfig } from 'src/config/response-cache.config';
import { DataModule } from 'src/data/data.module';
import { EdgeResponder } from 'src/response-cache/edge-responder';
import { ResponseCache } from 'src/response-cache/response-cache';

/** Replays successful answers of the read-only routes; installed on the server by configureApp. */
@Module({
  imports: [
    ConfigModule.forFeature(responseCacheConfig),
    ConfigModule.forFeature(httpConfig),
    ConfigModule.forFeature(dataConfig),
    DataModule,
  ],
  providers: [ResponseCache, EdgeResponder],
  exports: [ResponseCache, EdgeResponder],
})
export class ResponseCacheModule {}
