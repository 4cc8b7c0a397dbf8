/**
 * Exact arithmetic for decimal values. When every value of a dataset is `k / 10^p` for an integer
 * k (the loader reports p, the most fraction digits any value is written with), sums and spreads
 * are exact integers: Σk and Σk². They are kept in double-double words (an integer `hi + lo` with
 * `|lo| ≤ ulp(hi) / 2`), which error-free transformations (Knuth's TwoSum, Dekker's product) add
 * exactly, so a query combines partition totals at float speed and never rounds. A metric is the
 * correctly rounded double of the exact rational it defines; BigInt only runs for totals that do
 * not fit one double, or for the variance's numerator.
 */

/** Datasets whose values need more fraction digits keep floating-point arithmetic. */
export const MAX_EXACT_FRACTION_DIGITS = 4;
/**
 * Largest |k| taken: k and every partition's Σk stay far inside what double-double words add
 * exactly. The loader reads at most 15 significant digits exactly, which stays below it.
 */
export const MAX_EXACT_SCALED_VALUE = 2 ** 50;
/**
 * Σk² over a whole dataset must stay below this for the variance to come from exact moments: every
 * partial total is then below it too, and adding two double-double words stays exact up to 2^104.
 * Beyond it (values near 10^9 with 4 decimals in hundreds of thousands of rows) variance and
 * stddev keep the floating-point path.
 */
export const MAX_EXACT_SQUARES = 2 ** 103;

/** Dekker's splitter for 53-bit doubles: 2^27 + 1. */
const SPLITTER = 134217729;
const TWO_POW_53 = 2 ** 53;

/** Exact per-partition totals: Σk and Σk², each as a double-double word (`hi + lo`). */
export interface ExactTotals {
  readonly sumHi: Float64Array;
  readonly sumLo: Float64Array;
  readonly squaresHi: Float64Array;
  readonly squaresLo: Float64Array;
}

/** A table's exact partition totals: the day and month levels of `ColumnarLayout`. */
export interface ExactDecimalTotals {
  /** 10^p: a value is k / scale. */
  readonly scale: number;
  /** Whether Σk² is kept (see `MAX_EXACT_SQUARES`); without it spreads stay floating-point. */
  readonly squares: boolean;
  readonly day: ExactTotals;
  readonly month: ExactTotals;
}

export function exactTotals(
  length: number,
  float64: (length: number) => Float64Array = (size) => new Float64Array(size),
): ExactTotals {
  return {
    sumHi: float64(length),
    sumLo: float64(length),
    squaresHi: float64(length),
    squaresLo: float64(length),
  };
}

/**
 * Writes the exact Σk and Σk² of `values[start, end)`, k = `round(value * scale)`, into
 * `totals[at]`. `squares` false leaves Σk² at 0 (a dataset too big for exact spreads).
 */
export function exactMomentsOf(
  values: Float64Array,
  start: number,
  end: number,
  scale: number,
  squares: boolean,
  totals: ExactTotals,
  at: number,
): void {
  let sumHi = 0;
  let sumLo = 0;
  let squaresHi = 0;
  let squaresLo = 0;
  for (let i = start; i < end; i++) {
    const k = Math.round(values[i] * scale);
    // TwoSum: the rounding error of sumHi + k, exactly.
    let s = sumHi + k;
    let v = s - sumHi;
    const t = sumHi - (s - v) + (k - v) + sumLo;
    sumHi = s + t;
    sumLo = t - (sumHi - s);
    if (squares) {
      // Dekker: k² = p + e exactly.
      const c = SPLITTER * k;
      const kh = c - (c - k);
      const kl = k - kh;
      const p = k * k;
      const e = kh * kh - p + 2 * kh * kl + kl * kl;
      s = squaresHi + p;
      v = s - squaresHi;
      const u = squaresHi - (s - v) + (p - v) + e + squaresLo;
      // Fast2Sum is exact here: every term is non-negative, so |u| stays below |s|.
      squaresHi = s + u;
      squaresLo = u - (squaresHi - s);
    }
  }
  totals.sumHi[at] = sumHi;
  totals.sumLo[at] = sumLo;
  totals.squaresHi[at] = squaresHi;
  totals.squaresLo[at] = squaresLo;
}

/** `target[to] += source[from]`, exactly: Σk, and Σk² unless `squares` is false. */
export function addExactTotals(
  target: ExactTotals,
  to: number,
  source: ExactTotals,
  from: number,
  squares = true,
): void {
  let a = target.sumHi[to];
  let b = source.sumHi[from];
  let s = a + b;
  let v = s - a;
  let t = a - (s - v) + (b - v) + target.sumLo[to] + source.sumLo[from];
  // TwoSum again rather than Fast2Sum: with mixed signs s may cancel below t.
  let hi = s + t;
  v = hi - s;
  target.sumLo[to] = s - (hi - v) + (t - v);
  target.sumHi[to] = hi;
  if (!squares) {
    return;
  }

  a = target.squaresHi[to];
  b = source.squaresHi[from];
  s = a + b;
  v = s - a;
  t = a - (s - v) + (b - v) + target.squaresLo[to] + source.squaresLo[from];
  hi = s + t;
  target.squaresLo[to] = t - (hi - s);
  target.squaresHi[to] = hi;
}

/** The correctly rounded double of `(hi + lo) / divisor`, for integers hi, lo and divisor > 0. */
export function exactQuotient(hi: number, lo: number, divisor: number): number {
  if (lo === 0 && divisor <= TWO_POW_53) {
    // Both operands are exact, so IEEE division rounds the exact quotient once.
    return hi / divisor;
  }
  return roundedRatio(BigInt(hi) + BigInt(lo), BigInt(divisor));
}

/**
 * The double nearest to the exact linear interpolation `a + (b − a) w` of two values `k / scale`,
 * for a quantile weight w that is a whole number of hundredths (medians and p1…p99: the rank
 * `(n − 1) q` is a multiple of 1/100). Any other weight gives null, for the caller's float path.
 */
export function exactInterpolation(
  a: number,
  b: number,
  weight: number,
  scale: number,
): number | null {
  if (weight === 0) {
    return a;
  }
  const hundredths = Math.round(weight * 100);
  if (Math.abs(weight * 100 - hundredths) > 1e-6) {
    return null;
  }
  const ka = Math.round(a * scale);
  const kb = Math.round(b * scale);
  if (Math.max(Math.abs(ka), Math.abs(kb)) * 100 < TWO_POW_53) {
    // Both products and their sum are integers below 2^53, so only the division rounds.
    return (ka * (100 - hundredths) + kb * hundredths) / (100 * scale);
  }
  return roundedRatio(
    BigInt(ka) * BigInt(100 - hundredths) + BigInt(kb) * BigInt(hundredths),
    BigInt(100 * scale),
  );
}

/**
 * The sample variance `(n Σk² − (Σk)²) / (n (n − 1) scale²)`, correctly rounded; null below two
 * values.
 */
export function exactVariance(
  count: number,
  sumHi: number,
  sumLo: number,
  squaresHi: number,
  squaresLo: number,
  scale: number,
): number | null {
  if (count < 2) {
    return null;
  }
  const denominator = count * (count - 1) * scale * scale;
  if (
    sumLo === 0 &&
    squaresLo === 0 &&
    count * squaresHi <= TWO_POW_53 &&
    sumHi * sumHi <= TWO_POW_53 &&
    denominator <= TWO_POW_53
  ) {
    return (count * squaresHi - sumHi * sumHi) / denominator;
  }
  const n = BigInt(count);
  const sum = BigInt(sumHi) + BigInt(sumLo);
  const squares = BigInt(squaresHi) + BigInt(squaresLo);
  const bigScale = BigInt(scale);
  return roundedRatio(n * squares - sum * sum, n * (n - 1n) * bigScale * bigScale);
}

/**
 * The double nearest to `numerator / denominator` (ties to even), for denominator > 0: the integer
 * quotient is taken with at least 60 bits and a sticky bit for any remainder, so converting it to a
 * double (which rounds correctly) rounds the exact ratio.
 */
export function roundedRatio(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) {
    return 0;
  }
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  // log2 of a BigInt's double is within one of its bit length: a margin of a few bits covers it.
  const shift = Math.max(
    0,
    60 + Math.ceil(Math.log2(Number(denominator))) - Math.floor(Math.log2(Number(magnitude))),
  );
  const scaled = magnitude << BigInt(shift);
  const quotient = scaled / denominator;
  const sticky = quotient * denominator === scaled ? 0n : 1n;
  const result = Number((quotient << 1n) | sticky) * 2 ** -(shift + 1);
  return negative ? -result : result;
}
