import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DatasetRepository } from 'src/data/dataset.repository';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly datasets: DatasetRepository) {}

  @Get()
  @ApiOperation({ summary: 'Ready once every dataset is loaded; reports the rows loaded' })
  @ApiOkResponse({ schema: { example: { status: 'ok', rows: 5000 } } })
  check(): { status: 'ok'; rows: number } {
    return { status: 'ok', rows: this.datasets.loadedRows() };
  }
}
