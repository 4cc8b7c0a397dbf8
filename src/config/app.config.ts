import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { integerOr } from 'src/config/env-transforms';
import { ConfigValidationError, validateConfig } from 'src/config/validate-config';
import { toInteger } from 'src/common/validation/query-transforms';

class AppEnvironment {
  /** Railway injects PORT; 3000 matches the Dockerfile's EXPOSE. */
  @Transform(({ value }) => (value === undefined || value === '' ? 3000 : toInteger(value)))
  @IsInt({ message: 'must be an integer between 0 and 65535' })
  @Min(0, { message: 'must be an integer between 0 and 65535' })
  @Max(65535, { message: 'must be an integer between 0 and 65535' })
  PORT = 3000;

  /** Bound on draining after SIGTERM; keep it below the platform's kill grace period. */
  @Transform(integerOr(10_000))
  @IsInt({ message: 'must be an integer from 100 to 600000 (milliseconds)' })
  @Min(100, { message: 'must be an integer from 100 to 600000 (milliseconds)' })
  @Max(600_000, { message: 'must be an integer from 100 to 600000 (milliseconds)' })
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** Time to keep answering after SIGTERM, so proxies stop routing here and sent requests are read. */
  @Transform(integerOr(1_000))
  @IsInt({ message: 'must be an integer from 0 to 600000 (milliseconds)' })
  @Min(0, { message: 'must be an integer from 0 to 600000 (milliseconds)' })
  @Max(600_000, { message: 'must be an integer from 0 to 600000 (milliseconds)' })
  SHUTDOWN_DRAIN_DELAY_MS = 1_000;
}

export interface AppConfig {
  readonly port: number;
  readonly shutdownTimeoutMs: number;
  readonly shutdownDrainDelayMs: number;
}

export const appConfig = registerAs('app', (): AppConfig => {
  const env = validateConfig(process.env, AppEnvironment);
  if (env.SHUTDOWN_DRAIN_DELAY_MS >= env.SHUTDOWN_TIMEOUT_MS) {
    throw new ConfigValidationError(
      'Invalid configuration: SHUTDOWN_DRAIN_DELAY_MS: must be less than SHUTDOWN_TIMEOUT_MS',
    );
  }
  return {
    port: env.PORT,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: env.SHUTDOWN_DRAIN_DELAY_MS,
  };
});
