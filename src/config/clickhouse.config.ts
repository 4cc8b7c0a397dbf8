import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { integerOr } from 'src/config/env-transforms';
import { validateConfig } from 'src/config/validate-config';
import { SQL_IDENTIFIER_PATTERN } from 'src/config/data.config';

const textOr =
  (fallback: string) =>
  ({ value }: { value: unknown }): unknown =>
    value === undefined || value === '' ? fallback : value;

class ClickHouseEnvironment {
  @Transform(textOr('http://localhost:8123'))
  @IsUrl(
    { protocols: ['http', 'https'], require_tld: false, require_protocol: true },
    { message: 'must be an http(s) URL such as http://localhost:8123' },
  )
  CLICKHOUSE_URL = 'http://localhost:8123';

  @Transform(textOr('sales_metrics'))
  @Matches(SQL_IDENTIFIER_PATTERN, {
    message: 'must be 1-63 ASCII letters, digits or "_", not starting with a digit',
  })
  CLICKHOUSE_DATABASE = 'sales_metrics';

  @Transform(textOr('default'))
  @IsString()
  CLICKHOUSE_USER = 'default';

  @Transform(textOr(''))
  @IsString()
  CLICKHOUSE_PASSWORD = '';

  /** Bound on every call to ClickHouse; past it the request answers 503 instead of hanging. */
  @Transform(integerOr(10_000))
  @IsInt({ message: 'must be an integer from 100 to 600000 (milliseconds)' })
  @Min(100, { message: 'must be an integer from 100 to 600000 (milliseconds)' })
  @Max(600_000, { message: 'must be an integer from 100 to 600000 (milliseconds)' })
  CLICKHOUSE_TIMEOUT_MS = 10_000;

  /**
   * How long a replica's claim on an upload's Idempotency-Key lasts without renewal; a claim
   * left by a crashed replica blocks its key (409) for at most this long.
   */
  @Transform(integerOr(30_000))
  @IsInt({ message: 'must be an integer from 5000 to 3600000 (milliseconds)' })
  @Min(5_000, { message: 'must be an integer from 5000 to 3600000 (milliseconds)' })
  @Max(3_600_000, { message: 'must be an integer from 5000 to 3600000 (milliseconds)' })
  CLICKHOUSE_KEY_CLAIM_TTL_MS = 30_000;
}

export interface ClickHouseConfig {
  readonly url: string;
  readonly database: string;
  readonly user: string;
  /** Sent to the server only; never logged or shown. */
  readonly password: string;
  readonly timeoutMs: number;
  readonly keyClaimTtlMs: number;
}

export function buildClickHouseConfig(source: Record<string, unknown>): ClickHouseConfig {
  const env = validateConfig(source, ClickHouseEnvironment);
  return {
    url: env.CLICKHOUSE_URL,
    database: env.CLICKHOUSE_DATABASE,
    user: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    timeoutMs: env.CLICKHOUSE_TIMEOUT_MS,
    keyClaimTtlMs: env.CLICKHOUSE_KEY_CLAIM_TTL_MS,
  };
}

export const clickHouseConfig = registerAs('clickhouse', (): ClickHouseConfig =>
  buildClickHouseConfig(process.env),
);
