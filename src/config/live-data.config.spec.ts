import { join, resolve } from 'node:path';
import { buildLiveDataConfig } from 'src/config/live-data.config';
import { ConfigValidationError } from 'src/config/validate-config';

const KEY_A = 'a'.repeat(32);
const KEY_B = 'b'.repeat(40);

describe('live data settings', () => {
  it('should default to writes disabled, 64 MiB uploads and a folder beside DATA_PATH', () => {
    expect(buildLiveDataConfig({ DATA_PATH: '/srv/data/sales.csv' })).toEqual({
      apiKeys: [],
      uploadMaxBytes: 64 * 1024 * 1024,
      dataDir: '/srv/data/live',
    });
    expect(buildLiveDataConfig({}).dataDir).toBe(resolve('data', 'live'));
  });

  it('should read a comma-separated key list, DATA_DIR and UPLOAD_MAX_BYTES', () => {
    const config = buildLiveDataConfig({
      API_KEYS: ` ${KEY_A} , ${KEY_B}`,
      DATA_DIR: '/var/lib/sales',
      UPLOAD_MAX_BYTES: '1048576',
    });
    expect(config).toEqual({
      apiKeys: [KEY_A, KEY_B],
      uploadMaxBytes: 1_048_576,
      dataDir: join('/var/lib/sales'),
    });
  });

  it('should refuse a key shorter than 32 characters without quoting any key', () => {
    const short = 'short-secret-key';
    const build = () => buildLiveDataConfig({ API_KEYS: `${KEY_A},${short}` });
    expect(build).toThrow(ConfigValidationError);
    expect(build).toThrow(
      'API_KEYS: must be a comma-separated list of keys of at least 32 characters each',
    );
    expect(build).toThrow(/^(?!.*short-secret-key)(?!.*aaaa).*$/s);
  });

  it.each(['0', '512', 'lots', String(2 * 1024 ** 3)])(
    'should refuse UPLOAD_MAX_BYTES=%s',
    (value) => {
      expect(() => buildLiveDataConfig({ UPLOAD_MAX_BYTES: value })).toThrow(
        'UPLOAD_MAX_BYTES: must be an integer from 1024 to 1073741824 (bytes)',
      );
    },
  );
});
