import { createHash } from 'node:crypto';
import { catalogueVersionOf, versionId } from 'src/data/dataset-version';

describe(versionId.name, () => {
  it('should be the first 16 hex digits of the SHA-256 of the identity as JSON', () => {
    const expected = createHash('sha256').update('["abc",{"a":1},false]').digest('hex');
    expect(versionId(['abc', { a: 1 }, false])).toBe(expected.slice(0, 16));
  });

  it.each([
    [
      ['abc', false],
      ['abc', true],
    ],
    [
      ['abc', false],
      ['abd', false],
    ],
    [[['a', 1]], [['a', 2]]],
  ])('should tell %j and %j apart', (left, right) => {
    expect(versionId(left)).not.toBe(versionId(right));
  });
});

describe(catalogueVersionOf.name, () => {
  const sales = { name: 'sales', version: '0000000000000001' };
  const ventas = { name: 'ventas', version: '0000000000000002' };

  it('should stay the same while every dataset keeps its version', () => {
    expect(catalogueVersionOf([sales, ventas])).toBe(catalogueVersionOf([{ ...sales }, ventas]));
  });

  it('should change when one dataset gets a new version', () => {
    expect(catalogueVersionOf([sales, { ...ventas, version: '0000000000000003' }])).not.toBe(
      catalogueVersionOf([sales, ventas]),
    );
  });

  it('should change when a dataset is added or the order changes', () => {
    const both = catalogueVersionOf([sales, ventas]);
    expect(catalogueVersionOf([sales])).not.toBe(both);
    expect(catalogueVersionOf([ventas, sales])).not.toBe(both);
  });
});
