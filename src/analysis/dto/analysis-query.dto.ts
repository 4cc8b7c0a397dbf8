import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
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
import { toInteger, toList } from 'src/common/validation/query-transforms';

export const GROUP_BY_KEYS = ['country', 'year', 'quarter', 'month', 'none'] as const;
export type GroupByKey = (typeof GROUP_BY_KEYS)[number];
export const PERIOD_KEYS = ['year', 'quarter', 'month'] as const;

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
    return "takes 'country', at most one of 'year', 'quarter', 'month', or both kinds (e.g. 'country,month'); 'none' stands alone";
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
      "How to split results: 'country', one period ('year', 'quarter' or 'month'), both kinds ('country,month'), or 'none' for one global row.",
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
    description: 'Response format; `Accept: text/csv` also selects CSV.',
    enum: OUTPUT_FORMATS,
    default: 'json',
  })
  @IsOptional()
  @Transform(singleValue)
  @IsIn(OUTPUT_FORMATS, { message: `must be one of ${OUTPUT_FORMATS.join(', ')}` })
  format?: (typeof OUTPUT_FORMATS)[number];
}
