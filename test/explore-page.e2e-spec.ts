import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { createTestApp, FIXTURES } from 'test/support/test-app';

const PUBLIC = join(__dirname, '..', 'src', 'explore', 'public');
const UPLOT = dirname(require.resolve('uplot'));
const PROBLEM_JSON = /^application\/problem\+json/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

describe('explore page (HTTP)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv') });
  });

  afterAll(async () => {
    await app.close();
  });

  const get = (path: string) => request(app.getHttpServer()).get(path);

  /** The versioned asset folder the page links to. */
  async function assetBase(): Promise<string> {
    const page = await get('/explore').expect(200);
    const match = /href="(\/explore\/assets\/[0-9a-f]{12})\/explore\.css"/.exec(page.text);
    if (!match) {
      throw new Error(`The page links no stylesheet:\n${page.text}`);
    }
    return match[1];
  }

  it('should redirect / to the explore page on the first dataset', async () => {
    const response = await get('/').expect(302);
    expect(response.headers.location).toBe(
      '/explore?dataset=sales&metrics=sum&groupBy=country,quarter',
    );
  });

  it('should serve the page as HTML that revalidates, under the CSP', async () => {
    const response = await get('/explore?dataset=sales&metrics=mean').expect(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.text).toMatch(/^<!doctype html>/);
    // No inline script: every <script> has a src, and no element has an event attribute.
    expect(response.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(response.text).not.toMatch(/\son[a-z]+=/);
    expect(response.text).not.toContain('{{assets}}');
  });

  /** The preload links of a page URL, in the page's order. */
  async function preloadsOf(path: string): Promise<string[]> {
    const page = await get(path).expect(200);
    return [
      ...page.text.matchAll(/<link rel="preload" as="fetch" crossorigin href="([^"]*)" \/>/g),
    ].map(([, href]) => href);
  }

  it.each([
    [
      'the default view of a dataset',
      '/explore?dataset=sales',
      [
        '/v1/datasets',
        '/v1/datasets/sales',
        '/v1/datasets/sales/analysis?metrics=sum&amp;groupBy=country,quarter',
      ],
    ],
    [
      'a link the page wrote',
      '/explore?dataset=sales&metrics=mean,p90&countries=AR&groupBy=country',
      [
        '/v1/datasets',
        '/v1/datasets/sales',
        '/v1/datasets/sales/analysis?metrics=mean,p90&amp;countries=AR&amp;groupBy=country',
      ],
    ],
    [
      'a dataset name with escapes',
      '/explore?dataset=s%C3%A1les%20x&metrics=sum',
      [
        '/v1/datasets',
        '/v1/datasets/s%C3%A1les%20x',
        '/v1/datasets/s%C3%A1les%20x/analysis?metrics=sum',
      ],
    ],
    ['no dataset', '/explore', ['/v1/datasets']],
    ['the dataset not first', '/explore?metrics=sum&dataset=sales', ['/v1/datasets']],
    ['a name the page writes otherwise', '/explore?dataset=sales%2x', ['/v1/datasets']],
    ['a name with spaces around it', '/explore?dataset=%20sales', ['/v1/datasets']],
  ])('should preload the first API requests of %s', async (_case, path, expected) => {
    await expect(preloadsOf(path)).resolves.toEqual(expected);
  });

  it('should link every asset under one versioned folder', async () => {
    const base = await assetBase();
    const page = (await get('/explore')).text;
    const linked = [...page.matchAll(/(?:src|href)="(\/explore\/assets\/[^"]+)"/g)].map(
      ([, path]) => path,
    );
    expect(linked.length).toBeGreaterThanOrEqual(6);
    expect(linked.every((path) => path.startsWith(`${base}/`))).toBe(true);
    expect(base).toMatch(/\/[0-9a-f]{12}$/);
  });

  it.each([
    ['explore.js', 'text/javascript; charset=utf-8', join(PUBLIC, 'explore.js')],
    ['query-state.js', 'text/javascript; charset=utf-8', join(PUBLIC, 'query-state.js')],
    ['chart-view.js', 'text/javascript; charset=utf-8', join(PUBLIC, 'chart-view.js')],
    ['table-view.js', 'text/javascript; charset=utf-8', join(PUBLIC, 'table-view.js')],
    ['format.js', 'text/javascript; charset=utf-8', join(PUBLIC, 'format.js')],
    ['explore.css', 'text/css; charset=utf-8', join(PUBLIC, 'explore.css')],
    ['uPlot.iife.min.js', 'text/javascript; charset=utf-8', join(UPLOT, 'uPlot.iife.min.js')],
    ['uPlot.min.css', 'text/css; charset=utf-8', join(UPLOT, 'uPlot.min.css')],
  ])('should serve %s as %s, cached for good, compressed as asked', async (file, type, source) => {
    const base = await assetBase();
    const expected = readFileSync(source);
    const inject = (app.getHttpAdapter().getInstance() as FastifyInstance).inject.bind(
      app.getHttpAdapter().getInstance(),
    );
    const decoders: Record<string, (body: Buffer) => Buffer> = {
      identity: (body) => body,
      gzip: gunzipSync,
    };
    for (const [acceptEncoding, encoding] of [
      ['identity', 'identity'],
      ['gzip, deflate', 'gzip'],
      ['br', 'identity'],
      ['gzip, deflate, br, zstd', 'gzip'],
      ['br;q=1, gzip;q=0.5', 'gzip'],
      ['gzip;q=0', 'identity'],
    ]) {
      const response = await inject({
        method: 'GET',
        url: `${base}/${file}`,
        headers: { 'accept-encoding': acceptEncoding },
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe(type);
      expect(response.headers['cache-control']).toBe(IMMUTABLE);
      expect(response.headers.vary).toContain('accept-encoding');
      expect(response.headers['content-encoding']).toBe(
        encoding === 'identity' ? undefined : encoding,
      );
      expect(Number(response.headers['content-length'])).toBe(response.rawPayload.length);
      expect(sha256(decoders[encoding](response.rawPayload))).toBe(sha256(expected));
      if (encoding !== 'identity') {
        expect(response.rawPayload.length).toBeLessThan(expected.length * 0.6);
      }
    }
  });

  it.each([
    ['a file outside the allowlist', 'index.html'],
    ['a path out of the folder', '..%2F..%2Fpackage.json'],
    ['an inherited property name', '__proto__'],
    ['a build of the chart library not in the allowlist', 'uPlot.esm.js'],
  ])('should answer 404 for %s', async (_case, file) => {
    const base = await assetBase();
    const response = await get(`${base}/${file}`).expect(404);
    expect(response.headers['content-type']).toMatch(PROBLEM_JSON);
    expect(response.body).toMatchObject({
      type: 'urn:sales-metrics:problem:not-found',
      status: 404,
    });
    expect(response.body.detail).toContain('reload /explore');
  });

  it('should answer 404 for an asset of another version', async () => {
    const response = await get('/explore/assets/000000000000/explore.js').expect(404);
    expect(response.body.detail).toBe(
      "The explore page has no asset 'explore.js' in version '000000000000'; reload /explore for the current one",
    );
  });

  it('should answer HEAD for the page without a body', async () => {
    const response = await request(app.getHttpServer()).head('/explore').expect(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toBeUndefined();
  });
});
