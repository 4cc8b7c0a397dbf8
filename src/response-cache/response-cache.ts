import { Inject, Injectable, Optional } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { dataConfig, type DataConfig } from 'src/config/data.config';
import { responseCacheConfig, type ResponseCacheConfig } from 'src/config/response-cache.config';
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

  constructor(
    @Inject(responseCacheConfig.KEY) private readonly config: ResponseCacheConfig,
    @Optional() @Inject(dataConfig.KEY) data?: DataConfig,
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

  get(key: string): CachedResponse | undefined {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, cached);
    }
    return cached;
  }

  set(key: string, cached: CachedResponse): void {
    if (!this.enabled || cached.body.length > this.config.maxEntryBytes) {
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
}
