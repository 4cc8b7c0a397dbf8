import { dirname, join, resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import {
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { toList } from 'src/common/validation/query-transforms';
import { integerOr } from 'src/config/env-transforms';
import { validateConfig } from 'src/config/validate-config';

const MIB = 1024 * 1024;
/** Shortest accepted API key: 32 characters make guessing one hopeless. */
export const MIN_API_KEY_LENGTH = 32;
const UPLOAD_BOUNDS_MESSAGE = `must be an integer from 1024 to ${1024 * MIB} (bytes)`;

class LiveDataEnvironment {
  /** Validation messages never quote the value: it holds secrets. */
  @Transform(({ value }: { value: unknown }) =>
    value === undefined || value === '' ? [] : toList(value),
  )
  @IsArray()
  @IsString({ each: true })
  @MinLength(MIN_API_KEY_LENGTH, {
    each: true,
    message: `must be a comma-separated list of keys of at least ${MIN_API_KEY_LENGTH} characters each`,
  })
  API_KEYS: string[] = [];

  @Transform(integerOr(64 * MIB))
  @IsInt({ message: UPLOAD_BOUNDS_MESSAGE })
  @Min(1024, { message: UPLOAD_BOUNDS_MESSAGE })
  @Max(1024 * MIB, { message: UPLOAD_BOUNDS_MESSAGE })
  UPLOAD_MAX_BYTES = 64 * MIB;

  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'must be a folder path when set' })
  DATA_DIR?: string;

  @Transform(({ value }: { value: unknown }) => value ?? 'data/sales.csv')
  @IsString()
  DATA_PATH = 'data/sales.csv';
}

export interface LiveDataConfig {
  /** Bearer keys allowed to write; empty when writes are disabled. Never logged. */
  readonly apiKeys: readonly string[];
  readonly uploadMaxBytes: number;
  /** Absolute folder holding each dataset's parts and version log (one sub-folder per dataset). */
  readonly dataDir: string;
}

/** Folder of the parts when DATA_DIR is unset: beside the default dataset's file. */
export const DEFAULT_DATA_DIR_NAME = 'live';

export function buildLiveDataConfig(source: Record<string, unknown>): LiveDataConfig {
  const env = validateConfig(source, LiveDataEnvironment);
  return {
    apiKeys: env.API_KEYS,
    uploadMaxBytes: env.UPLOAD_MAX_BYTES,
    dataDir: resolve(env.DATA_DIR ?? join(dirname(resolve(env.DATA_PATH)), DEFAULT_DATA_DIR_NAME)),
  };
}

export const liveDataConfig = registerAs('liveData', (): LiveDataConfig =>
  buildLiveDataConfig(process.env),
);
