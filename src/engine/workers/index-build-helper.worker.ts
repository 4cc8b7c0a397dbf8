import { parentPort } from 'node:worker_threads';
import { claimDecimalBlocks } from 'src/engine/columnar/decimal-blocks';
import { touchPages, type IndexBuildHelperMessage } from 'src/engine/workers/index-build-helper';

/** Helper thread of the index build: does what IndexBuildHelper sends, in order. */
parentPort?.on('message', (message: IndexBuildHelperMessage) => {
  if (message.kind === 'touch') {
    touchPages(message.buffers);
  } else {
    claimDecimalBlocks(message.job);
  }
});
