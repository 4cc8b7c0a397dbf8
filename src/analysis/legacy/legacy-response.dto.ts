import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The requested metrics of one group, in the order mean, median, max; each printed as a float. */
export class LegacyMetricsDto {
  @ApiPropertyOptional({ example: 656.56 })
  mean?: number;

  @ApiPropertyOptional({ example: 596.18 })
  median?: number;

  @ApiPropertyOptional({ example: 982.69 })
  max?: number;
}

/** `{"global_results": {...}, "on_countries": [...]}`, for `global_results=true`. */
export class LegacyGlobalDto {
  @ApiProperty({ type: LegacyMetricsDto })
  global_results!: LegacyMetricsDto;

  @ApiProperty({
    description: 'The included countries, sorted.',
    type: [String],
    example: ['AR', 'CL'],
  })
  on_countries!: string[];
}
