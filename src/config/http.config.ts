import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { ArrayMinSize, IsArray, IsInt, Matches, Max, Min } from 'class-validator';
import { toList } from 'src/common/validation/query-transforms';
import { integerOr } from 'src/config/env-transforms';
import { validateConfig } from 'src/config/validate-config';

const ORIGIN_PATTERN = /^(\*|https?:\/\/[^\s/?#,]+)$/;

class HttpEnvironment {
  @Transform(({ value }: { value: unknown }) =>
    value === undefined || value === '' ? ['*'] : toList(value),
  )
  @IsArray()
  @ArrayMinSize(1, { message: 'must list at least one origin, or *' })
  @Matches(ORIGIN_PATTERN, {
    each: true,
    message: 'must be * or a comma-separated list of origins such as https://app.example.com',
  })
  CORS_ORIGINS: string[] = ['*'];

  /** Requests per minute per client address; 0 turns rate limiting off. */
  @Transform(integerOr(600))
  @IsInt({ message: 'must be an integer from 0 (off) to 1000000' })
  @Min(0, { message: 'must be an integer from 0 (off) to 1000000' })
  @Max(1_000_000, { message: 'must be an integer from 0 (off) to 1000000' })
  RATE_LIMIT_PER_MINUTE = 600;

  /** Reverse proxies in front of the service whose X-Forwarded-For entries are trusted. */
  @Transform(integerOr(1))
  @IsInt({ message: 'must be an integer from 0 to 10' })
  @Min(0, { message: 'must be an integer from 0 to 10' })
  @Max(10, { message: 'must be an integer from 0 to 10' })
  TRUST_PROXY_HOPS = 1;

  @Transform(integerOr(4096))
  @IsInt({ message: 'must be an integer from 256 to 65536' })
  @Min(256, { message: 'must be an integer from 256 to 65536' })
  @Max(65536, { message: 'must be an integer from 256 to 65536' })
  MAX_URL_LENGTH = 4096;

  @Transform(integerOr(16384))
  @IsInt({ message: 'must be an integer from 1024 to 1048576' })
  @Min(1024, { message: 'must be an integer from 1024 to 1048576' })
  @Max(1_048_576, { message: 'must be an integer from 1024 to 1048576' })
  MAX_HEADER_BYTES = 16384;
}

export interface HttpConfig {
  /** `'*'` allows any origin; otherwise the exact origins allowed. */
  readonly corsOrigins: '*' | readonly string[];
  readonly rateLimitPerMinute: number;
  readonly trustProxyHops: number;
  readonly maxUrlLength: number;
  readonly maxHeaderBytes: number;
}

export const httpConfig = registerAs('http', (): HttpConfig => {
  const env = validateConfig(process.env, HttpEnvironment);
  return {
    corsOrigins: env.CORS_ORIGINS.includes('*') ? '*' : env.CORS_ORIGINS,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    maxUrlLength: env.MAX_URL_LENGTH,
    maxHeaderBytes: env.MAX_HEADER_BYTES,
  };
});
