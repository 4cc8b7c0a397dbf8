import { Inject, Injectable, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { dataConfig, type DataConfig } from 'src/config/data.config';
import { responseCacheConfig, type ResponseCacheConfig } from 'src/config/response-cache.config';
import { DataGeneration } from 'src/data/live/data-generation';
import type { CachedResponse } from 'src/response-cache/cached-response';

/**
 * What a cached answer depends on besides the immutable datasets: the request target exactly as
 * received (path and query), Origin (CORS headers) and Accept (JSON or CSV). An absent header and
 * an empty one are told apart; header values cannot contain a line feed, so none is ambiguous.
 */
export function responseCacheKey(request: IncomingMessage): string {
  const { origin, accept } = request.headers;
  return `${request.url}\n${origin === undefined ? '' : `=${origin}`}\n${accept === undefined ? '' : `=${accept}`}`;
}

/**
 * Successful answers by request, least recently used dropped first, each at most
 * `RESPONSE_CACHE_MAX_ENTRY_BYTES`: at most entries × that many bytes of bodies.
 */
@Injectable()
export class ResponseCache {
  /** A Map iterates in insertion order, so re-inserting on every hit keeps the oldest first. */
  private readonly entries = new Map<string, CachedResponse>();

  /** Answers of a ClickHouse dataset change with every import, so nothing is replayed then. */
  private readonly datasetsMayChange: boolean;

  /** The data generation the entries were computed on; a new version empties the cache. */
  private entriesGeneration = 0;

  constructor(
    @Inject(responseCacheConfig.KEY) private readonly config: ResponseCacheConfig,
    @Optional() @Inject(dataConfig.KEY) data?: DataConfig,
    @Optional() private readonly dataGeneration?: DataGeneration,
  ) {
    this.datasetsMayChange =
      data?.datasets.some(({ backend }) => backend === 'clickhouse') ?? false;
  }

  get enabled(): boolean {
    return this.config.entries > 0 && !this.datasetsMayChange;
  }

  get maxEntryBytes(): number {
    return this.config.maxEntryBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The data generation now: pass it to `set` for an answer being computed from this data. */
  get generation(): number {
    return this.dataGeneration?.current ?? 0;
  }

  get(key: string): CachedResponse | undefined {
    this.dropIfStale();
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, cached);
    }
    return cached;
  }

  /** Keeps an answer computed at `generation`, unless the data has changed since. */
  set(key: string, cached: CachedResponse, generation = this.generation): void {
    this.dropIfStale();
    if (
      !this.enabled ||
      cached.body.length > this.config.maxEntryBytes ||
      generation !== this.entriesGeneration
    ) {
      return;
    }
    this.entries.delete(key);
    this.entries.set(key, cached);
    if (this.entries.size > this.config.entries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) {
        this.entries.delete(oldest.value);
      }
    }
  }

  private dropIfStale(): void {
    const now = this.generation;
    if (now !== this.entriesGeneration) {
      this.entries.clear();
      this.entriesGeneration = now;
    }
  }
}
