import { IdempotencyKeyInFlightError } from 'src/data/errors/idempotency.errors';

/**
 * The idempotency keys of the uploads this process is handling, per dataset: a second request
 * with a key still in use is refused (`409`, IETF Idempotency-Key draft) instead of waiting.
 */
export class InFlightKeys {
  private readonly claims = new Set<string>();

  /**
   * Claims a key for one request; the returned function releases it.
   * @throws IdempotencyKeyInFlightError while another request holds the key
   */
  claim(dataset: string, key: string): () => void {
    const claim = `${dataset}\n${key}`;
    if (this.claims.has(claim)) {
      throw new IdempotencyKeyInFlightError();
    }
    this.claims.add(claim);
    return () => this.claims.delete(claim);
  }
}
