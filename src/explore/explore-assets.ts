import { Injectable, StreamableFile, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExploreAssetNotFoundError } from 'src/explore/errors/explore-asset-not-found.error';

export const EXPLORE_PAGE_PATH = '/explore';
export const EXPLORE_ASSETS_PATH = `${EXPLORE_PAGE_PATH}/assets`;

/** Where the page's own files live: beside this module in src/ and, copied by `nest build`, in dist/. */
const PUBLIC_FOLDER = join(__dirname, 'public');

/** Where `<script>` and `<link>` tags of index.html point: the versioned assets folder. */
const ASSETS_PLACEHOLDER = '{{assets}}';

const JAVASCRIPT = 'text/javascript; charset=utf-8';

/**
 * The only files the page may load, by the name it uses, with their source and content type.
 * uPlot comes as its minified IIFE build (51 KB), which defines one global, instead of its ES module
 * build, which is not minified (145 KB to parse).
 */
const ASSET_SOURCES: Readonly<Record<string, { path: () => string; type: string }>> = {
  'explore.css': {
    path: () => join(PUBLIC_FOLDER, 'explore.css'),
    type: 'text/css; charset=utf-8',
  },
  'explore.js': { path: () => join(PUBLIC_FOLDER, 'explore.js'), type: JAVASCRIPT },
  'query-state.js': { path: () => join(PUBLIC_FOLDER, 'query-state.js'), type: JAVASCRIPT },
  'chart-view.js': { path: () => join(PUBLIC_FOLDER, 'chart-view.js'), type: JAVASCRIPT },
  'table-view.js': { path: () => join(PUBLIC_FOLDER, 'table-view.js'), type: JAVASCRIPT },
  'early-requests.js': { path: () => join(PUBLIC_FOLDER, 'early-requests.js'), type: JAVASCRIPT },
  'format.js': { path: () => join(PUBLIC_FOLDER, 'format.js'), type: JAVASCRIPT },
  'uPlot.iife.min.js': {
    path: () => join(dirname(require.resolve('uplot')), 'uPlot.iife.min.js'),
    type: JAVASCRIPT,
  },
  'uPlot.min.css': {
    path: () => join(dirname(require.resolve('uplot')), 'uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * The explore page and its assets, read once at start-up and served from memory. Asset URLs carry
 * a hash of every file, so browsers may keep them for good and a new release is fetched at once.
 */
@Injectable()
export class ExploreAssets implements OnModuleInit {
  private assets = new Map<string, Asset>();
  private pageBody = Buffer.alloc(0);
  private currentVersion = '';

  async onModuleInit(): Promise<void> {
    const entries = await Promise.all(
      Object.entries(ASSET_SOURCES).map(
        async ([name, source]) =>
          [name, { body: await readFile(source.path()), type: source.type }] as const,
      ),
    );
    const hash = createHash('sha256');
    for (const [name, { body }] of entries) {
      hash.update(name).update(body);
    }
    const template = await readFile(join(PUBLIC_FOLDER, 'index.html'), 'utf8');
    hash.update(template);
    this.currentVersion = hash.digest('hex').slice(0, 12);
    this.assets = new Map(entries);
    this.pageBody = Buffer.from(
      template.replaceAll(ASSETS_PLACEHOLDER, `${EXPLORE_ASSETS_PATH}/${this.currentVersion}`),
    );
  }

  /** Hash of the page and every asset; part of each asset URL. */
  get version(): string {
    return this.currentVersion;
  }

  page(): StreamableFile {
    return new StreamableFile(this.pageBody, {
      type: 'text/html; charset=utf-8',
      length: this.pageBody.length,
    });
  }

  /** An allowlisted asset of the current version; anything else is not found. */
  asset(version: string, file: string): StreamableFile {
    const asset = Object.hasOwn(ASSET_SOURCES, file) ? this.assets.get(file) : undefined;
    if (version !== this.currentVersion || asset === undefined) {
      throw new ExploreAssetNotFoundError(version, file);
    }
    return new StreamableFile(asset.body, { type: asset.type, length: asset.body.length });
  }
}
