import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { integerOr } from 'src/config/env-transforms';
import { validateConfig } from 'src/config/validate-config';

class ResponseCacheEnvironment {
  /** Answers kept, least recently used dropped first; 0 turns the cache off. */
  @Transform(integerOr(1000))
  @IsInt({ message: 'must be an integer from 0 (off) to 100000' })
  @Min(0, { message: 'must be an integer from 0 (off) to 100000' })
  @Max(100_000, { message: 'must be an integer from 0 (off) to 100000' })
  RESPONSE_CACHE_ENTRIES = 1000;

  /** Larger bodies are answered normally and never kept, which bounds the cache's memory. */
  @Transform(integerOr(65_536))
  @IsInt({ message: 'must be an integer from 1024 to 16777216 (bytes)' })
  @Min(1024, { message: 'must be an integer from 1024 to 16777216 (bytes)' })
  @Max(16_777_216, { message: 'must be an integer from 1024 to 16777216 (bytes)' })
  RESPONSE_CACHE_MAX_ENTRY_BYTES = 65_536;
}

export interface ResponseCacheConfig {
  /** 0 when the cache is off. */
  readonly entries: number;
  readonly maxEntryBytes: number;
}

export const responseCacheConfig = registerAs('responseCache', (): ResponseCacheConfig => {
  const env = validateConfig(process.env, ResponseCacheEnvironment);
  return { entries: env.RESPONSE_CACHE_ENTRIES, maxEntryBytes: env.RESPONSE_CACHE_MAX_ENTRY_BYTES };
});
