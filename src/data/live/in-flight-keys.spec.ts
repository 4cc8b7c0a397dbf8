import { IdempotencyKeyInFlightError } from 'src/data/errors/idempotency.errors';
import { InFlightKeys } from 'src/data/live/in-flight-keys';

describe(InFlightKeys.name, () => {
  let sut: InFlightKeys;

  beforeEach(() => {
    sut = new InFlightKeys();
  });

  it('should refuse a key while it is claimed, and take it again once released', () => {
    const release = sut.claim('sales', 'key-1');
    expect(() => sut.claim('sales', 'key-1')).toThrow(IdempotencyKeyInFlightError);
    release();
    expect(() => sut.claim('sales', 'key-1')).not.toThrow();
  });

  it('should keep the keys of different datasets apart', () => {
    sut.claim('sales', 'key-1');
    expect(() => sut.claim('other', 'key-1')).not.toThrow();
    expect(() => sut.claim('sales', 'key-2')).not.toThrow();
  });
});
