import { buildDataConfig } from 'src/config/data.config';
import type { IncomingMessage } from 'node:http';
import type { CachedResponse } from 'src/response-cache/cached-response';
import { ResponseCache, responseCacheKey } from 'src/response-cache/response-cache';

const answer = (bytes = 10): CachedResponse => ({
  route: '/data_analysis',
  body: Buffer.alloc(bytes),
  headers: [],
  perRequest: [],
  rateLimited: false,
  logLevel: 'info',
  logMessage: 'GET /data_analysis 200',
});

describe(ResponseCache.name, () => {
  let sut: ResponseCache;

  beforeEach(() => {
    sut = new ResponseCache({ entries: 2, maxEntryBytes: 100 });
  });

  it('should return what was stored under a key', () => {
    const stored = answer();
    sut.set('a', stored);
    expect(sut.get('a')).toBe(stored);
    expect(sut.get('b')).toBeUndefined();
  });

  it('should drop the least recently used entry past the bound', () => {
    sut.set('a', answer());
    sut.set('b', answer());
    sut.get('a');
    sut.set('c', answer());

    expect(sut.size).toBe(2);
    expect(sut.get('b')).toBeUndefined();
    expect(sut.get('a')).toBeDefined();
    expect(sut.get('c')).toBeDefined();
  });

  it('should replace an entry stored again without growing', () => {
    const replacement = answer();
    sut.set('a', answer());
    sut.set('a', replacement);
    expect(sut.size).toBe(1);
    expect(sut.get('a')).toBe(replacement);
  });

  it('should keep a body of exactly the byte bound and refuse a larger one', () => {
    sut.set('fits', answer(100));
    sut.set('too-large', answer(101));
    expect(sut.get('fits')).toBeDefined();
    expect(sut.get('too-large')).toBeUndefined();
  });

  it('should keep nothing when off', () => {
    sut = new ResponseCache({ entries: 0, maxEntryBytes: 100 });
    sut.set('a', answer());
    expect(sut.enabled).toBe(false);
    expect(sut.size).toBe(0);
  });

  it('should keep nothing when a dataset is served by ClickHouse, whose data changes', () => {
    sut = new ResponseCache(
      { entries: 2, maxEntryBytes: 100 },
      buildDataConfig({ DATA_BACKEND: 'clickhouse' }),
    );
    sut.set('a', answer());
    expect(sut.enabled).toBe(false);
    expect(sut.size).toBe(0);
  });
});

describe(responseCacheKey.name, () => {
  const key = (url: string, headers: Record<string, string> = {}) =>
    responseCacheKey({ url, headers } as unknown as IncomingMessage);

  it('should tell apart target, Origin and Accept', () => {
    const keys = [
      key('/v1/datasets'),
      key('/v1/datasets/'),
      key('/v1/datasets?x=1'),
      key('/v1/datasets', { origin: 'https://a.example' }),
      key('/v1/datasets', { origin: '' }),
      key('/v1/datasets', { accept: 'text/csv' }),
      key('/v1/datasets', { accept: '' }),
      key('/v1/datasets', { origin: 'text/csv' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('should ignore other headers', () => {
    expect(key('/v1/datasets', { 'x-request-id': 'a', 'user-agent': 'b' })).toBe(
      key('/v1/datasets'),
    );
  });
});
