import {
  addExactTotals,
  exactInterpolation,
  exactMomentsOf,
  exactQuotient,
  exactTotals,
  exactVariance,
  roundedRatio,
} from 'src/engine/metrics/exact-decimal';

/** The exact integer a double-double word holds. */
const wordValue = (hi: number, lo: number): bigint => BigInt(hi) + BigInt(lo);

describe('roundedRatio', () => {
  it.each([
    // numerator, denominator, nearest double (worked out by hand)
    [1n, 3n, 1 / 3],
    [-2n, 3n, -2 / 3],
    [0n, 7n, 0],
    [30n, 100n, 0.3],
    [45959200n, 70000n, 656.56],
    // 2^60 + 1 lies 1 above 2^60 and 255 below the next double.
    [2n ** 60n + 1n, 1n, 2 ** 60],
    // Halfway between 2^53 and 2^53 + 2: ties go to the even mantissa, 2^53.
    [2n ** 53n + 1n, 1n, 2 ** 53],
    // Halfway between 2^53 + 2 and 2^53 + 4: the even one is 2^53 + 4.
    [2n ** 53n + 3n, 1n, 2 ** 53 + 4],
    // A hair above the tie must round up: the sticky bit keeps the remainder.
    [(2n ** 53n + 1n) * 10n ** 30n + 1n, 10n ** 30n, 2 ** 53 + 2],
    [10n ** 30n + 1n, 10n ** 10n, 1e20],
    [1n, 10n ** 40n, 1e-40],
  ])('should round %p / %p to %p', (numerator, denominator, expected) => {
    expect(roundedRatio(numerator, denominator)).toBe(expected);
  });
});

describe('exactQuotient', () => {
  it('should give 0.3 for 0.10 + 0.20, which is 0.30000000000000004 in doubles', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(exactQuotient(10 + 20, 0, 100)).toBe(0.3);
  });

  it('should round a total beyond 2^53 held in two words correctly', () => {
    // 2^60 + 3 cents: 11529215046068469.79 is the exact result, whose nearest double is
    // 11529215046068470 (doubles there are 2 apart).
    expect(exactQuotient(2 ** 60, 3, 100)).toBe(11529215046068470);
  });
});

describe('exactMomentsOf', () => {
  it('should total values with 4 decimals near 10^9 exactly, past 2^53', () => {
    const texts = [
      '999999999.9999',
      '-123456789.0001',
      '999999999.9999',
      '0.0003',
      '987654321.4321',
    ];
    const values = Float64Array.from(texts, Number);
    const scaled = texts.map((text) => BigInt(text.replace('.', '')));
    const totals = exactTotals(1);
    exactMomentsOf(values, 0, values.length, 10_000, true, totals, 0);
    expect(wordValue(totals.sumHi[0], totals.sumLo[0])).toBe(scaled.reduce((a, k) => a + k, 0n));
    expect(wordValue(totals.squaresHi[0], totals.squaresLo[0])).toBe(
      scaled.reduce((a, k) => a + k * k, 0n),
    );
  });

  it('should leave the squares at 0 when asked to skip them', () => {
    const totals = exactTotals(1);
    exactMomentsOf(Float64Array.of(1.5, 2.5), 0, 2, 10, false, totals, 0);
    expect([totals.sumHi[0], totals.squaresHi[0]]).toEqual([40, 0]);
  });
});

describe('addExactTotals', () => {
  it('should add words of opposite signs that cancel down to their low parts', () => {
    const a = exactTotals(1);
    const b = exactTotals(1);
    a.sumHi[0] = 2 ** 60;
    a.sumLo[0] = 5;
    b.sumHi[0] = -(2 ** 60);
    b.sumLo[0] = -2;
    addExactTotals(a, 0, b, 0);
    expect([a.sumHi[0], a.sumLo[0]]).toEqual([3, 0]);
  });
});

describe('exactVariance', () => {
  it.each([
    // count, Σk, Σk², scale, expected
    [4, 10, 30, 1, 5 / 3],
    // 0.1, 0.2, 0.3: variance 0.01 exactly, which float two-pass maths gives as 0.010000000000000002.
    [3, 6, 14, 10, 0.01],
    [1, 5, 25, 1, null],
    [3, 3, 3, 1, 0],
  ])(
    'should give the sample variance of n=%p, Σk=%p, Σk²=%p, scale %p',
    (n, s1, s2, scale, expected) => {
      expect(exactVariance(n, s1, 0, s2, 0, scale)).toBe(expected);
    },
  );

  it('should take the BigInt route when the moments pass 2^53', () => {
    // Two values 10^9 ± 0.0001 with 4 decimals: k = 10^13 ± 1, variance 2 × 10^-8.
    const k = [10n ** 13n + 1n, 10n ** 13n - 1n];
    const sum = k[0] + k[1];
    const squares = k[0] * k[0] + k[1] * k[1];
    const sumHi = Number(sum);
    const squaresHi = Number(squares);
    const result = exactVariance(
      2,
      sumHi,
      Number(sum - BigInt(sumHi)),
      squaresHi,
      Number(squares - BigInt(squaresHi)),
      10_000,
    );
    expect(result).toBe(2e-8);
  });
});

describe('exactInterpolation', () => {
  it.each([
    // a, b, weight, scale, expected (float maths gives the value in the comment)
    [759.78, 759.79, 0.5, 100, 759.785], // (a + b) / 2 = 759.7850000000001
    [0.1, 0.2, 0.5, 10, 0.15], // 0.15000000000000002
    [2373.98, 2374.19, 0.8, 100, 2374.148], // a + (b − a) 0.8 = 2374.1479999999997
    [5, 7, 0, 1, 5],
    // A rank a hair below a whole number (float (n − 1) q) has a weight of 100 hundredths: b.
    [1.5, 2.5, 0.999999999999996, 10, 2.5],
    [-999999999.9999, 999999999.9999, 0.25, 10_000, -499999999.99995],
  ])('should interpolate %p and %p at %p to %p', (a, b, weight, scale, expected) => {
    expect(exactInterpolation(a, b, weight, scale)).toBe(expected);
  });

  it('should leave a weight that is no whole number of hundredths to the float path', () => {
    expect(exactInterpolation(1, 2, 1 / 3, 1)).toBeNull();
  });
});
