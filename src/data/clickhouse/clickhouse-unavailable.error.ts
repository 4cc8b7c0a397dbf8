import { DomainError } from 'src/common/errors/domain.error';

/** Seconds clients are asked to wait: long enough for a restart, short enough to notice recovery. */
export const CLICKHOUSE_RETRY_AFTER_SECONDS = 5;

/** ClickHouse refused, timed out or is overloaded; the request may succeed when retried. */
export class ClickHouseUnavailableError extends DomainError {
  readonly kind = 'unavailable';
  override readonly retryAfterSeconds = CLICKHOUSE_RETRY_AFTER_SECONDS;

  constructor(reason: string) {
    super(`ClickHouse is unavailable: ${reason}. Retry later.`);
    this.name = ClickHouseUnavailableError.name;
  }
}
