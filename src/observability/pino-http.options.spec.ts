import { stdTimeFunctions } from 'pino';
import {
  accessLevelOf,
  accessMessageOf,
  isoTimePerMillisecond,
} from 'src/observability/pino-http.options';

describe(isoTimePerMillisecond.name, () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it.each(['2026-01-01T00:00:00.000Z', '2026-11-23T14:22:53.938Z', '2024-02-29T23:59:59.999Z'])(
    'should format %s as pino isoTime does',
    (time) => {
      jest.useFakeTimers({ now: new Date(time) });
      expect(isoTimePerMillisecond()).toBe(stdTimeFunctions.isoTime());
      expect(isoTimePerMillisecond()).toBe(`,"time":"${time}"`);
    },
  );

  it('should move on with the clock', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00.000Z') });
    const first = isoTimePerMillisecond();
    jest.advanceTimersByTime(1);
    expect(isoTimePerMillisecond()).not.toBe(first);
    expect(isoTimePerMillisecond()).toBe(',"time":"2026-01-01T00:00:00.001Z"');
  });
});

describe(accessLevelOf.name, () => {
  it.each([
    [200, false, 'info'],
    [304, false, 'info'],
    [404, false, 'warn'],
    [429, false, 'warn'],
    [500, false, 'error'],
    [200, true, 'error'],
  ])('should log status %p (failed: %p) at %p', (status, failed, level) => {
    expect(accessLevelOf(status, failed)).toBe(level);
  });
});

describe(accessMessageOf.name, () => {
  it('should name method, route template and status', () => {
    expect(accessMessageOf('GET', '/v1/datasets/:dataset', 404)).toBe(
      'GET /v1/datasets/:dataset 404',
    );
  });
});
