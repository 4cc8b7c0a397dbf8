import { Injectable, StreamableFile, type OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { constants as zlib, gzip } from 'node:zlib';
import { ExploreAssetNotFoundError } from 'src/explore/errors/explore-asset-not-found.error';

export const EXPLORE_PAGE_PATH = '/explore';
export const EXPLORE_ASSETS_PATH = `${EXPLORE_PAGE_PATH}/assets`;

/** Where the page's own files live: beside this module in src/ and, copied by `nest build`, in dist/. */
const PUBLIC_FOLDER = join(__dirname, 'public');

/** Where `<script>` and `<link>` tags of index.html point: the versioned assets folder. */
const ASSETS_PLACEHOLDER = '{{assets}}';
/** Where index.html takes the preload links of the page URL's first API requests. */
const PRELOADS_PLACEHOLDER = '{{preloads}}';

/**
 * The analysis query of the page's default state (`DEFAULT_STATE` in public/query-state.js), as
 * the page writes it; the browser test checks that the page asks for exactly this.
 */
export const DEFAULT_ANALYSIS_QUERY = 'metrics=sum&groupBy=country,quarter';

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

/**
 * The API requests a page URL starts with: the list of datasets and, when the URL is one the page
 * writes itself (`?dataset=<name>`, then the analysis query), the dataset's facts and its
 * analysis. The page's own `fetch` calls take these answers over, so they travel while the
 * browser lays the page out and runs its scripts, instead of after. A link the page would write
 * differently gets the list only; the page then asks for the rest itself.
 * @param search the page URL's query, from `?` (or empty)
 */
export function firstApiRequests(search: string): string[] {
  const paths = ['/v1/datasets'];
  const match = /^\?dataset=([^&]+)(?:&(.+))?$/.exec(search);
  if (match === null) {
    return paths;
  }
  const [, encodedName, query = DEFAULT_ANALYSIS_QUERY] = match;
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    return paths;
  }
  if (name.trim() !== name || encodeURIComponent(name) !== encodedName) {
    return paths;
  }
  const dataset = `/v1/datasets/${encodedName}`;
  return [...paths, dataset, `${dataset}/analysis?${query}`];
}

/** Text safe inside a double-quoted HTML attribute. */
function attribute(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/**
 * The encodings an asset may be sent in, the smaller first; `identity` is the file itself. Only
 * gzip: browsers list it before brotli, which `accepts` honours, and brotli's highest level would
 * add about 0.4 s of start-up CPU for 8% fewer bytes (39 KB against 44.5 KB for all assets).
 */
export const ASSET_ENCODINGS = ['gzip', 'identity'] as const;
export type AssetEncoding = (typeof ASSET_ENCODINGS)[number];

const COMPRESSORS: Readonly<
  Record<Exclude<AssetEncoding, 'identity'>, (body: Buffer) => Promise<Buffer>>
> = {
  gzip: (body) => promisify(gzip)(body, { level: zlib.Z_BEST_COMPRESSION }),
};

/** One asset in each encoding that makes it smaller, compressed once at start-up. */
interface Asset {
  readonly bodies: ReadonlyMap<AssetEncoding, Buffer>;
  readonly type: string;
}

/** An asset as sent: its bytes in the chosen encoding. */
export interface EncodedAsset {
  readonly file: StreamableFile;
  readonly encoding: AssetEncoding;
}

async function encodings(body: Buffer): Promise<Map<AssetEncoding, Buffer>> {
  const bodies = new Map<AssetEncoding, Buffer>([['identity', body]]);
  for (const [encoding, compress] of Object.entries(COMPRESSORS)) {
    const compressed = await compress(body);
    if (compressed.length < body.length) {
      bodies.set(encoding as AssetEncoding, compressed);
    }
  }
  return bodies;
}

/**
 * The explore page and its assets, read and compressed once at start-up and served from memory.
 * Asset URLs carry a hash of every file, so browsers may keep them for good and a new release is
 * fetched at once.
 */
@Injectable()
export class ExploreAssets implements OnModuleInit {
  private assets = new Map<string, Asset>();
  private pageTemplate = '';
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
    this.assets = new Map(
      await Promise.all(
        entries.map(
          async ([name, { body, type }]) =>
            [name, { bodies: await encodings(body), type }] as const,
        ),
      ),
    );
    this.pageTemplate = template.replaceAll(
      ASSETS_PLACEHOLDER,
      `${EXPLORE_ASSETS_PATH}/${this.currentVersion}`,
    );
  }

  /** Hash of the page and every asset; part of each asset URL. */
  get version(): string {
    return this.currentVersion;
  }

  /** The page for a URL's query (from `?`, or empty), preloading its first API requests. */
  page(search: string): StreamableFile {
    const preloads = firstApiRequests(search)
      .map((path) => `<link rel="preload" as="fetch" crossorigin href="${attribute(path)}" />`)
      .join('\n    ');
    const body = Buffer.from(this.pageTemplate.replace(PRELOADS_PLACEHOLDER, preloads));
    return new StreamableFile(body, { type: 'text/html; charset=utf-8', length: body.length });
  }

  /**
   * An allowlisted asset of the current version, in the first of its encodings the client takes;
   * anything else is not found.
   * @param pick chooses among the encodings this asset has, or gives false for none
   */
  asset(
    version: string,
    file: string,
    pick: (available: AssetEncoding[]) => string | false,
  ): EncodedAsset {
    const asset = Object.hasOwn(ASSET_SOURCES, file) ? this.assets.get(file) : undefined;
    if (version !== this.currentVersion || asset === undefined) {
      throw new ExploreAssetNotFoundError(version, file);
    }
    const available = ASSET_ENCODINGS.filter((encoding) => asset.bodies.has(encoding));
    const chosen = pick(available);
    const encoding = ASSET_ENCODINGS.find((known) => known === chosen) ?? 'identity';
    const body = asset.bodies.get(encoding) ?? asset.bodies.get('identity') ?? Buffer.alloc(0);
    return {
      file: new StreamableFile(body, { type: asset.type, length: body.length }),
      encoding,
    };
  }
}
