import { acceptRequestId, requestIdFor, requestIdOf } from 'src/observability/request-id';

describe(acceptRequestId.name, () => {
  it.each([
    ['abc-123', 'abc-123'],
    ['  padded  ', 'padded'],
    ['with space and /:;=', 'with space and /:;='],
    ['x'.repeat(128), 'x'.repeat(128)],
  ])('should accept %p as %p', (value, expected) => {
    expect(acceptRequestId(value)).toBe(expected);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['too long', 'x'.repeat(129)],
    ['with a tab', 'a\tb'],
    ['with a newline', 'a\nb'],
    ['non-ASCII', 'café'],
    ['repeated as an array', ['a', 'b']],
  ])('should refuse an id that is %s', (_case, value) => {
    expect(acceptRequestId(value)).toBeUndefined();
  });
});

describe(requestIdFor.name, () => {
  it('should reuse an acceptable incoming id', () => {
    expect(requestIdFor({ headers: { 'x-request-id': 'edge-1' } })).toBe('edge-1');
  });

  it('should create a UUID for a missing or refused id', () => {
    expect(requestIdFor({ headers: {} })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor({ headers: { 'x-request-id': 'bad\tid' } })).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe(requestIdOf.name, () => {
  it('should read a string id and ignore anything else', () => {
    expect(requestIdOf({ id: 'r-1' })).toBe('r-1');
    expect(requestIdOf({ id: 7 })).toBeUndefined();
    expect(requestIdOf({})).toBeUndefined();
  });
});
