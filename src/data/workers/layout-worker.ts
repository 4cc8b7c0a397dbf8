import { parentPort } from 'node:worker_threads';
import { claimDecimalBlocks } from 'src/data/columnar/decimal-blocks';
import { touchPages, type LayoutHelperMessage } from 'src/data/workers/layout-helper';

/** Helper thread of the index build: does what LayoutHelper sends, in order. */
parentPort?.on('message', (message: LayoutHelperMessage) => {
  if (message.kind === 'touch') {
    touchPages(message.buffers);
  } else {
    claimDecimalBlocks(message.job);
  }
});
