import { toBooleanFlag, toInteger, toList } from 'src/common/validation/query-transforms';

describe('query transforms', () => {
  describe(toBooleanFlag.name, () => {
    it.each([
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['Y', true],
      ['on', true],
      ['t', true],
      [' true ', true],
      ['false', false],
      ['False', false],
      ['0', false],
      ['no', false],
      ['N', false],
      ['off', false],
      ['f', false],
    ])('should read %p as %p', (input, expected) => {
      expect(toBooleanFlag(input)).toBe(expected);
    });

    it.each([['maybe'], [''], ['2'], ['tru']])('should leave %p unchanged', (input) => {
      expect(toBooleanFlag(input)).toBe(input);
    });

    it('should leave an array of values unchanged', () => {
      expect(toBooleanFlag(['true', 'false'])).toEqual(['true', 'false']);
    });
  });

  describe(toInteger.name, () => {
    it.each([
      ['2024', 2024],
      [' 2024', 2024],
      ['+2024', 2024],
      ['2024 ', 2024],
      ['-5', -5],
    ])('should read %p as %p', (input, expected) => {
      expect(toInteger(input)).toBe(expected);
    });

    it.each([['abc'], ['2024.5'], [''], ['1e3'], ['0x10'], ['12 34']])(
      'should leave %p unchanged',
      (input) => {
        expect(toInteger(input)).toBe(input);
      },
    );
  });

  describe(toList.name, () => {
    it.each([
      ['AR', ['AR']],
      ['AR,CL', ['AR', 'CL']],
      [
        ['AR', 'CL'],
        ['AR', 'CL'],
      ],
      [
        ['AR,CL', 'UY'],
        ['AR', 'CL', 'UY'],
      ],
      [' AR , CL ,', ['AR', 'CL']],
      ['', []],
    ])('should read %p as %p', (input, expected) => {
      expect(toList(input)).toEqual(expected);
    });

    it('should leave non-string input unchanged', () => {
      const nested = { a: 'b' };
      expect(toList(nested)).toBe(nested);
    });
  });
});
