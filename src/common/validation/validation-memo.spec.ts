import { ValidationMemo } from 'src/common/validation/validation-memo';

describe(ValidationMemo.name, () => {
  it('validates a raw input once, then gives the same frozen value for the same input', () => {
    const memo = new ValidationMemo<{ metrics: string[]; range: { from: string } }>();
    const validate = jest.fn((raw: Record<string, string>) => ({
      metrics: raw.metrics.split(','),
      range: { from: raw.from },
    }));
    const raw = { metrics: 'mean,median', from: '2024-01-01' };

    const resolve = (input: Record<string, string>) => {
      const key = memo.keyOf(input);
      return memo.get(key) ?? memo.remember(key, validate(input));
    };
    const first = resolve(raw);
    const second = resolve({ ...raw });

    expect(validate).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    expect(first).toEqual({ metrics: ['mean', 'median'], range: { from: '2024-01-01' } });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.metrics)).toBe(true);
    expect(Object.isFrozen(first.range)).toBe(true);
    expect(() => first.metrics.push('max')).toThrow(TypeError);
  });

  it('tells inputs apart by every value, repeated keys included', () => {
    const memo = new ValidationMemo<object>();
    const keys = [
      { countries: 'AR' },
      { countries: ['AR', 'CL'] },
      { countries: 'AR,CL' },
      { countries: 'AR', years: '2024' },
      {},
    ].map((raw) => memo.keyOf(raw));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('forgets the least recently used inputs past 1,000', () => {
    const memo = new ValidationMemo<{ i: number }>();
    for (let i = 0; i < 1_001; i++) {
      memo.remember(memo.keyOf({ i }), { i });
    }
    expect(memo.get(memo.keyOf({ i: 0 }))).toBeUndefined();
    expect(memo.get(memo.keyOf({ i: 1 }))).toEqual({ i: 1 });
    expect(memo.get(memo.keyOf({ i: 1_000 }))).toEqual({ i: 1_000 });
  });
});
