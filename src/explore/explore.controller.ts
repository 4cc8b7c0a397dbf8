import {
  Controller,
  Inject,
  Get,
  Header,
  HttpStatus,
  Param,
  Redirect,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import accepts from 'accepts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dataConfig } from 'src/config/data.config';
import { ExploreAssetParamDto } from 'src/explore/dto/explore-asset-param.dto';
import {
  DEFAULT_ANALYSIS_QUERY,
  EXPLORE_ASSETS_PATH,
  EXPLORE_PAGE_PATH,
  ExploreAssets,
} from 'src/explore/explore-assets';
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
   * To the page on the first configured dataset, in the URL the page writes for its default view:
   * the page's HTML then preloads the facts and the numbers, and the page keeps its URL as it is.
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
          : `${EXPLORE_PAGE_PATH}?dataset=${encodeURIComponent(first.name)}&${DEFAULT_ANALYSIS_QUERY}`,
    };
  }

  @Get(EXPLORE_PAGE_PATH)
  @RouteConfig(NOT_RATE_LIMITED)
  // Small and cheap to send again; revalidating keeps it in step with the versioned assets.
  @Header('Cache-Control', 'no-cache')
  page(@Req() request: FastifyRequest): StreamableFile {
    const { url } = request;
    const query = url.indexOf('?');
    return this.assets.page(query === -1 ? '' : url.slice(query));
  }

  @Get(`${EXPLORE_ASSETS_PATH}/:version/:file`)
  @RouteConfig(NOT_RATE_LIMITED)
  @Header('Cache-Control', 'public, max-age=31536000, immutable')
  asset(
    @Param() { version, file }: ExploreAssetParamDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): StreamableFile {
    // Compressed once at start-up: gzip when the browser takes it, the file itself otherwise.
    const negotiate = accepts(request.raw);
    const asset = this.assets.asset(version, file, (available) => negotiate.encodings(available));
    reply.header('vary', 'accept-encoding');
    if (asset.encoding !== 'identity') {
      reply.header('content-encoding', asset.encoding);
    }
    return asset.file;
  }
}
