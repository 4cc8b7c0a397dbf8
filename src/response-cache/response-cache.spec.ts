import type { ResponseCacheConfig } from 'src/config/response-cache.config';
import { DataGeneration } from 'src/data/live/data-generation';
import {
  entityTagOf,
  normalisedQuery,
  ResponseCache,
  responseCacheKey,
  type CachedAnswer,
} from 'src/response-cache/response-cache';

const answer = (bytes = 10): CachedAnswer => ({
  body: 'x'.repeat(bytes),
  headers: { 'content-type': 'application/json; charset=utf-8' },
  etag: '"tag"',
});

const config = (overrides: Partial<ResponseCacheConfig> = {}): ResponseCacheConfig => ({
  entries: 2,
  maxEntryBytes: 100,
  maxBytes: 1000,
  maxAgeSeconds: 60,
  ...overrides,
});

describe(ResponseCache.name, () => {
  let sut: ResponseCache;

  beforeEach(() => {
    sut = new ResponseCache(config());
  });

  it('should return what was stored under a key', () => {
    const stored = answer();
    sut.set('a', stored);
    expect(sut.get('a')).toBe(stored);
    expect(sut.get('b')).toBeUndefined();
  });

  it('should forget every answer once a dataset gets a new version', () => {
    const generation = new DataGeneration();
    sut = new ResponseCache(config(), generation);
    sut.set('a', answer());
    generation.advance();
    expect(sut.get('a')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('should not keep an answer whose computation a new version overtook', () => {
    const generation = new DataGeneration();
    sut = new ResponseCache(config(), generation);
    const startedAt = sut.generation;
    generation.advance();
    sut.set('a', answer(), startedAt);
    expect(sut.get('a')).toBeUndefined();
    sut.set('a', answer(), sut.generation);
    expect(sut.get('a')).toBeDefined();
  });

  it('should drop the least recently used entry past the entry bound', () => {
    sut.set('a', answer());
    sut.set('b', answer());
    sut.get('a');
    sut.set('c', answer());
    expect(sut.get('b')).toBeUndefined();
    expect(sut.get('a')).toBeDefined();
    expect(sut.get('c')).toBeDefined();
    expect(sut.size).toBe(2);
  });

  it('should drop the least recently used entries past the byte bound', () => {
    sut = new ResponseCache(config({ entries: 100, maxBytes: 250 }));
    sut.set('a', answer(100));
    sut.set('b', answer(100));
    sut.get('a');
    sut.set('c', answer(100));
    expect(sut.get('b')).toBeUndefined();
    expect(sut.size).toBe(2);
    expect(sut.bodySize).toBe(200);
  });

  it('should count bytes, not characters', () => {
    sut.set('a', { ...answer(), body: 'é'.repeat(60) });
    expect(sut.get('a')).toBeUndefined();
    expect(sut.bodySize).toBe(0);
  });

  it('should never keep a body over the entry bound', () => {
    sut.set('a', answer(101));
    expect(sut.get('a')).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('should keep nothing when off', () => {
    sut = new ResponseCache(config({ entries: 0 }));
    sut.set('a', answer());
    expect(sut.enabled).toBe(false);
    expect(sut.get('a')).toBeUndefined();
  });

  it.each([
    [60, 'public, max-age=60'],
    [0, 'no-cache'],
  ])('should send Cache-Control for CACHE_MAX_AGE_SECONDS=%p as %p', (maxAgeSeconds, expected) => {
    expect(new ResponseCache(config({ maxAgeSeconds })).cacheControl).toBe(expected);
  });
});

describe(normalisedQuery.name, () => {
  it.each([
    [{ countries: 'AR,CL' }, { countries: ['AR', 'CL'] }],
    [
      { metrics: 'mean', countries: 'AR' },
      { countries: 'AR', metrics: 'mean' },
    ],
    [{ countries: ['AR,CL', 'UY'] }, { countries: 'AR,CL,UY' }],
  ])('should spell %p and %p the same', (first, second) => {
    expect(normalisedQuery(first)).toBe(normalisedQuery(second));
  });

  it.each([
    [{ countries: 'AR,CL' }, { countries: 'CL,AR' }],
    [{ from: '2024-01-01' }, { from: '2024-01-01,' }],
    [{ from: '2024-01-01' }, { from: ['2024-01-01', ''] }],
    [{ a: 'b&c=d' }, { a: 'b', c: 'd' }],
    [{ 'a=b': 'c' }, { a: 'b=c' }],
    [{ metrics: 'mean' }, { metrics: 'MEAN' }],
  ])('should keep %p and %p apart', (first, second) => {
    expect(normalisedQuery(first)).not.toBe(normalisedQuery(second));
  });
});

describe(responseCacheKey.name, () => {
  const query = { metrics: 'mean' };

  it('should change with the route, the dataset version and the representation', () => {
    const keys = [
      responseCacheKey('/v1/datasets/:dataset/analysis', 'v1', query, 'json'),
      responseCacheKey('/data_analysis', 'v1', query, 'json'),
      responseCacheKey('/v1/datasets/:dataset/analysis', 'v2', query, 'json'),
      responseCacheKey('/v1/datasets/:dataset/analysis', 'v1', query, 'csv'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys.map(entityTagOf)).size).toBe(keys.length);
  });

  it('should give a strong, quoted entity tag', () => {
    expect(entityTagOf(responseCacheKey('/data_analysis', 'v1', query, 'json'))).toMatch(
      /^"[A-Za-z0-9_-]{27}"$/,
    );
  });
});
