import { ApiProperty } from '@nestjs/swagger';

export class UploadResponseDto {
  @ApiProperty({ example: 'sales' })
  dataset!: string;

  @ApiProperty({
    description: 'Id of the version that holds the upload; GET /v1/datasets/{dataset} shows it.',
    example: '5c1b0fa4a3f6b3b9',
  })
  version!: string;

  @ApiProperty({ description: 'Rows the upload added.', example: 3 })
  appendedRows!: number;

  @ApiProperty({ description: 'Rows of the dataset once the upload is in.', example: 5003 })
  rows!: number;

  @ApiProperty({
    description: 'Defective rows skipped (lenient datasets only; a strict one refuses the upload).',
    example: 0,
  })
  rejectedRows!: number;
}

export class VersionDto {
  @ApiProperty({ example: '5c1b0fa4a3f6b3b9' })
  version!: string;

  @ApiProperty({ example: '2026-11-30T16:20:00.000Z' })
  createdAt!: string;

  @ApiProperty({ enum: ['initial', 'upload', 'reload'], example: 'upload' })
  source!: 'initial' | 'upload' | 'reload';

  @ApiProperty({
    description:
      'Rows the version added: an upload its rows, the initial load every row, a reload the change in total rows.',
    example: 3,
  })
  rowsAdded!: number;

  @ApiProperty({ description: 'Rows of the dataset at this version.', example: 5003 })
  rows!: number;

  @ApiProperty({ type: String, nullable: true, example: 'a4f8c2d0-upload-2026-11' })
  idempotencyKey!: string | null;

  @ApiProperty({
    description: "SHA-256 of the upload's part, or of the dataset's file for initial and reload.",
    example: '9f0c3b1e5a0d7d1f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081',
  })
  sha256!: string;
}

export class VersionHistoryDto {
  @ApiProperty({ example: 'sales' })
  dataset!: string;

  @ApiProperty({ type: [VersionDto], description: 'Newest first.' })
  versions!: VersionDto[];
}

export class ReloadResponseDto extends VersionDto {
  @ApiProperty({ example: 'sales' })
  dataset!: string;
}
