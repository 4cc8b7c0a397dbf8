import { parentPort } from 'node:worker_threads';
import { claimDecimalBlocks, type DecimalBlockJob } from 'src/data/columnar/decimal-blocks';

/** Helper thread of the index build: takes a share of each job it is sent (see LayoutHelper). */
parentPort?.on('message', (job: DecimalBlockJob) => {
  claimDecimalBlocks(job);
});
