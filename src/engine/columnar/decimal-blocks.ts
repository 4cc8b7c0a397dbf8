import {
  addExactTotals,
  exactMomentsOf,
  type ExactDecimalTotals,
} from 'src/engine/metrics/exact-decimal';
import { combineStats, EMPTY_STATS, statsOf } from 'src/engine/metrics/metric-math';
import { sortTaggedKeys, TaggedKeyScratch } from 'src/engine/columnar/radix-sort';

/**
 * The last step of the index build for decimal values, block by block: sort a (country, month)
 * block's packed keys, write its month run and day runs, and total its partitions. Blocks are
 * independent and every output has a known place, so two threads can share the blocks; this module
 * is what both of them run.
 */

/** Low key bits holding the day of month (1–31). */
export const DAY_BITS = 5;
export const DAY_MASK = (1 << DAY_BITS) - 1;

/** Keys up to this wide decode through a table (8 MiB at most) instead of a division each. */
const VALUE_TABLE_BITS = 20;
/** Blocks claimed at a time: few enough claims to be cheap, small enough to end evenly. */
const BLOCKS_PER_CLAIM = 4;

/** Control words of a job shared between threads. */
const NEXT_BLOCK = 0;
const BLOCKS_DONE = 1;
export const JOB_CONTROL_WORDS = 2;

/**
 * Everything a thread needs to process blocks. When shared, every array is a view of a
 * SharedArrayBuffer, so the job can be posted to a worker as is.
 */
export interface DecimalBlockJob {
  readonly control: Int32Array;
  /** Packed keys, `(k - offset) << DAY_BITS | day of month`, grouped into blocks. */
  readonly keys: Uint32Array;
  /** Day level `[0, n)`, month level `[n, 2n)`. */
  readonly values: Float64Array;
  /** First row of each block (length blocks + 1). */
  readonly monthStarts: Uint32Array;
  /** First day run of each block (length blocks + 1), and each day run's first row. */
  readonly monthFirstDay: Uint32Array;
  readonly dayStart: Uint32Array;
  readonly daySum: Float64Array;
  readonly dayMean: Float64Array;
  readonly dayM2: Float64Array;
  readonly monthSum: Float64Array;
  readonly monthMean: Float64Array;
  readonly monthM2: Float64Array;
  /** Exact partition totals to fill, or null for floating-point arithmetic only. */
  readonly exact: ExactDecimalTotals | null;
  /** A value is `(key >>> DAY_BITS) + offset) / scale`. */
  readonly scale: number;
  readonly offset: number;
  /** Width of `key >>> DAY_BITS`. */
  readonly bits: number;
  /** Rows in the biggest block. */
  readonly largest: number;
}

/**
 * Claims blocks of `job` until none is left and processes them. Any number of threads may run this
 * on the same job at once; returns once this thread finds nothing left to claim.
 */
export function claimDecimalBlocks(job: DecimalBlockJob): void {
  const blockCount = job.monthStarts.length - 1;
  const { control } = job;
  let worker: BlockWorker | null = null;
  for (;;) {
    const first = Atomics.add(control, NEXT_BLOCK, BLOCKS_PER_CLAIM);
    if (first >= blockCount) {
      return;
    }
    const end = Math.min(first + BLOCKS_PER_CLAIM, blockCount);
    worker ??= new BlockWorker(job);
    for (let m = first; m < end; m++) {
      worker.process(m);
    }
    if (Atomics.add(control, BLOCKS_DONE, end - first) + end - first === blockCount) {
      Atomics.notify(control, BLOCKS_DONE);
    }
  }
}

/**
 * Blocks until every block of `job` is done, which only the other thread can still be busy with.
 * Returns false if none got done for `stallMs`.
 */
export function awaitDecimalBlocks(job: DecimalBlockJob, stallMs: number): boolean {
  const blockCount = job.monthStarts.length - 1;
  for (;;) {
    const done = Atomics.load(job.control, BLOCKS_DONE);
    if (done >= blockCount) {
      return true;
    }
    if (Atomics.wait(job.control, BLOCKS_DONE, done, stallMs) === 'timed-out') {
      return Atomics.load(job.control, BLOCKS_DONE) >= blockCount;
    }
  }
}

/** One thread's scratch space and decoding table for a job. */
class BlockWorker {
  private readonly scratch: TaggedKeyScratch;
  private readonly counts = new Uint32Array(DAY_MASK + 1);
  private readonly table: Float64Array | null;

  constructor(private readonly job: DecimalBlockJob) {
    this.scratch = new TaggedKeyScratch(job.largest);
    // Worth building only when it is much smaller than the rows it decodes.
    const tableSize = 2 ** job.bits;
    this.table =
      job.bits <= VALUE_TABLE_BITS && tableSize * 8 <= job.keys.length ? valueTable(job) : null;
  }

  process(m: number): void {
    const { keys, values, monthStarts, scale, offset, bits } = this.job;
    const n = keys.length;
    const start = monthStarts[m];
    const end = monthStarts[m + 1];
    const counts = this.counts;
    counts.fill(0);
    sortTaggedKeys(keys, start, end, DAY_BITS, bits, this.scratch, counts);
    for (let d = 1, at = start; d <= DAY_MASK; d++) {
      const inDay = counts[d];
      counts[d] = at;
      at += inDay;
    }
    // Stable scatter by day of month: each day's run inherits the month's value order. Sorted keys
    // read the table in ascending order, which is cheaper than a division per row.
    const table = this.table;
    if (table !== null) {
      for (let i = start; i < end; i++) {
        const key = keys[i];
        const value = table[key >>> DAY_BITS];
        values[n + i] = value;
        values[counts[key & DAY_MASK]++] = value;
      }
    } else {
      for (let i = start; i < end; i++) {
        const key = keys[i];
        const value = ((key >>> DAY_BITS) + offset) / scale;
        values[n + i] = value;
        values[counts[key & DAY_MASK]++] = value;
      }
    }
    totalMonth(this.job, m);
  }
}

function valueTable({ scale, offset, bits }: DecimalBlockJob): Float64Array {
  const table = new Float64Array(2 ** bits);
  for (let k = 0; k < table.length; k++) {
    table[k] = (k + offset) / scale;
  }
  return table;
}

/** Partition totals of one month and its days, from the day level already written. */
export function totalMonth(
  totals: Pick<
    DecimalBlockJob,
    | 'values'
    | 'monthFirstDay'
    | 'dayStart'
    | 'daySum'
    | 'dayMean'
    | 'dayM2'
    | 'monthSum'
    | 'monthMean'
    | 'monthM2'
    | 'exact'
  >,
  m: number,
): void {
  const { values, monthFirstDay, dayStart, daySum, dayMean, dayM2 } = totals;
  // Two-pass totals per day, and the month's by Chan-combining its days, which is as stable as a
  // pass over the rows.
  let month = EMPTY_STATS;
  for (let p = monthFirstDay[m]; p < monthFirstDay[m + 1]; p++) {
    const day = statsOf(values, dayStart[p], dayStart[p + 1]);
    daySum[p] = day.sum;
    dayMean[p] = day.mean;
    dayM2[p] = day.m2;
    month = combineStats(month, { ...day, min: 0, max: 0 });
  }
  totals.monthSum[m] = month.sum;
  totals.monthMean[m] = month.mean;
  totals.monthM2[m] = month.m2;
  const exact = totals.exact;
  if (exact !== null) {
    // Month totals start at 0 (fresh arrays) and add up their days exactly.
    for (let p = monthFirstDay[m]; p < monthFirstDay[m + 1]; p++) {
      exactMomentsOf(
        values,
        dayStart[p],
        dayStart[p + 1],
        exact.scale,
        exact.squares,
        exact.day,
        p,
      );
      addExactTotals(exact.month, m, exact.day, p);
    }
  }
}
