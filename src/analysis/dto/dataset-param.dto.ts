import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

export class DatasetParamDto {
  @ApiProperty({ description: 'Dataset name, as listed by GET /v1/datasets.', example: 'sales' })
  @IsString()
  dataset!: string;
}
