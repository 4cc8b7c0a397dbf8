import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsIn } from 'class-validator';
import { keywordOr } from 'src/config/env-transforms';
import { validateConfig } from 'src/config/validate-config';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

class LoggingEnvironment {
  @Transform(keywordOr('info'))
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** JSON lines for log collectors; `pretty` for a developer's terminal. */
  @Transform(keywordOr('json'))
  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  LOG_FORMAT: LogFormat = 'json';
}

export interface LoggingConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

export const loggingConfig = registerAs('logging', (): LoggingConfig => {
  const env = validateConfig(process.env, LoggingEnvironment);
  return { level: env.LOG_LEVEL, format: env.LOG_FORMAT };
});
