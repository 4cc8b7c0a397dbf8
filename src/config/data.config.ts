import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
} from 'class-validator';
import { toBooleanFlag } from 'src/common/validation/query-transforms';
import { ConfigValidationError, validateConfig } from 'src/config/validate-config';
import {
  DATE_FORMATS,
  DEFAULT_CSV_FORMAT,
  type CsvFormat,
  type DateFormat,
} from 'src/data/csv/csv-format';

/** The dataset `DATA_PATH` points at; the original service had exactly this one. */
export const DEFAULT_DATASET_NAME = 'sales';

const DATASET_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

class DataEnvironment {
  @Transform(({ value }: { value: unknown }) => value ?? 'data/sales.csv')
  @IsString()
  @IsNotEmpty({ message: 'must be a path to a CSV file' })
  DATA_PATH = 'data/sales.csv';

  @Transform(({ value }) => (value === undefined || value === '' ? false : toBooleanFlag(value)))
  @IsBoolean({ message: 'must be true or false' })
  DATA_LENIENT = false;

  @IsOptional()
  @IsString()
  @IsNotEmpty({ message: 'must be a path to a JSON file when set' })
  DATASETS_FILE?: string;
}

class DatasetColumnsEntry {
  @IsOptional() @IsString() @IsNotEmpty() country?: string;
  @IsOptional() @IsString() @IsNotEmpty() value?: string;
  @IsOptional() @IsString() @IsNotEmpty() date?: string;
}

class DatasetEntry {
  @Matches(DATASET_NAME_PATTERN, {
    message: 'must be 1-64 lower-case letters, digits, "-" or "_", starting with a letter or digit',
  })
  name!: string;

  @IsString()
  @IsNotEmpty()
  path!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => DatasetColumnsEntry)
  columns?: DatasetColumnsEntry;

  @IsOptional()
  @IsIn(DATE_FORMATS, { message: `must be one of ${DATE_FORMATS.join(', ')}` })
  dateFormat?: DateFormat;

  @IsOptional()
  @IsBoolean()
  lenient?: boolean;
}

class DatasetsFile {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => DatasetEntry)
  datasets!: DatasetEntry[];
}

/** One dataset the service loads at start-up. Names come only from here, never from a request. */
export interface DatasetConfig {
  readonly name: string;
  /** Absolute path, used only to read the file; never shown to clients. */
  readonly path: string;
  /** File name alone, safe to show. */
  readonly source: string;
  readonly format: CsvFormat;
  /** Skip and count defective rows instead of refusing to start. */
  readonly lenient: boolean;
}

export interface DataConfig {
  readonly defaultDataset: string;
  readonly datasets: readonly DatasetConfig[];
}

function readDatasetsFile(file: string): DatasetConfig[] {
  const absolute = resolve(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(absolute, 'utf8'));
  } catch (error) {
    throw new ConfigValidationError(
      `Invalid configuration: DATASETS_FILE: cannot read ${file} as JSON (${(error as Error).message})`,
    );
  }
  const config = validateConfig(
    (parsed ?? {}) as Record<string, unknown>,
    DatasetsFile,
    `Invalid configuration: DATASETS_FILE ${file}`,
  );
  // Paths in the file are relative to the file itself, so a config folder can be moved as a unit.
  return config.datasets.map((entry) => {
    const path = resolve(dirname(absolute), entry.path);
    return {
      name: entry.name,
      path,
      source: basename(path),
      format: {
        countryColumn: entry.columns?.country ?? DEFAULT_CSV_FORMAT.countryColumn,
        valueColumn: entry.columns?.value ?? DEFAULT_CSV_FORMAT.valueColumn,
        dateColumn: entry.columns?.date ?? DEFAULT_CSV_FORMAT.dateColumn,
        dateFormat: entry.dateFormat ?? DEFAULT_CSV_FORMAT.dateFormat,
      },
      lenient: entry.lenient ?? false,
    };
  });
}

export function buildDataConfig(source: Record<string, unknown>): DataConfig {
  const env = validateConfig(source, DataEnvironment);
  const defaultPath = resolve(env.DATA_PATH);
  const datasets: DatasetConfig[] = [
    {
      name: DEFAULT_DATASET_NAME,
      path: defaultPath,
      source: basename(defaultPath),
      format: DEFAULT_CSV_FORMAT,
      lenient: env.DATA_LENIENT,
    },
    ...(env.DATASETS_FILE ? readDatasetsFile(env.DATASETS_FILE) : []),
  ];
  const seen = new Set<string>();
  for (const { name } of datasets) {
    if (seen.has(name)) {
      throw new ConfigValidationError(
        `Invalid configuration: DATASETS_FILE: dataset name '${name}' is used twice ('${DEFAULT_DATASET_NAME}' is taken by DATA_PATH)`,
      );
    }
    seen.add(name);
  }
  return { defaultDataset: DEFAULT_DATASET_NAME, datasets };
}

export const dataConfig = registerAs('data', (): DataConfig => buildDataConfig(process.env));
