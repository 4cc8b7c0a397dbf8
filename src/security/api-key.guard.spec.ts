import type { ExecutionContext } from '@nestjs/common';
import { ApiKeyGuard } from 'src/security/api-key.guard';
import { UnauthenticatedError, WritesDisabledError } from 'src/security/errors/write-access.errors';

const KEY = 'k'.repeat(32);
const OTHER = 'z'.repeat(48);

const contextWith = (authorization?: string): ExecutionContext =>
  ({
    switchToHttp: () => ({
      getRequest: () => ({ headers: authorization === undefined ? {} : { authorization } }),
    }),
  }) as unknown as ExecutionContext;

describe(ApiKeyGuard.name, () => {
  const sut = new ApiKeyGuard({ apiKeys: [OTHER, KEY], uploadMaxBytes: 1024, dataDir: '/tmp' });

  it.each([`Bearer ${KEY}`, `bearer ${OTHER}`, `Bearer  ${KEY} `])('should accept %j', (header) => {
    expect(sut.canActivate(contextWith(header))).toBe(true);
  });

  it.each([
    ['no header', undefined, 'missing'],
    ['another scheme', `Basic ${KEY}`, 'missing'],
    ['an empty token', 'Bearer ', 'missing'],
    ['a wrong key', `Bearer ${KEY}x`, 'invalid'],
    ['a prefix of a key', `Bearer ${KEY.slice(1)}`, 'invalid'],
  ])('should refuse %s with a 401 challenge', (_name, header, problem) => {
    const refusal = (() => {
      try {
        sut.canActivate(contextWith(header));
      } catch (error) {
        return error;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(UnauthenticatedError);
    const challenge = (refusal as UnauthenticatedError).headers['WWW-Authenticate'];
    expect(challenge.startsWith('Bearer realm="sales-metrics"')).toBe(true);
    expect(challenge.includes('invalid_token')).toBe(problem === 'invalid');
  });

  it('should refuse every write with 403 when no keys are configured', () => {
    const closed = new ApiKeyGuard({ apiKeys: [], uploadMaxBytes: 1024, dataDir: '/tmp' });
    expect(() => closed.canActivate(contextWith(`Bearer ${KEY}`))).toThrow(WritesDisabledError);
  });
});
