import { IsString } from 'class-validator';

/** Path of `GET /explore/assets/{version}/{file}`; the asset catalogue decides what exists. */
export class ExploreAssetParamDto {
  @IsString()
  version!: string;

  @IsString()
  file!: string;
}
