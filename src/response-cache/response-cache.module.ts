import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { responseCacheConfig } from 'src/config/response-cache.config';
import { DataModule } from 'src/data/data.module';
import { ResponseCache } from 'src/response-cache/response-cache';

/** The answer cache the cacheable routes' interceptor reads and fills. */
@Global()
@Module({
  imports: [ConfigModule.forFeature(responseCacheConfig), DataModule],
  providers: [ResponseCache],
  exports: [ResponseCache],
})
export class ResponseCacheModule {}
