import {
  Controller,
  Get,
  Header,
  HttpStatus,
  Param,
  Redirect,
  StreamableFile,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { ExploreAssetParamDto } from 'src/explore/dto/explore-asset-param.dto';
import { EXPLORE_ASSETS_PATH, EXPLORE_PAGE_PATH, ExploreAssets } from 'src/explore/explore-assets';

/** The explore page: charts and tables over the v1 API, for people rather than programs. */
@ApiExcludeController()
@SkipThrottle()
@Controller()
export class ExploreController {
  constructor(private readonly assets: ExploreAssets) {}

  @Get()
  @Redirect(EXPLORE_PAGE_PATH, HttpStatus.FOUND)
  home(): void {
    // The redirect decorator answers.
  }

  @Get(EXPLORE_PAGE_PATH)
  // Small and cheap to send again; revalidating keeps it in step with the versioned assets.
  @Header('Cache-Control', 'no-cache')
  page(): StreamableFile {
    return this.assets.page();
  }

  @Get(`${EXPLORE_ASSETS_PATH}/:version/:file`)
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  asset(@Param() { version, file }: ExploreAssetParamDto): StreamableFile {
    return this.assets.asset(version, file);
  }
}
