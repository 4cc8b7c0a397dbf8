import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptRequestId, assignRequestId, requestIdOf } from 'src/observability/request-id';

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

describe(assignRequestId.name, () => {
  const call = (header?: string) => {
    const request = { headers: header === undefined ? {} : { 'x-request-id': header } };
    const response = { setHeader: jest.fn() };
    const id = assignRequestId(
      request as unknown as IncomingMessage,
      response as unknown as ServerResponse,
    );
    return { id, setHeader: response.setHeader };
  };

  it('should reuse an acceptable incoming id and echo it', () => {
    const { id, setHeader } = call('edge-1');
    expect(id).toBe('edge-1');
    expect(setHeader).toHaveBeenCalledWith('x-request-id', 'edge-1');
  });

  it('should reuse the id Fastify gave the request and echo it', () => {
    const request = { id: 'given-1', headers: { 'x-request-id': 'edge-1' } };
    const response = { setHeader: jest.fn() };
    const id = assignRequestId(
      request as unknown as IncomingMessage,
      response as unknown as ServerResponse,
    );
    expect(id).toBe('given-1');
    expect(response.setHeader).toHaveBeenCalledWith('x-request-id', 'given-1');
  });

  it('should create a UUID for a missing or refused id and echo it', () => {
    for (const header of [undefined, 'bad\tid']) {
      const { id, setHeader } = call(header);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(setHeader).toHaveBeenCalledWith('x-request-id', id);
    }
  });
});

describe(requestIdOf.name, () => {
  it('should read a string id and ignore anything else', () => {
    expect(requestIdOf({ id: 'r-1' })).toBe('r-1');
    expect(requestIdOf({ id: 7 })).toBeUndefined();
    expect(requestIdOf({})).toBeUndefined();
  });
});
