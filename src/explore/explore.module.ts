import { Module } from '@nestjs/common';
import { ExploreAssets } from 'src/explore/explore-assets';
import { ExploreController } from 'src/explore/explore.controller';

/** Serves the explore page and its static assets through the usual pipeline. */
@Module({
  controllers: [ExploreController],
  providers: [ExploreAssets],
})
export class ExploreModule {}
