import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { integerOr, keywordOr } from 'src/config/env-transforms';
import { validateConfig } from 'src/config/validate-config';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const MIB = 1024 * 1024;
const BUFFER_BOUNDS_MESSAGE = `must be an integer from ${64 * 1024} (64 KiB) to ${256 * MIB} (256 MiB)`;

class LoggingEnvironment {
  @Transform(keywordOr('info'))
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** JSON lines for log collectors; `pretty` for a developer's terminal. */
  @Transform(keywordOr('json'))
  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT: LogFormat = 'json';

  /** Bytes of JSON log lines that may wait for stdout; past it lines are dropped and counted. */
  @Transform(integerOr(8 * MIB))
  @IsInt({ message: BUFFER_BOUNDS_MESSAGE })
  @Min(64 * 1024, { message: BUFFER_BOUNDS_MESSAGE })
  @Max(256 * MIB, { message: BUFFER_BOUNDS_MESSAGE })
  LOG_BUFFER_MAX_BYTES = 8 * MIB;
}

export interface LoggingConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly bufferMaxBytes: number;
}

export const loggingConfig = registerAs('logging', (): LoggingConfig => {
  const env = validateConfig(process.env, LoggingEnvironment);
  return {
    level: env.LOG_LEVEL,
    format: env.LOG_FORMAT,
    bufferMaxBytes: env.LOG_BUFFER_MAX_BYTES,
  };
});
