/**
 * LSD radix sort of a Float64Array range that carries a one-byte payload along with each value.
 * The index build sorts every (country, month) partition by value and needs each row's day of
 * month to follow it; a radix sort moves both in O(n) per digit, independently of the value
 * distribution, and measured clearly faster than comparison sorts on partitions of this size.
 */

/** Where the low and high 32-bit halves of a double sit in an Int32Array view of its bytes. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW_WORD = LITTLE_ENDIAN ? 0 : 1;
const HIGH_WORD = 1 - LOW_WORD;

/** Below this size an insertion sort is cheaper than clearing and scanning digit histograms. */
const INSERTION_LIMIT = 48;
/** Wide digits halve the passes on big ranges; narrow ones keep the histograms cheap on small ones. */
const WIDE_DIGIT_FROM = 4096;

/** Reusable buffers, sized for the largest range one will sort. */
export class RadixScratch {
  readonly values: Float64Array;
  readonly words: Int32Array;
  readonly payload: Uint8Array;
  readonly histogram = new Uint32Array(6 << 11);

  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
    this.words = wordsOf(this.values);
    this.payload = new Uint8Array(capacity);
  }
}

export function wordsOf(values: Float64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/**
 * Sorts `values[start, end)` ascending (−0 before +0, like `Float64Array.prototype.sort`) and
 * applies the same permutation to `payload[start, end)`. The sort is stable. `words` must be
 * `wordsOf(values)`; NaN is not expected.
 */
export function sortWithPayload(
  values: Float64Array,
  words: Int32Array,
  payload: Uint8Array,
  start: number,
  end: number,
  scratch: RadixScratch,
): void {
  const count = end - start;
  if (count <= INSERTION_LIMIT) {
    insertionSort(values, payload, start, end);
    return;
  }
  const bits = count >= WIDE_DIGIT_FROM ? 11 : 8;
  const buckets = 1 << bits;
  const mask = buckets - 1;
  const digitsPerWord = Math.ceil(32 / bits);
  const passes = 2 * digitsPerWord;
  const histogram = scratch.histogram;
  histogram.fill(0, 0, passes * buckets);

  // Keys are the IEEE bits made order-preserving: negatives have every bit flipped, others the
  // sign bit, so unsigned comparison of (high, low) orders the doubles.
  for (let i = start; i < end; i++) {
    const high = words[2 * i + HIGH_WORD];
    const flip = high >> 31;
    const low = words[2 * i + LOW_WORD] ^ flip;
    const key = high ^ (flip | 0x80000000);
    for (let d = 0; d < digitsPerWord; d++) {
      histogram[d * buckets + ((low >>> (d * bits)) & mask)]++;
      histogram[(d + digitsPerWord) * buckets + ((key >>> (d * bits)) & mask)]++;
    }
  }

  let fromValues = values;
  let fromWords = words;
  let fromPayload = payload;
  let fromOffset = start;
  let toValues = scratch.values;
  let toWords = scratch.words;
  let toPayload = scratch.payload;
  let toOffset = 0;
  for (let pass = 0; pass < passes; pass++) {
    const base = pass * buckets;
    if (!toBucketStarts(histogram, base, buckets, count, toOffset)) {
      continue;
    }
    const shift = (pass % digitsPerWord) * bits;
    const stop = fromOffset + count;
    if (pass < digitsPerWord) {
      for (let i = fromOffset; i < stop; i++) {
        const flip = fromWords[2 * i + HIGH_WORD] >> 31;
        const at = histogram[base + (((fromWords[2 * i + LOW_WORD] ^ flip) >>> shift) & mask)]++;
        toValues[at] = fromValues[i];
        toPayload[at] = fromPayload[i];
      }
    } else {
      for (let i = fromOffset; i < stop; i++) {
        const high = fromWords[2 * i + HIGH_WORD];
        const at = histogram[base + (((high ^ ((high >> 31) | 0x80000000)) >>> shift) & mask)]++;
        toValues[at] = fromValues[i];
        toPayload[at] = fromPayload[i];
      }
    }
    [fromValues, toValues] = [toValues, fromValues];
    [fromWords, toWords] = [toWords, fromWords];
    [fromPayload, toPayload] = [toPayload, fromPayload];
    [fromOffset, toOffset] = [toOffset, fromOffset];
  }
  if (fromValues !== values) {
    values.set(fromValues.subarray(fromOffset, fromOffset + count), start);
    payload.set(fromPayload.subarray(fromOffset, fromOffset + count), start);
  }
}

function insertionSort(
  values: Float64Array,
  payload: Uint8Array,
  start: number,
  end: number,
): void {
  for (let i = start + 1; i < end; i++) {
    const value = values[i];
    const tag = payload[i];
    let j = i - 1;
    while (j >= start && isAfter(values[j], value)) {
      values[j + 1] = values[j];
      payload[j + 1] = payload[j];
      j--;
    }
    values[j + 1] = value;
    payload[j + 1] = tag;
  }
}

/** Strict order that also puts −0 before +0, so both sort paths agree. */
function isAfter(a: number, b: number): boolean {
  return a > b || (a === 0 && b === 0 && 1 / a > 0 && 1 / b < 0);
}

/** Reusable buffers for `sortTaggedKeys`, sized for the largest range one will sort. */
export class TaggedKeyScratch {
  readonly keys: Uint32Array;
  readonly histogram = new Uint32Array(4 << 11);

  constructor(capacity: number) {
    this.keys = new Uint32Array(capacity);
  }
}

/**
 * Sorts `keys[start, end)` stably by bits `[tagBits, tagBits + keyBits)`, read as an unsigned
 * number, and adds the count of each tag (the low `tagBits` bits) to `tagCounts`: the caller
 * scatters by tag next, and the counts come free with the digit histograms. `keyBits` is at most
 * 32 − `tagBits`.
 *
 * Integer keys of a known, narrow width need only two or three passes, where the value order of
 * a double takes up to six.
 */
export function sortTaggedKeys(
  keys: Uint32Array,
  start: number,
  end: number,
  tagBits: number,
  keyBits: number,
  scratch: TaggedKeyScratch,
  tagCounts: Uint32Array,
): void {
  const count = end - start;
  const tagMask = (1 << tagBits) - 1;
  if (count <= INSERTION_LIMIT || keyBits === 0) {
    for (let i = start; i < end; i++) {
      tagCounts[keys[i] & tagMask]++;
    }
    if (keyBits > 0) {
      insertionSortKeys(keys, start, end, tagBits);
    }
    return;
  }
  const widest = count >= WIDE_DIGIT_FROM ? 11 : 8;
  const passes = Math.ceil(keyBits / widest);
  const bits = Math.ceil(keyBits / passes);
  const buckets = 1 << bits;
  const mask = buckets - 1;
  const histogram = scratch.histogram;
  histogram.fill(0, 0, passes * buckets);
  for (let i = start; i < end; i++) {
    const key = keys[i];
    tagCounts[key & tagMask]++;
    const digits = key >>> tagBits;
    for (let pass = 0; pass < passes; pass++) {
      histogram[pass * buckets + ((digits >>> (pass * bits)) & mask)]++;
    }
  }

  let from = keys;
  let fromOffset = start;
  let to = scratch.keys;
  let toOffset = 0;
  for (let pass = 0; pass < passes; pass++) {
    const base = pass * buckets;
    if (!toBucketStarts(histogram, base, buckets, count, toOffset)) {
      continue;
    }
    const shift = tagBits + pass * bits;
    const stop = fromOffset + count;
    for (let i = fromOffset; i < stop; i++) {
      const key = from[i];
      to[histogram[base + ((key >>> shift) & mask)]++] = key;
    }
    [from, to] = [to, from];
    [fromOffset, toOffset] = [toOffset, fromOffset];
  }
  if (from !== keys) {
    keys.set(from.subarray(fromOffset, fromOffset + count), start);
  }
}

function insertionSortKeys(keys: Uint32Array, start: number, end: number, tagBits: number): void {
  for (let i = start + 1; i < end; i++) {
    const key = keys[i];
    const digits = key >>> tagBits;
    let j = i - 1;
    while (j >= start && keys[j] >>> tagBits > digits) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
}

/**
 * Turns one pass's digit counts into the first output index of each bucket, in place. Returns
 * false, leaving the counts as they were up to that bucket, when one bucket holds every value: a
 * digit that is the same for every value leaves the order unchanged, so its pass is skipped.
 */
function toBucketStarts(
  histogram: Uint32Array,
  base: number,
  buckets: number,
  count: number,
  offset: number,
): boolean {
  let sum = offset;
  for (let b = 0; b < buckets; b++) {
    const inBucket = histogram[base + b];
    if (inBucket === count) {
      return false;
    }
    histogram[base + b] = sum;
    sum += inBucket;
  }
  return true;
}
