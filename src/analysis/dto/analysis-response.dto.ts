import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_EXACT_FRACTION_DIGITS, type Arithmetic } from 'src/engine';
import {
  COMPARE_MODES,
  GROUP_BY_KEYS,
  type CompareMode,
  type GroupByKey,
} from 'src/analysis/dto/analysis-query.dto';

export class NormalisedQueryDto {
  @ApiProperty({ example: ['mean', 'median', 'p90'] })
  metrics!: string[];

  @ApiProperty({
    description: 'Selected countries; every country when none was given.',
    example: ['AR', 'CL'],
  })
  countries!: string[];

  @ApiProperty({ type: 'integer', isArray: true, nullable: true, example: [2024] })
  years!: number[] | null;

  @ApiProperty({ type: String, nullable: true, example: '2024-03-01' })
  from!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  to!: string | null;

  @ApiProperty({ enum: GROUP_BY_KEYS, isArray: true, example: ['country', 'quarter'] })
  groupBy!: GroupByKey[];

  @ApiPropertyOptional({ enum: COMPARE_MODES, description: 'Present when requested.' })
  compare?: CompareMode;

  @ApiPropertyOptional({ description: 'Present when requested.', example: 3 })
  window?: number;

  @ApiPropertyOptional({ description: 'Present (true) when requested.', example: true })
  cumulative?: boolean;

  @ApiPropertyOptional({ description: 'Present (true) when requested.', example: true })
  share?: boolean;

  @ApiPropertyOptional({ description: 'Present when requested.', example: 5 })
  top?: number;

  @ApiPropertyOptional({
    description: "The metric ranking countries for 'top' (the first metric unless given).",
    example: 'sum',
  })
  rankBy?: string;

  @ApiPropertyOptional({ description: 'Present when not 1 (calendar years).', example: 7 })
  fiscalYearStart?: number;
}

export class AnalysisResponseDto {
  @ApiProperty({ example: 'sales' })
  dataset!: string;

  @ApiProperty({
    description: 'The query as understood, defaults filled in.',
    type: NormalisedQueryDto,
  })
  query!: NormalisedQueryDto;

  @ApiProperty({ description: 'Rows that passed the filters.', example: 412 })
  matchedRows!: number;

  @ApiProperty({
    description: 'Rows of this dataset skipped at load time in lenient mode (0 in strict mode).',
    example: 0,
  })
  rejectedRows!: number;

  @ApiProperty({
    description:
      'One object per group, ordered by its keys (OTHER after the countries): group keys (`country` "AR" or "OTHER", `year` 2024 or "FY2025", `quarter` "2024-Q1" or "FY2025-Q1", `month` "2024-03", `week` "2024-W09"), then each metric `m`, followed by `m_previous` and `m_change` with `compare`, then `count_share`/`sum_share` with `share`, then `windowPeriods` with `window`. Values are unrounded; `count` is an integer; stddev/variance are null for a single row.',
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number', nullable: true }] },
    },
    example: [
      { country: 'AR', quarter: '2024-Q1', mean: 812.4, median: 790.15, p90: 1260.3 },
      { country: 'AR', quarter: '2024-Q2', mean: 798.02, median: 771.4, p90: 1233.9 },
    ],
  })
  results!: Record<string, string | number | null>[];
}

export class CountryRowsDto {
  @ApiProperty({ example: 'AR' })
  code!: string;

  @ApiProperty({ example: 742 })
  rows!: number;
}

export class DateRangeDto {
  @ApiProperty({ example: '2023-01-01' })
  from!: string;

  @ApiProperty({ example: '2025-12-31' })
  to!: string;
}

export class RejectedRowDto {
  @ApiProperty({ example: 17 })
  line!: number;

  @ApiProperty({ type: String, nullable: true, example: 'value' })
  column!: string | null;

  @ApiProperty({ example: '"abc" is not a finite number' })
  reason!: string;
}

export class DatasetSummaryDto {
  @ApiProperty({ example: 'sales' })
  name!: string;

  @ApiProperty({ example: 5000 })
  rows!: number;

  @ApiProperty({ type: [CountryRowsDto] })
  countries!: CountryRowsDto[];

  @ApiProperty({ type: DateRangeDto, nullable: true })
  dateRange!: DateRangeDto | null;

  @ApiProperty({ type: 'integer', isArray: true, example: [2023, 2024, 2025] })
  years!: number[];

  @ApiProperty({ example: '2026-01-05T10:00:00.000Z' })
  loadedAt!: string;

  @ApiProperty({ description: 'File name of the source (never a path).', example: 'sales.csv' })
  source!: string;

  @ApiProperty({
    description: 'SHA-256 of the file, hex.',
    example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  })
  sha256!: string;

  @ApiProperty({
    description:
      "Version id of the data as served now: derived from the content and from how it was read (or, on ClickHouse, from its latest recorded version, its imports and the table's extent), the same across restarts over the same data, and new whenever the data changes.",
    example: '3f2a9c0d41b7e865',
    pattern: '^[0-9a-f]{16}$',
  })
  version!: string;

  @ApiProperty({ description: 'Rows skipped in lenient mode.', example: 0 })
  rejectedRows!: number;

  @ApiPropertyOptional({ type: [RejectedRowDto], description: 'The first skipped rows.' })
  rejectedExamples!: RejectedRowDto[];

  @ApiProperty({
    enum: ['exact-decimal', 'float'],
    description:
      'How `sum`, `mean`, `variance` and `stddev` are computed. `exact-decimal`: every value has at ' +
      `most ${MAX_EXACT_FRACTION_DIGITS} fraction digits, so sums and means come from exact ` +
      'scaled-integer totals and are the correctly rounded doubles of the exact decimal results ' +
      '(0.10 + 0.20 gives 0.3), medians and percentiles the nearest doubles to the exact ' +
      'interpolations; variance and stddev come from exact integer moments, within one ' +
      'unit in the last place, unless the squares of the scaled values add up past 2^103. ' +
      '`float`: some value needs more digits, and these metrics are computed in double ' +
      'precision. On ClickHouse datasets `exact-decimal` means every value is k / 10^4 for an ' +
      'integer k and covers sum and mean; variance, stddev and quantiles stay in double precision there.',
    example: 'exact-decimal',
  })
  arithmetic!: Arithmetic;
}
