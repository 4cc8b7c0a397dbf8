/**
 * Exact rational checks of doubles, written apart from the engine's exact arithmetic: a double is
 * turned into the exact fraction it stands for, and "correctly rounded" is checked by comparing the
 * exact distances to the double's neighbours with BigInt cross-multiplication.
 */

export interface Rational {
  readonly num: bigint;
  /** Always positive. */
  readonly den: bigint;
}

const view = new DataView(new ArrayBuffer(8));

/** The exact value of a finite double. */
export function rationalOf(x: number): Rational {
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  const signed = negative ? -mantissa : mantissa;
  return exponent >= 0
    ? { num: signed << BigInt(exponent), den: 1n }
    : { num: signed, den: 1n << BigInt(-exponent) };
}

/** The next double towards +∞ (`up`) or −∞. */
export function nextDouble(x: number, up: boolean): number {
  if (x === 0) {
    return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  }
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 === up ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/** Sign of a − b. */
export function compareRationals(a: Rational, b: Rational): number {
  const difference = a.num * b.den - b.num * a.den;
  return difference === 0n ? 0 : difference > 0n ? 1 : -1;
}

function distance(a: Rational, x: number): Rational {
  const b = rationalOf(x);
  const num = a.num * b.den - b.num * a.den;
  return { num: num < 0n ? -num : num, den: a.den * b.den };
}

/**
 * The double nearest to `exact`, ties to the even mantissa: a first guess from the quotient of the
 * two parts as doubles, moved one double at a time while a neighbour is nearer.
 */
export function nearestDouble(exact: Rational): number {
  let x = Number(exact.num) / Number(exact.den);
  for (;;) {
    const own = distance(exact, x);
    const up = nextDouble(x, true);
    const down = nextDouble(x, false);
    const towardsUp = compareRationals(distance(exact, up), own);
    const towardsDown = compareRationals(distance(exact, down), own);
    if (towardsUp < 0 || (towardsUp === 0 && isOdd(x))) {
      x = up;
    } else if (towardsDown < 0 || (towardsDown === 0 && isOdd(x))) {
      x = down;
    } else {
      return x;
    }
  }
}

function isOdd(x: number): boolean {
  view.setFloat64(0, x);
  return (view.getUint8(7) & 1) === 1;
}

/** Whether `exact` lies within one unit in the last place of `x` (between its neighbours). */
export function isWithinOneUlp(x: number, exact: Rational): boolean {
  return (
    compareRationals(rationalOf(nextDouble(x, false)), exact) <= 0 &&
    compareRationals(exact, rationalOf(nextDouble(x, true))) <= 0
  );
}

/** Whether `x` (≥ 0) is within one unit in the last place of √exact. */
export function isSqrtWithinOneUlp(x: number, exact: Rational): boolean {
  const square = (r: Rational): Rational => ({ num: r.num * r.num, den: r.den * r.den });
  const below = Math.max(0, nextDouble(x, false));
  return (
    compareRationals(square(rationalOf(below)), exact) <= 0 &&
    compareRationals(exact, square(rationalOf(nextDouble(x, true)))) <= 0
  );
}

/** Exact Σk / 10^places, mean and sample variance of decimal values given as scaled integers. */
export function exactDecimalStats(
  scaled: readonly bigint[],
  places: number,
): { sum: Rational; mean: Rational | null; variance: Rational | null } {
  const scale = 10n ** BigInt(places);
  const n = BigInt(scaled.length);
  const sum = scaled.reduce((total, k) => total + k, 0n);
  const squares = scaled.reduce((total, k) => total + k * k, 0n);
  return {
    sum: { num: sum, den: scale },
    mean: n === 0n ? null : { num: sum, den: n * scale },
    variance: n < 2n ? null : { num: n * squares - sum * sum, den: n * (n - 1n) * scale * scale },
  };
}
