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
  ValidateIf,
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

/** Where a dataset's rows live: parsed into memory at start-up, or in a ClickHouse table. */
export const DATA_BACKENDS = ['memory', 'clickhouse'] as const;
export type DataBackend = (typeof DATA_BACKENDS)[number];

/**
 * ClickHouse table and cluster names: they are spliced into SQL (back-quoted), so only this
 * narrow alphabet is accepted, and only from configuration.
 */
export const SQL_IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SQL_IDENTIFIER_MESSAGE =
  'must be 1-63 ASCII letters, digits or "_", not starting with a digit';

class DataEnvironment {
  @Transform(({ value }: { value: unknown }) => value ?? 'data/sales.csv')
  @IsString()
  @IsNotEmpty({ message: 'must be a path to a CSV file' })
  DATA_PATH = 'data/sales.csv';

  @Transform(({ value }) => (value === undefined || value === '' ? false : toBooleanFlag(value)))
  @IsBoolean({ message: 'must be true or false' })
  DATA_LENIENT = false;

  /** Backend of the default dataset; a ClickHouse dataset is filled with `npm run import`. */
  @Transform(({ value }: { value: unknown }) =>
    value === undefined || value === '' ? 'memory' : value,
  )
  @IsIn(DATA_BACKENDS, { message: `must be one of ${DATA_BACKENDS.join(', ')}` })
  DATA_BACKEND: DataBackend = 'memory';

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

  @IsOptional()
  @IsIn(DATA_BACKENDS, { message: `must be one of ${DATA_BACKENDS.join(', ')}` })
  backend?: DataBackend;

  /** A ClickHouse dataset's rows come from its table; a file is only needed in memory. */
  @ValidateIf((entry: DatasetEntry) => entry.backend !== 'clickhouse' || entry.path !== undefined)
  @IsString()
  @IsNotEmpty()
  path?: string;

  @IsOptional()
  @Matches(SQL_IDENTIFIER_PATTERN, { message: SQL_IDENTIFIER_MESSAGE })
  table?: string;

  @IsOptional()
  @Matches(SQL_IDENTIFIER_PATTERN, { message: SQL_IDENTIFIER_MESSAGE })
  cluster?: string;

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
  readonly backend: DataBackend;
  /**
   * Absolute path, used only to read the file; never shown to clients. Null for a ClickHouse
   * dataset declared without a file (its rows come from `npm run import`).
   */
  readonly path: string | null;
  /** File name alone, safe to show. */
  readonly source: string;
  readonly format: CsvFormat;
  /** Skip and count defective rows instead of refusing to start. */
  readonly lenient: boolean;
  /** ClickHouse table holding the rows (matches SQL_IDENTIFIER_PATTERN); unused in memory. */
  readonly table: string;
  /** ClickHouse cluster the table is spread over through a Distributed table; null for one server. */
  readonly cluster: string | null;
}

/** The default table of a dataset: its name, with "-" (not allowed in table names) as "_". */
export function defaultTableName(dataset: string): string {
  const table = dataset.replace(/-/g, '_');
  return /^[0-9]/.test(table) ? `t_${table}` : table;
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
    const path = entry.path === undefined ? null : resolve(dirname(absolute), entry.path);
    return {
      name: entry.name,
      backend: entry.backend ?? 'memory',
      path,
      source: path === null ? '' : basename(path),
      format: {
        countryColumn: entry.columns?.country ?? DEFAULT_CSV_FORMAT.countryColumn,
        valueColumn: entry.columns?.value ?? DEFAULT_CSV_FORMAT.valueColumn,
        dateColumn: entry.columns?.date ?? DEFAULT_CSV_FORMAT.dateColumn,
        dateFormat: entry.dateFormat ?? DEFAULT_CSV_FORMAT.dateFormat,
      },
      lenient: entry.lenient ?? false,
      table: entry.table ?? defaultTableName(entry.name),
      cluster: entry.cluster ?? null,
    };
  });
}

export function buildDataConfig(source: Record<string, unknown>): DataConfig {
  const env = validateConfig(source, DataEnvironment);
  const defaultPath = resolve(env.DATA_PATH);
  const datasets: DatasetConfig[] = [
    {
      name: DEFAULT_DATASET_NAME,
      backend: env.DATA_BACKEND,
      path: defaultPath,
      source: basename(defaultPath),
      format: DEFAULT_CSV_FORMAT,
      lenient: env.DATA_LENIENT,
      table: defaultTableName(DEFAULT_DATASET_NAME),
      cluster: null,
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
