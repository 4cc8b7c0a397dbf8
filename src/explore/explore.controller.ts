import {
  Controller,
  Inject,
  Get,
  Header,
  HttpStatus,
  Param,
  Redirect,
  StreamableFile,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import { dataConfig } from 'src/config/data.config';
import { ExploreAssetParamDto } from 'src/explore/dto/explore-asset-param.dto';
import { EXPLORE_ASSETS_PATH, EXPLORE_PAGE_PATH, ExploreAssets } from 'src/explore/explore-assets';
import { NOT_RATE_LIMITED } from 'src/security/rate-limit.options';

/** The explore page: charts and tables over the v1 API, for people rather than programs. */
@ApiExcludeController()
@Controller()
export class ExploreController {
  constructor(
    private readonly assets: ExploreAssets,
    @Inject(dataConfig.KEY) private readonly data: ConfigType<typeof dataConfig>,
  ) {}

  /**
   * To the page on the first configured dataset: with the dataset in its URL the page asks for the
   * facts and numbers at once, instead of after listing the datasets.
   */
  @Get()
  @RouteConfig(NOT_RATE_LIMITED)
  @Redirect(EXPLORE_PAGE_PATH, HttpStatus.FOUND)
  home(): { url: string } {
    const [first] = this.data.datasets;
    return {
      url:
        first === undefined
          ? EXPLORE_PAGE_PATH
          : `${EXPLORE_PAGE_PATH}?dataset=${encodeURIComponent(first.name)}`,
    };
  }

  @Get(EXPLORE_PAGE_PATH)
  @RouteConfig(NOT_RATE_LIMITED)
  // Small and cheap to send again; revalidating keeps it in step with the versioned assets.
  @Header('Cache-Control', 'no-cache')
  page(): StreamableFile {
    return this.assets.page();
  }

  @Get(`${EXPLORE_ASSETS_PATH}/:version/:file`)
  @RouteConfig(NOT_RATE_LIMITED)
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  asset(@Param() { version, file }: ExploreAssetParamDto): StreamableFile {
    return this.assets.asset(version, file);
  }
}
