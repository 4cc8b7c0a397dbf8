import { LRUCache } from 'lru-cache';

/** Distinct raw inputs remembered per memo, and the characters of their keys in all. */
const MAX_ENTRIES = 1_000;
const MAX_KEY_CHARS = 4 * 1024 * 1024;

/** Freezes a validated value and everything it holds, so requests sharing it cannot change it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      deepFreeze((value as Record<string | symbol, unknown>)[key]);
    }
  }
  return value;
}

/**
 * The validated forms of recently seen raw inputs (query strings, route parameters), least
 * recently used dropped first. Validation is a pure function of the raw input, and a repeated
 * query would otherwise pay class-transformer and class-validator again before the answer cache
 * can serve it (see bench/README.md). Only successes are kept: an invalid input is checked, and
 * refused with all its errors, every time. Kept values are deeply frozen and shared.
 */
export class ValidationMemo<T extends object> {
  private readonly entries = new LRUCache<string, T>({
    max: MAX_ENTRIES,
    maxSize: MAX_KEY_CHARS,
    sizeCalculation: (_entry, key) => Math.max(key.length, 1),
  });

  /** The key `raw` is remembered by. */
  keyOf(raw: unknown): string {
    return JSON.stringify(raw) ?? 'undefined';
  }

  /** The validated form remembered for a key, if any. */
  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  /** Remembers the validated form of a key's input, frozen, and returns it. */
  remember(key: string, value: T): T {
    this.entries.set(key, deepFreeze(value));
    return value;
  }
}
