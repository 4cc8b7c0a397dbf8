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

  /** Larger bodies are answered normally and never kept. */
  @Transform(integerOr(65_536))
  @IsInt({ message: 'must be an integer from 1024 to 16777216 (bytes)' })
  @Min(1024, { message: 'must be an integer from 1024 to 16777216 (bytes)' })
  @Max(16_777_216, { message: 'must be an integer from 1024 to 16777216 (bytes)' })
  RESPONSE_CACHE_MAX_ENTRY_BYTES = 65_536;

  /** Bodies kept in all, least recently used dropped first past it. */
  @Transform(integerOr(33_554_432))
  @IsInt({ message: 'must be an integer from 1024 to 1073741824 (bytes)' })
  @Min(1024, { message: 'must be an integer from 1024 to 1073741824 (bytes)' })
  @Max(1_073_741_824, { message: 'must be an integer from 1024 to 1073741824 (bytes)' })
  RESPONSE_CACHE_MAX_BYTES = 33_554_432;

  /** How long clients and shared caches may reuse an answer; 0 makes them revalidate each time. */
  @Transform(integerOr(60))
  @IsInt({ message: 'must be an integer from 0 to 31536000 (seconds)' })
  @Min(0, { message: 'must be an integer from 0 to 31536000 (seconds)' })
  @Max(31_536_000, { message: 'must be an integer from 0 to 31536000 (seconds)' })
  CACHE_MAX_AGE_SECONDS = 60;
}

export interface ResponseCacheConfig {
  /** 0 when the cache is off. */
  readonly entries: number;
  readonly maxEntryBytes: number;
  readonly maxBytes: number;
  /** 0 sends `Cache-Control: no-cache`. */
  readonly maxAgeSeconds: number;
}

export const responseCacheConfig = registerAs('responseCache', (): ResponseCacheConfig => {
  const env = validateConfig(process.env, ResponseCacheEnvironment);
  return {
    entries: env.RESPONSE_CACHE_ENTRIES,
    maxEntryBytes: env.RESPONSE_CACHE_MAX_ENTRY_BYTES,
    maxBytes: env.RESPONSE_CACHE_MAX_BYTES,
    maxAgeSeconds: env.CACHE_MAX_AGE_SECONDS,
  };
});
