import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
    expect(response.headers.location).toBe('/explore?dataset=sales');
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
  ])('should serve %s as %s, cached for good', async (file, type, source) => {
    const base = await assetBase();
    const response = await get(`${base}/${file}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers['cache-control']).toBe(IMMUTABLE);
    const expected = readFileSync(source);
    expect(Number(response.headers['content-length'])).toBe(expected.length);
    expect(sha256(response.body as Buffer)).toBe(sha256(expected));
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
