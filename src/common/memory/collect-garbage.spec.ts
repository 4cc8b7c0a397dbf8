import { collectGarbage } from './collect-garbage';

const MIB = 1024 * 1024;

describe('collectGarbage', () => {
  it('frees unreachable array buffers at once, without --expose-gc', () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    let garbage: SharedArrayBuffer | null = new SharedArrayBuffer(64 * MIB);
    new Uint8Array(garbage).fill(1);
    const before = process.memoryUsage().arrayBuffers;
    garbage = null;
    expect(collectGarbage()).toBeGreaterThanOrEqual(0);
    const freed = before - process.memoryUsage().arrayBuffers;
    expect(garbage).toBeNull();
    expect(freed).toBeGreaterThanOrEqual(63 * MIB);
  });

  it('leaves gc unexposed to the program afterwards', () => {
    collectGarbage();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
