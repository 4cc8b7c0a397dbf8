import { Inject, Injectable, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { responseCacheConfig, type ResponseCacheConfig } from 'src/config/response-cache.config';
import { DataGeneration } from 'src/data/live/data-generation';

/** JSON, or CSV for the analysis routes when the client asks for it. */
export type Representation = 'json' | 'csv';

/** A successful answer as sent: its body and the headers that describe it. */
export interface CachedAnswer {
  readonly body: string;
  /** Content-Type, and any of Content-Disposition and X-Rejected-Rows the answer carried. */
  readonly headers: Readonly<Record<string, string>>;
  /** Strong validator of this body. */
  readonly etag: string;
}

/** A query string's parameters as Node's parser gives them: a string, or an array when repeated. */
export type ParsedQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The query in one spelling per meaning: parameters sorted by name, and a repeated parameter's
 * values joined with commas, which every list parameter reads the same way
 * (`countries=AR,CL` ≡ `countries=AR&countries=CL`). No other rewriting: a value the pipeline
 * might refuse (a comma in a single-valued parameter, an empty item) keeps its own spelling, so
 * a refused query never shares a key with an accepted one.
 */
export function normalisedQuery(query: ParsedQuery): string {
  return Object.keys(query)
    .sort()
    .map((name) => {
      const value = query[name];
      const text = typeof value === 'string' ? value : (value ?? []).join(',');
      return `${encodeURIComponent(name)}=${encodeURIComponent(text)}`;
    })
    .join('&');
}

/** What an answer depends on: the route, the data's version, the normalised query, the format. */
export function responseCacheKey(
  route: string,
  datasetVersion: string,
  query: ParsedQuery,
  representation: Representation,
): string {
  return `${route}\n${datasetVersion}\n${representation}\n${normalisedQuery(query)}`;
}

/** A strong entity tag derived from a cache key (a new dataset version makes a new tag). */
export function entityTagOf(key: string): string {
  return `"${createHash('sha256').update(key).digest('base64url').slice(0, 27)}"`;
}

/**
 * Successful answers by cache key, least recently used dropped first, bounded by entry count
 * (`RESPONSE_CACHE_ENTRIES`), by each body (`RESPONSE_CACHE_MAX_ENTRY_BYTES`) and by all bodies
 * together (`RESPONSE_CACHE_MAX_BYTES`).
 */
@Injectable()
export class ResponseCache {
  private readonly entries: LRUCache<string, CachedAnswer> | undefined;

  /**
   * The data generation the entries were computed on. Keys carry versions, so older entries are
   * never served; dropping them at once frees their room instead of waiting for the LRU.
   */
  private entriesGeneration = 0;

  constructor(
    @Inject(responseCacheConfig.KEY) private readonly config: ResponseCacheConfig,
    @Optional() private readonly dataGeneration?: DataGeneration,
  ) {
    this.entries =
      config.entries > 0
        ? new LRUCache<string, CachedAnswer>({
            max: config.entries,
            maxSize: config.maxBytes,
            maxEntrySize: config.maxEntryBytes,
            sizeCalculation: ({ body }) => Math.max(Buffer.byteLength(body), 1),
          })
        : undefined;
  }

  /** `public, max-age=N`, or `no-cache` (revalidate every time) for `CACHE_MAX_AGE_SECONDS=0`. */
  get cacheControl(): string {
    const { maxAgeSeconds } = this.config;
    return maxAgeSeconds > 0 ? `public, max-age=${maxAgeSeconds}` : 'no-cache';
  }

  get enabled(): boolean {
    return this.entries !== undefined;
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** Bytes of the bodies held. */
  get bodySize(): number {
    return this.entries?.calculatedSize ?? 0;
  }

  /** The data generation now: pass it to `set` for an answer being computed from this data. */
  get generation(): number {
    return this.dataGeneration?.current ?? 0;
  }

  get(key: string): CachedAnswer | undefined {
    this.dropIfStale();
    return this.entries?.get(key);
  }

  /**
   * Keeps an answer computed at `generation`, unless the cache is off, its body is over the entry
   * bound, or an upload or reload finished while it was computed (its key would name the older
   * version).
   */
  set(key: string, answer: CachedAnswer, generation = this.generation): void {
    this.dropIfStale();
    if (generation === this.entriesGeneration) {
      this.entries?.set(key, answer);
    }
  }

  private dropIfStale(): void {
    const now = this.generation;
    if (now !== this.entriesGeneration) {
      this.entries?.clear();
      this.entriesGeneration = now;
    }
  }
}
