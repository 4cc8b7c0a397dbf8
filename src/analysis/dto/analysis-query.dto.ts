import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { METRIC_NAMES_DESCRIPTION, parseMetricName } from 'src/engine';
import { parseIsoDate } from 'src/common/calendar/day-number';
import { Flag } from 'src/common/validation/flag.decorator';
import { toInteger, toList } from 'src/common/validation/query-transforms';

export const GROUP_BY_KEYS = ['country', 'year', 'quarter', 'month', 'week', 'none'] as const;
export type GroupByKey = (typeof GROUP_BY_KEYS)[number];
export const PERIOD_KEYS = ['year', 'quarter', 'month', 'week'] as const;

export const COMPARE_MODES = ['previous_period', 'previous_year'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

export const WINDOW_PERIODS = { min: 2, max: 36 } as const;
export const TOP_COUNTRIES = { min: 1, max: 50 } as const;

export const OUTPUT_FORMATS = ['json', 'csv'] as const;

const lowerCaseList = ({ value }: { value: unknown }): unknown => {
  const list = toList(value);
  return Array.isArray(list) ? list.map((item: string) => item.toLowerCase()) : list;
};

/** The items of a rejected list that fail the rule, quoted, for error messages. */
function invalidItems(value: unknown, allowed: readonly string[] | RegExp): string {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const ok = (item: unknown): boolean =>
    typeof item === 'string' &&
    (allowed instanceof RegExp ? allowed.test(item) : allowed.includes(item));
  return items
    .filter((item) => !ok(item))
    .map((item) => JSON.stringify(item))
    .join(', ');
}

const singleValue = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

const lowerCaseValue = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

@ValidatorConstraint({ name: 'metricNames' })
class MetricNamesConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return Array.isArray(value) && value.every((name) => parseMetricName(String(name)) !== null);
  }

  defaultMessage({ value }: ValidationArguments): string {
    const unknown = Array.isArray(value)
      ? value.filter((name) => parseMetricName(String(name)) === null)
      : [];
    return `has unknown metric${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `'${String(name)}'`).join(', ')}; allowed: ${METRIC_NAMES_DESCRIPTION}`;
  }
}

@ValidatorConstraint({ name: 'isoCalendarDate' })
class IsoCalendarDateConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseIsoDate(value) !== null;
  }

  defaultMessage({ value }: ValidationArguments): string {
    return typeof value === 'string'
      ? `must be a real calendar date as YYYY-MM-DD (got '${value}')`
      : 'must be a single date as YYYY-MM-DD';
  }
}

@ValidatorConstraint({ name: 'notBeforeFrom' })
class NotBeforeFromConstraint implements ValidatorConstraintInterface {
  validate(to: unknown, { object }: ValidationArguments): boolean {
    const from = (object as AnalysisQueryDto).from;
    const fromDay = typeof from === 'string' ? parseIsoDate(from) : null;
    const toDay = typeof to === 'string' ? parseIsoDate(to) : null;
    return fromDay === null || toDay === null || fromDay <= toDay;
  }

  defaultMessage({ object }: ValidationArguments): string {
    return `must not be before 'from' (${(object as AnalysisQueryDto).from})`;
  }
}

@ValidatorConstraint({ name: 'groupByCombination' })
class GroupByCombinationConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (!Array.isArray(value)) {
      return false;
    }
    // A key repeated (`groupBy=month&groupBy=month`) counts once, as it does for every list.
    const keys = [...new Set(value as string[])];
    const periods = keys.filter((key) => (PERIOD_KEYS as readonly string[]).includes(key));
    return periods.length <= 1 && (!keys.includes('none') || keys.length === 1);
  }

  defaultMessage(): string {
    return "takes 'country', at most one of 'year', 'quarter', 'month', 'week', or both kinds (e.g. 'country,month'); 'none' stands alone";
  }
}

const groupKeysOf = (query: AnalysisQueryDto): string[] =>
  Array.isArray(query.groupBy) ? query.groupBy : [];
const hasPeriod = (query: AnalysisQueryDto): boolean =>
  groupKeysOf(query).some((key) => (PERIOD_KEYS as readonly string[]).includes(key));
const hasDateRange = (query: AnalysisQueryDto): boolean =>
  (query.from !== undefined && query.to !== undefined) ||
  (Array.isArray(query.years) && query.years.length > 0);

/**
 * Checks that need other parameters of the same request, so that every contradiction is reported
 * together with the syntax errors, each under the parameter that cannot be honoured.
 */
@ValidatorConstraint({ name: 'needsPeriod' })
class NeedsPeriodConstraint implements ValidatorConstraintInterface {
  validate(value: unknown, { object }: ValidationArguments): boolean {
    return value === false || hasPeriod(object as AnalysisQueryDto);
  }

  defaultMessage({ property }: ValidationArguments): string {
    return `needs a period in 'groupBy' (year, quarter, month or week): ${property === 'window' ? 'a window spans periods' : 'running totals accumulate period by period'}`;
  }
}

@ValidatorConstraint({ name: 'notWithWindow' })
class NotWithWindowConstraint implements ValidatorConstraintInterface {
  validate(cumulative: unknown, { object }: ValidationArguments): boolean {
    return cumulative !== true || (object as AnalysisQueryDto).window === undefined;
  }

  defaultMessage(): string {
    return "cannot be combined with 'window': a row covers either its last N periods or every period up to it";
  }
}

@ValidatorConstraint({ name: 'notWithRunningRows' })
class NotWithRunningRowsConstraint implements ValidatorConstraintInterface {
  validate(_value: unknown, { object }: ValidationArguments): boolean {
    const query = object as AnalysisQueryDto;
    return query.window === undefined && query.cumulative !== true;
  }

  defaultMessage(): string {
    return "cannot be combined with 'window' or 'cumulative': it compares each row's own rows";
  }
}

@ValidatorConstraint({ name: 'comparableRange' })
class ComparableRangeConstraint implements ValidatorConstraintInterface {
  validate(_value: unknown, { object }: ValidationArguments): boolean {
    const query = object as AnalysisQueryDto;
    return hasPeriod(query) || hasDateRange(query);
  }

  defaultMessage(): string {
    return "needs a period in 'groupBy', or a date range to compare ('from' and 'to', or 'years')";
  }
}

@ValidatorConstraint({ name: 'needsCountryGroups' })
class NeedsCountryGroupsConstraint implements ValidatorConstraintInterface {
  validate(_value: unknown, { object }: ValidationArguments): boolean {
    return groupKeysOf(object as AnalysisQueryDto).includes('country');
  }

  defaultMessage(): string {
    return "needs 'country' in 'groupBy': it keeps the top countries and folds the rest into OTHER";
  }
}

@ValidatorConstraint({ name: 'requestedMetric' })
class RequestedMetricConstraint implements ValidatorConstraintInterface {
  validate(rankBy: unknown, { object }: ValidationArguments): boolean {
    const metrics = (object as AnalysisQueryDto).metrics;
    // An invalid metrics list is reported under 'metrics' alone.
    return !Array.isArray(metrics) || metrics.includes(String(rankBy));
  }

  defaultMessage({ object, value }: ValidationArguments): string {
    const metrics = (object as AnalysisQueryDto).metrics;
    return `must be one of the requested metrics (${Array.isArray(metrics) ? metrics.join(', ') : ''}), got '${String(value)}'`;
  }
}

@ValidatorConstraint({ name: 'needsTop' })
class NeedsTopConstraint implements ValidatorConstraintInterface {
  validate(_value: unknown, { object }: ValidationArguments): boolean {
    return (object as AnalysisQueryDto).top !== undefined;
  }

  defaultMessage(): string {
    return "needs 'top': it names the metric that ranks the countries";
  }
}

/** Query of `GET /v1/datasets/{dataset}/analysis`. */
export class AnalysisQueryDto {
  @ApiProperty({
    description: `Metrics to compute (${METRIC_NAMES_DESCRIPTION}). Percentiles and the median interpolate linearly between closest ranks; stddev and variance are sample (n−1) values, null for a single row. Repeated keys, comma lists and single values are all accepted.`,
    type: [String],
    example: ['count', 'sum', 'mean', 'median', 'p90'],
  })
  @Transform(lowerCaseList)
  @IsArray({ message: `is required: one or more of ${METRIC_NAMES_DESCRIPTION}` })
  @ArrayNotEmpty({ message: `is required: one or more of ${METRIC_NAMES_DESCRIPTION}` })
  @Validate(MetricNamesConstraint)
  metrics!: string[];

  @ApiPropertyOptional({
    description:
      'ISO 3166 alpha-2 country codes (any case) present in the dataset. Default: every country.',
    type: [String],
    example: ['AR', 'CL'],
  })
  @IsOptional()
  @Transform(({ value }) => {
    const list = toList(value);
    return Array.isArray(list) ? list.map((item: string) => item.toUpperCase()) : list;
  })
  @IsArray({ message: 'must be a list of ISO 3166 alpha-2 codes such as AR' })
  @Matches(/^[A-Z]{2}$/, {
    each: true,
    message: ({ value }) =>
      `must be ISO 3166 alpha-2 codes such as AR (got ${invalidItems(value, /^[A-Z]{2}$/)})`,
  })
  countries?: string[];

  @ApiPropertyOptional({
    description: 'Calendar years to include. Default: every year.',
    type: [Number],
    example: [2024],
  })
  @IsOptional()
  @Transform(({ value }) => {
    const list = toList(value);
    return Array.isArray(list) ? list.map(toInteger) : list;
  })
  @IsArray({ message: 'must be a list of years such as 2024' })
  @IsInt({ each: true, message: 'must be whole years such as 2024' })
  @Min(1, { each: true, message: 'must be years between 1 and 9999' })
  @Max(9999, { each: true, message: 'must be years between 1 and 9999' })
  years?: number[];

  @ApiPropertyOptional({
    description: 'First day to include, ISO YYYY-MM-DD (inclusive).',
    example: '2024-03-01',
  })
  @IsOptional()
  @Transform(singleValue)
  @Validate(IsoCalendarDateConstraint)
  from?: string;

  @ApiPropertyOptional({
    description: "Last day to include, ISO YYYY-MM-DD (inclusive); not before 'from'.",
    example: '2024-12-31',
  })
  @IsOptional()
  @Transform(singleValue)
  @Validate(IsoCalendarDateConstraint)
  @Validate(NotBeforeFromConstraint)
  to?: string;

  @ApiPropertyOptional({
    description:
      "How to split results: 'country', one period ('year', 'quarter', 'month' or 'week', ISO 8601 weeks keyed \"2024-W09\"), both kinds ('country,month'), or 'none' for one global row.",
    type: [String],
    enum: GROUP_BY_KEYS,
    default: ['country'],
    example: ['country', 'quarter'],
  })
  @IsOptional()
  @Transform(lowerCaseList)
  @IsArray({ message: `must be a list of ${GROUP_BY_KEYS.join(', ')}` })
  @IsIn(GROUP_BY_KEYS, {
    each: true,
    message: ({ value }) =>
      `must be among ${GROUP_BY_KEYS.join(', ')} (got ${invalidItems(value, GROUP_BY_KEYS)})`,
  })
  @Validate(GroupByCombinationConstraint)
  groupBy: GroupByKey[] = ['country'];

  @ApiPropertyOptional({
    description:
      "Compare every row with the same metrics over earlier rows: each metric `m` gains `m_previous` and `m_change` ((m − m_previous) / |m_previous|, null when m_previous is 0 or null). With a period grouping, `previous_period` compares each period with the one before it and `previous_year` with the same period a year earlier (ISO week 53 has none). Without one, the comparison range is the same number of days just before the filtered range (`previous_period`) or the same dates a year earlier (`previous_year`; 29 February maps to 28 February), which needs 'from' and 'to' or 'years'. Country filters apply to the comparison rows; date filters only choose the rows shown. A period cut by 'from'/'to' is compared with the same days of its comparison period.",
    enum: COMPARE_MODES,
    example: 'previous_year',
  })
  @IsOptional()
  @Transform(lowerCaseValue)
  @IsIn(COMPARE_MODES, { message: `must be one of ${COMPARE_MODES.join(', ')}` })
  @Validate(ComparableRangeConstraint)
  @Validate(NotWithRunningRowsConstraint)
  compare?: CompareMode;

  @ApiPropertyOptional({
    description: `Rolling window of N periods (${WINDOW_PERIODS.min}–${WINDOW_PERIODS.max}), with a period grouping: each row's metrics cover the rows of the N periods ending with its period, looking back past the date filters (a 3-month rolling median is the exact median of those months' rows). Rows gain \`windowPeriods\`: how many of the N periods lie within the dataset's date span.`,
    minimum: WINDOW_PERIODS.min,
    maximum: WINDOW_PERIODS.max,
    example: 3,
  })
  @IsOptional()
  @Transform(({ value }) => toInteger(value))
  @IsInt({
    message: `must be a whole number of periods from ${WINDOW_PERIODS.min} to ${WINDOW_PERIODS.max}`,
  })
  @Min(WINDOW_PERIODS.min, { message: `must be at least ${WINDOW_PERIODS.min} periods` })
  @Max(WINDOW_PERIODS.max, { message: `must be at most ${WINDOW_PERIODS.max} periods` })
  @Validate(NeedsPeriodConstraint)
  window?: number;

  @Flag(
    'Running totals, with a period grouping: each row covers every filtered row from the start of the filtered range (or of the data) to the end of its period; running medians, means and the rest too.',
  )
  @Validate(NeedsPeriodConstraint)
  @Validate(NotWithWindowConstraint)
  cumulative?: boolean;

  @Flag(
    "Shares of the total: with `count` or `sum` requested, rows gain `count_share` / `sum_share`, the row's part of the total over the rows of the answer with the same period (the whole answer without a period); the shares of one period add up to 1.",
  )
  share?: boolean;

  @ApiPropertyOptional({
    description: `Keep the N countries (${TOP_COUNTRIES.min}–${TOP_COUNTRIES.max}) with the highest 'rankBy' metric over the filtered rows and fold every other country into one row, \`"country": "OTHER"\`, computed over the union of their rows (its median is the true median of those sales). Needs 'country' in 'groupBy'; with a period, the same countries are kept in every period. Ties break by country code; OTHER comes last.`,
    minimum: TOP_COUNTRIES.min,
    maximum: TOP_COUNTRIES.max,
    example: 5,
  })
  @IsOptional()
  @Transform(({ value }) => toInteger(value))
  @IsInt({
    message: `must be a whole number of countries from ${TOP_COUNTRIES.min} to ${TOP_COUNTRIES.max}`,
  })
  @Min(TOP_COUNTRIES.min, { message: `must be at least ${TOP_COUNTRIES.min}` })
  @Max(TOP_COUNTRIES.max, { message: `must be at most ${TOP_COUNTRIES.max}` })
  @Validate(NeedsCountryGroupsConstraint)
  top?: number;

  @ApiPropertyOptional({
    description:
      "The requested metric that ranks countries for 'top' (highest first). Default: the first requested metric.",
    example: 'sum',
  })
  @IsOptional()
  @Transform(lowerCaseValue)
  @IsString({ message: 'must be one metric name, such as sum' })
  @Validate(NeedsTopConstraint)
  @Validate(RequestedMetricConstraint)
  rankBy?: string;

  @ApiPropertyOptional({
    description:
      "First month (1–12) of the fiscal year. It shifts 'year' and 'quarter' keys: with 7, July 2024 to June 2025 is \"FY2025\" and July–September 2024 \"FY2025-Q1\"; 'years' then filters by fiscal year. Default 1, the calendar year.",
    minimum: 1,
    maximum: 12,
    default: 1,
    example: 7,
  })
  @IsOptional()
  @Transform(({ value }) => toInteger(value))
  @IsInt({ message: 'must be a month number from 1 to 12' })
  @Min(1, { message: 'must be a month number from 1 to 12' })
  @Max(12, { message: 'must be a month number from 1 to 12' })
  fiscalYearStart?: number;

  @ApiPropertyOptional({
    description: 'Response format; `Accept: text/csv` also selects CSV.',
    enum: OUTPUT_FORMATS,
    default: 'json',
  })
  @IsOptional()
  @Transform(singleValue)
  @IsIn(OUTPUT_FORMATS, { message: `must be one of ${OUTPUT_FORMATS.join(', ')}` })
  format?: (typeof OUTPUT_FORMATS)[number];
}
