import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { responseCacheConfig } from 'src/config/response-cache.config';
import { DataModule } from 'src/data/data.module';
import { AnswerCache } from 'src/response-cache/answer-cache';
import { ResponseCache } from 'src/response-cache/response-cache';

/** The answer cache the cacheable routes' handlers read and fill. */
@Global()
@Module({
  imports: [ConfigModule.forFeature(responseCacheConfig), DataModule],
  providers: [ResponseCache, AnswerCache],
  exports: [ResponseCache, AnswerCache],
})
export class ResponseCacheModule {}
