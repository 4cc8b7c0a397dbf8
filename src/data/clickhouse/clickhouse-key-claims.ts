import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import type { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { stringLiteral, tableRef } from 'src/data/clickhouse/sales-sql';
import { IdempotencyKeyInFlightError } from 'src/data/errors/idempotency.errors';

/** Rounds of claiming when every contender saw the others and withdrew. */
const CLAIM_ROUNDS = 3;
/**
 * Time a holder keeps in hand before its claim runs out: `claimed_at` holds whole seconds (up to
 * 1 s early), and a statement sent just before the deadline must reach the server before a taker
 * looks for running statements.
 */
const CLAIM_MARGIN_MS = 3_000;

interface LiveClaim {
  readonly claim_id: string;
  readonly owner: string;
}

/**
 * Claims on Idempotency-Keys shared by every replica through table `key_claims`, so that two
 * requests with one key reaching two replicas at once cannot both append.
 *
 * A table without transactions can still decide who goes first. A contender inserts its claim
 * row, then reads the key's live claims. An INSERT into MergeTree is visible to every SELECT that
 * starts after it returns, so of two contenders the later reader sees the earlier claim: at most
 * one sees only its own. That one holds the key; a contender that sees another withdraws (a
 * `released` row) and answers 409. When both saw each other and withdrew, a contender that then
 * finds no live claim tries again, up to three rounds, so that one of them usually goes ahead.
 *
 * A claim is live while it is not released and its latest row is younger than the TTL
 * (`CLICKHOUSE_KEY_CLAIM_TTL_MS`): a replica that crashed holding a key blocks it for at most
 * that long. Right before the point of no return its holder renews it if half the TTL has passed
 * (`renewIfOld`), checking that no other replica took the key over meanwhile, and then must start
 * its last attach before the claim runs out (`checkDeadline`); a replica that takes over an expired key settles the
 * earlier holder's pending write first (`ClickHouseDatasetWriter`). Claims of this process that
 * no request holds any more (a release that failed) do not block its own later requests.
 */
export class KeyClaims {
  /** This process, as the `owner` of its claims. */
  private readonly owner = randomUUID();
  /** Claim ids this process holds now. */
  private readonly held = new Set<string>();

  constructor(private readonly gateway: ClickHouseGateway) {}

  get ttlMs(): number {
    return this.gateway.config.keyClaimTtlMs;
  }

  /**
   * Claims `key` of `dataset` for one request of this process (which already holds it in memory).
   * @throws IdempotencyKeyInFlightError while another replica's live claim holds the key
   */
  async claim(dataset: string, key: string): Promise<KeyClaim> {
    for (let round = 1; ; round++) {
      const id = String(BigInt.asUintN(63, randomBytes(8).readBigUInt64BE()) | 1n);
      this.held.add(id);
      const claim = new KeyClaim(this, dataset, key, id);
      try {
        const started = performance.now();
        await this.write(dataset, key, id, false);
        if ((await this.othersThan(dataset, key, id)).length === 0) {
          claim.heldFrom(started);
          return claim;
        }
      } catch (error) {
        await claim.release();
        throw error;
      }
      await claim.release();
      if (round === CLAIM_ROUNDS) {
        throw new IdempotencyKeyInFlightError();
      }
      // Both may have withdrawn: go again only when nobody holds the key, after a random pause.
      await sleep(20 + Math.floor(Math.random() * 80));
      if ((await this.othersThan(dataset, key, null)).length > 0) {
        throw new IdempotencyKeyInFlightError();
      }
    }
  }

  /** @internal Writes a claim row: a claim or renewal (`released` false) or a release. */
  async write(dataset: string, key: string, id: string, released: boolean): Promise<void> {
    await this.gateway.command(
      `INSERT INTO ${tableRef(this.gateway.config.database, 'key_claims')} ` +
        '(dataset, idempotency_key, claim_id, owner, released, claimed_at) VALUES ' +
        `(${stringLiteral(dataset)}, ${stringLiteral(key)}, ${id}, ${stringLiteral(this.owner)}, ` +
        `${released ? 1 : 0}, now())`,
    );
  }

  /** @internal The request holding `id` is done with it. */
  forget(id: string): void {
    this.held.delete(id);
  }

  /**
   * @internal Live claims on the key other than `own`, leaving out this process's claims that no
   * request holds. @throws ClickHouseUnavailableError when `own` is not among the live claims
   * (the server did not show a row it had just taken, as with asynchronous inserts)
   */
  async othersThan(dataset: string, key: string, own: string | null): Promise<LiveClaim[]> {
    const ttlSeconds = Math.ceil(this.ttlMs / 1000);
    const live = await this.gateway.rows<LiveClaim>(
      'SELECT toString(claim_id) AS claim_id, any(owner) AS owner ' +
        `FROM ${tableRef(this.gateway.config.database, 'key_claims')} ` +
        `WHERE dataset = ${stringLiteral(dataset)} AND idempotency_key = ${stringLiteral(key)} ` +
        `GROUP BY claim_id HAVING max(released) = 0 AND max(claimed_at) > now() - ${ttlSeconds}`,
    );
    if (own !== null && !live.some(({ claim_id }) => claim_id === own)) {
      throw new ClickHouseUnavailableError(
        'the server did not show the Idempotency-Key claim just written (are inserts asynchronous?)',
      );
    }
    return live.filter(
      ({ claim_id, owner }) =>
        claim_id !== own && (owner !== this.owner || this.held.has(claim_id)),
    );
  }
}

/** One request's claim on a key (`KeyClaims.claim`). */
export class KeyClaim {
  private written = Number.NEGATIVE_INFINITY;
  private released = false;

  constructor(
    private readonly claims: KeyClaims,
    readonly dataset: string,
    readonly key: string,
    readonly id: string,
  ) {}

  /** @internal Its latest row was sent at `started` (`performance.now()`). */
  heldFrom(started: number): void {
    this.written = started;
  }

  /**
   * Before the write's point of no return: when half the TTL has passed since the claim's latest
   * row, renews it and checks that it still holds the key (no other replica can have taken it
   * over before it lapsed). From its latest row the holder has the TTL less a margin to start its
   * last attach. True when it renewed: a replica may then have answered the key meanwhile.
   * @throws IdempotencyKeyInFlightError when another replica took the key over
   */
  async renewIfOld(): Promise<boolean> {
    if (performance.now() - this.written < this.claims.ttlMs / 2) {
      return false;
    }
    const started = performance.now();
    await this.claims.write(this.dataset, this.key, this.id, false);
    if ((await this.claims.othersThan(this.dataset, this.key, this.id)).length > 0) {
      await this.release();
      throw new IdempotencyKeyInFlightError();
    }
    this.heldFrom(started);
    return true;
  }

  /** @throws ClickHouseUnavailableError once the claim may have lapsed */
  checkDeadline(): void {
    if (performance.now() > this.written + this.claims.ttlMs - CLAIM_MARGIN_MS) {
      throw new ClickHouseUnavailableError(
        `the upload outlasted its claim on the Idempotency-Key (${this.claims.ttlMs} ms)`,
      );
    }
  }

  /** Withdraws the claim; when ClickHouse fails, it lapses after the TTL instead. */
  async release(): Promise<void> {
    if (this.released) {
      return;
    }
    this.released = true;
    try {
      await this.claims.write(this.dataset, this.key, this.id, true);
    } catch {
      // Left held by nobody: it no longer blocks this process, and other replicas see it lapse.
    } finally {
      this.claims.forget(this.id);
    }
  }
}
