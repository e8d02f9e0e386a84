import { ConfigError, parseServiceConfig, serviceHelp } from '../src';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseServiceConfig({ argv, env, defaults: { service: 'svc', instance: 'i1' } }).config;
const failure = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parse(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('parseServiceConfig', () => {
  it('defaults to the embedded in-memory Kafka without brokers, kafkajs with them', () => {
    expect(parse([])).toMatchObject({ client: 'memory', brokers: [], storage: 'memory', hasher: 'murmur2', webHost: '127.0.0.1', webPort: undefined });
    expect(parse(['--brokers', 'a:1, b:2'])).toMatchObject({ client: 'kafkajs', brokers: ['a:1', 'b:2'] });
  });

  it('takes flags over environment variables over code defaults', () => {
    const env = { GOKA_HASHER: 'fnv1a', GOKA_WEB_PORT: '9000', GOKA_LRU_SIZE: '10' };
    const fromEnv = parseServiceConfig({ argv: [], env, defaults: { service: 'svc', webPort: 1, lruSize: 5 } }).config;
    expect(fromEnv).toMatchObject({ hasher: 'fnv1a', webPort: 9000, lruSize: 10 });
    const fromFlags = parseServiceConfig({ argv: ['--web-port', '9001', '--hasher', 'murmur2'], env, defaults: { service: 'svc' } }).config;
    expect(fromFlags).toMatchObject({ hasher: 'murmur2', webPort: 9001, lruSize: 10 });
    expect(parseServiceConfig({ argv: [], env: {}, defaults: { service: 'svc', webPort: 1, lruSize: 5 } }).config).toMatchObject({ webPort: 1, lruSize: 5 });
  });

  it('reads storage, LevelDB, heartbeat and grace-period settings', () => {
    const config = parse([
      '--storage', 'leveldb', '--storage-path', '/data', '--leveldb-cache-size', '1024', '--leveldb-shared',
      '--heartbeat-topic', 'beats', '--heartbeat-interval', '500', '--grace-period', '2000', '--log-level', 'debug',
    ]);
    expect(config).toMatchObject({
      storage: 'leveldb', storagePath: '/data', leveldb: { cacheSize: 1024, sharedDatabase: true },
      storageMetrics: false, heartbeatTopic: 'beats', heartbeatIntervalMs: 500, gracePeriodMs: 2000, logLevel: 'debug',
    });
  });

  it('names the flag or variable of a wrong value', () => {
    expect(failure(['--client', 'sarama'])).toMatch(/--client: must be one of kafkajs, confluent, platformatic, memory, got "sarama"/);
    expect(failure([], { GOKA_WEB_PORT: 'eighty' })).toMatch(/GOKA_WEB_PORT \(--web-port\): must be an integer from 0 to 65535/);
    expect(failure(['--web-port', '70000'])).toMatch(/--web-port/);
    expect(failure(['--brokers', 'localhost'])).toMatch(/--brokers: "localhost" is not host:port/);
    expect(failure(['--client', 'kafkajs'])).toMatch(/--client kafkajs needs --brokers/);
    expect(failure(['--storage', 'redis'])).toMatch(/--storage redis needs --redis-url/);
    expect(failure(['--heartbeat-interval', '-1'])).toMatch(/--heartbeat-interval/);
    expect(failure(['--web-token', 'short'])).toMatch(/--web-token: must have at least 16 characters/);
    expect(failure(['--no-such-flag'])).toMatch(/no-such-flag.*see --help/);
    expect(failure([], { GOKA_LEVELDB_SHARED: 'maybe' })).toMatch(/GOKA_LEVELDB_SHARED/);
    expect(failure([], { GOKA_STORAGE_METRICS: 'maybe' })).toMatch(/GOKA_STORAGE_METRICS/);
  });

  it('turns storage metrics on with --storage-metrics or GOKA_STORAGE_METRICS', () => {
    expect(parse(['--storage-metrics']).storageMetrics).toBe(true);
    expect(parse([], { GOKA_STORAGE_METRICS: 'true' }).storageMetrics).toBe(true);
  });

  it('shows the fleet page unless --no-fleet or GOKA_FLEET=false, the flag over the variable', () => {
    expect(parse([]).fleet).toBe(true);
    expect(parse(['--no-fleet']).fleet).toBe(false);
    expect(parse([], { GOKA_FLEET: 'false' }).fleet).toBe(false);
    expect(parse([], { GOKA_FLEET: '0' }).fleet).toBe(false);
    expect(parse([], { GOKA_FLEET: 'yes' }).fleet).toBe(true);
    expect(parse(['--no-fleet'], { GOKA_FLEET: 'true' }).fleet).toBe(false);
    expect(parseServiceConfig({ argv: [], env: {}, defaults: { service: 'svc', fleet: false } }).config.fleet).toBe(false);
    expect(failure([], { GOKA_FLEET: 'off' })).toMatch(/GOKA_FLEET \(--no-fleet\): must be true or false, got "off"/);
  });

  it('lists every flag with its variable in --help', () => {
    expect(parseServiceConfig({ argv: ['--help'], env: {} }).help).toBe(true);
    const help = serviceHelp('svc');
    for (const line of ['--brokers <value>', '[GOKA_BROKERS]', '--storage-path', '--lru-size', '--web-token', '--heartbeat-interval', '--no-fleet', 'GOKA_FLEET=false', 'wins over its environment variable']) {
      expect(help).toContain(line);
    }
  });
});
