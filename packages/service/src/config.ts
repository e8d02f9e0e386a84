import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LogLevel } from '@goka-ts/core';
import { DEFAULT_HEARTBEAT_TOPIC } from '@goka-ts/core';

/** Kafka client adapter of a service. */
export type ClientKind = 'kafkajs' | 'confluent' | 'platformatic' | 'memory';

/** Every {@link ClientKind}, in the order `--help` lists them. */
export const CLIENT_KINDS: readonly ClientKind[] = ['kafkajs', 'confluent', 'platformatic', 'memory'];
/** Storage backend of the service's processors and views. */
export type StorageKind = 'memory' | 'leveldb' | 'redis';
export type HasherKind = 'murmur2' | 'fnv1a';

/** The standard settings of a service, from flags, environment and code defaults. */
export interface ServiceConfig {
  /** The service's name: heartbeats, storage paths and the monitor's title carry it. */
  readonly service: string;
  /** This running copy of the service. Default `<hostname>-<pid>`. */
  readonly instance: string;
  /** Bootstrap brokers; empty with `client: 'memory'`. */
  readonly brokers: readonly string[];
  /** Default `memory` without brokers, `kafkajs` with them. */
  readonly client: ClientKind;
  readonly storage: StorageKind;
  /**
   * Where LevelDB keeps its databases: `<storagePath>/<service>-<instance>/<kind>-<name>`, so two instances on one
   * machine (or a processor and a view of one table) never share a directory.
   */
  readonly storagePath: string;
  readonly redisUrl?: string;
  readonly leveldb: { readonly cacheSize?: number; readonly writeBufferSize?: number; readonly sharedDatabase: boolean };
  /** Wrap every storage in an LRU cache of this many keys per partition (0: no cache). */
  readonly lruSize: number;
  /**
   * Counts and times every storage operation per table partition for `/metrics`
   * (`goka_storage_*`, through `@goka-ts/storage-lru`'s `instrumentStorage`). Default false: it adds
   * a clock read per operation on the hot path.
   */
  readonly storageMetrics: boolean;
  readonly hasher: HasherKind;
  readonly webHost: string;
  /** The HTTP port of monitor, health, metrics and profiling; `undefined` serves nothing, 0 any free port. */
  readonly webPort?: number;
  /**
   * Bearer token (at least 16 characters) that the monitor's actions and the profiling endpoints
   * require; without one they are refused.
   */
  readonly webToken?: string;
  readonly logLevel: LogLevel;
  readonly heartbeatTopic: string;
  /** Milliseconds between heartbeats; 0 turns heartbeats off. */
  readonly heartbeatIntervalMs: number;
  /** How long a stop on SIGTERM/SIGINT may take before the process is ended forcibly (ms). */
  readonly gracePeriodMs: number;
  /**
   * Whether the web server shows the fleet page (`/fleet`, `GET /api/fleet`) of every service on
   * `heartbeatTopic`. Default true; it needs the web server and heartbeats on.
   */
  readonly fleet: boolean;
}

/** What {@link parseServiceConfig} reads. */
export interface ParseConfigOptions {
  /** Command-line arguments without node and script. Default `process.argv.slice(2)`. */
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The code's defaults; flags and environment variables override them. */
  readonly defaults?: Partial<ServiceConfig> & { readonly service: string };
  /** Flags the application adds (passed to `util.parseArgs`); their values come back in `extra`. */
  readonly extraFlags?: Readonly<Record<string, { type: 'string' | 'boolean'; description: string }>>;
}

/** A flag or environment variable that does not parse; the message names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly env: string;
  readonly description: string;
}

/** Every standard flag with its environment variable; `--help` prints this table. */
export const SERVICE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  service: { type: 'string', env: 'GOKA_SERVICE', description: 'service name (heartbeats, storage paths)' },
  instance: { type: 'string', env: 'GOKA_INSTANCE', description: 'instance name (default <hostname>-<pid>)' },
  brokers: { type: 'string', env: 'GOKA_BROKERS', description: 'comma-separated host:port list (none: the embedded in-memory Kafka)' },
  client: { type: 'string', env: 'GOKA_CLIENT', description: CLIENT_KINDS.join(' | ') },
  storage: { type: 'string', env: 'GOKA_STORAGE', description: 'memory | leveldb | redis' },
  'storage-path': { type: 'string', env: 'GOKA_STORAGE_PATH', description: 'LevelDB directory; each instance uses <path>/<service>-<instance>' },
  'redis-url': { type: 'string', env: 'GOKA_REDIS_URL', description: 'Redis URL for --storage redis' },
  'leveldb-cache-size': { type: 'string', env: 'GOKA_LEVELDB_CACHE_SIZE', description: 'LevelDB block cache bytes per database' },
  'leveldb-write-buffer-size': { type: 'string', env: 'GOKA_LEVELDB_WRITE_BUFFER_SIZE', description: 'LevelDB write buffer bytes' },
  'leveldb-shared': { type: 'boolean', env: 'GOKA_LEVELDB_SHARED', description: 'one LevelDB database for all partitions' },
  'lru-size': { type: 'string', env: 'GOKA_LRU_SIZE', description: 'LRU cache keys per partition over the storage (0: none)' },
  'storage-metrics': { type: 'boolean', env: 'GOKA_STORAGE_METRICS', description: 'storage operations per partition on /metrics (needs @goka-ts/storage-lru)' },
  hasher: { type: 'string', env: 'GOKA_HASHER', description: 'murmur2 | fnv1a' },
  'web-host': { type: 'string', env: 'GOKA_WEB_HOST', description: 'address of the HTTP server (default 127.0.0.1)' },
  'web-port': { type: 'string', env: 'GOKA_WEB_PORT', description: 'port of monitor, /healthz, /readyz, /metrics, /debug (unset: no server; 0: any)' },
  'web-token': { type: 'string', env: 'GOKA_WEB_TOKEN', description: 'bearer token required by the profiling endpoints' },
  'log-level': { type: 'string', env: 'GOKA_LOG_LEVEL', description: 'debug | info | warn | error | silent' },
  'heartbeat-topic': { type: 'string', env: 'GOKA_HEARTBEAT_TOPIC', description: `compacted fleet topic (default ${DEFAULT_HEARTBEAT_TOPIC})` },
  'heartbeat-interval': { type: 'string', env: 'GOKA_HEARTBEAT_INTERVAL', description: 'ms between heartbeats (0: off; default 10000)' },
  'grace-period': { type: 'string', env: 'GOKA_GRACE_PERIOD', description: 'ms a stop on SIGTERM may take before exit is forced (default 30000)' },
  // util.parseArgs (Node 20) has no --no-<flag> negation, so the negative is a flag of its own. Its
  // variable says the positive (GOKA_FLEET=false) and is read apart from the flag, not through `env`.
  'no-fleet': { type: 'boolean', env: '', description: 'no fleet page (/fleet, /api/fleet) on the web server [GOKA_FLEET=false]' },
  help: { type: 'boolean', env: '', description: 'print this help and exit' },
};

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** The result of parsing: the config, whether `--help` was asked for, and the application's own flags. */
export interface ParsedServiceConfig {
  readonly config: ServiceConfig;
  readonly help: boolean;
  readonly extra: Readonly<Record<string, string | boolean | undefined>>;
}

/**
 * Reads the standard flags and environment variables. Precedence: flag, then environment variable,
 * then `defaults`, then the built-in default.
 * @throws {ConfigError} naming the flag (and its variable) whose value is wrong.
 */
export function parseServiceConfig(options: ParseConfigOptions = {}): ParsedServiceConfig {
  const env = options.env ?? process.env;
  const extraFlags = options.extraFlags ?? {};
  const parseOptions: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, spec] of Object.entries({ ...SERVICE_FLAGS, ...extraFlags })) parseOptions[name] = { type: spec.type };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...(options.argv ?? process.argv.slice(2))], options: parseOptions, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (see --help)`);
  }
  const raw = (flag: string): { value: string | boolean; source: string } | undefined => {
    const given = values[flag];
    if (given !== undefined) return { value: given, source: `--${flag}` };
    const variable = SERVICE_FLAGS[flag]?.env;
    const fromEnv = variable ? env[variable] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `${variable} (--${flag})` };
    return undefined;
  };
  const text = (flag: string): { value: string; source: string } | undefined => {
    const r = raw(flag);
    return r === undefined ? undefined : { value: String(r.value), source: r.source };
  };
  const choice = <T extends string>(flag: string, allowed: readonly T[], fallback: T): T => {
    const r = text(flag);
    if (!r) return fallback;
    if (!allowed.includes(r.value as T)) throw new ConfigError(`${r.source}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(r.value)}`);
    return r.value as T;
  };
  const integer = (flag: string, fallback: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const r = text(flag);
    if (!r) return fallback;
    const n = Number(r.value);
    if (r.value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${r.source}: must be an integer from ${min} to ${max}, got ${JSON.stringify(r.value)}`);
    }
    return n;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const r = raw(name);
    return r ? parseBoolean(r) : fallback;
  };

  const d = options.defaults ?? { service: 'goka-ts' };
  const service = text('service')?.value ?? d.service;
  if (!/^[A-Za-z0-9._-]+$/.test(service)) throw new ConfigError(`--service: must be letters, digits, ".", "_" or "-", got ${JSON.stringify(service)}`);
  const instance = text('instance')?.value ?? d.instance ?? `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]+$/.test(instance)) throw new ConfigError(`--instance: must be letters, digits, ".", "_" or "-", got ${JSON.stringify(instance)}`);
  const brokers = parseBrokers(text('brokers')) ?? d.brokers ?? [];
  const client = choice<ClientKind>('client', CLIENT_KINDS, d.client ?? (brokers.length > 0 ? 'kafkajs' : 'memory'));
  if (client !== 'memory' && brokers.length === 0) throw new ConfigError(`--client ${client} needs --brokers (or GOKA_BROKERS)`);
  const storage = choice<StorageKind>('storage', ['memory', 'leveldb', 'redis'], d.storage ?? 'memory');
  const redisUrl = text('redis-url')?.value ?? d.redisUrl;
  if (storage === 'redis' && !redisUrl) throw new ConfigError('--storage redis needs --redis-url (or GOKA_REDIS_URL)');
  const webPort = integer('web-port', d.webPort, 0, 65535);
  const fleetEnv = env.GOKA_FLEET;
  let fleet = d.fleet ?? true;
  if (values['no-fleet'] === true) fleet = false;
  else if (fleetEnv !== undefined && fleetEnv !== '') fleet = parseBoolean({ value: fleetEnv, source: 'GOKA_FLEET (--no-fleet)' });
  const webToken = text('web-token');
  // The monitor refuses shorter tokens; saying so here names the flag.
  if (webToken && webToken.value.length < 16) throw new ConfigError(`${webToken.source}: must have at least 16 characters`);
  const config: ServiceConfig = {
    service,
    instance,
    brokers,
    client,
    storage,
    storagePath: text('storage-path')?.value ?? d.storagePath ?? path.join(os.tmpdir(), 'goka-ts'),
    redisUrl,
    leveldb: {
      cacheSize: integer('leveldb-cache-size', d.leveldb?.cacheSize, 0),
      writeBufferSize: integer('leveldb-write-buffer-size', d.leveldb?.writeBufferSize, 1),
      sharedDatabase: flag('leveldb-shared', d.leveldb?.sharedDatabase ?? false),
    },
    lruSize: integer('lru-size', d.lruSize ?? 0, 0)!,
    storageMetrics: flag('storage-metrics', d.storageMetrics ?? false),
    hasher: choice<HasherKind>('hasher', ['murmur2', 'fnv1a'], d.hasher ?? 'murmur2'),
    webHost: text('web-host')?.value ?? d.webHost ?? '127.0.0.1',
    webPort,
    webToken: webToken?.value ?? d.webToken,
    logLevel: choice<LogLevel>('log-level', LOG_LEVELS, d.logLevel ?? 'warn'),
    heartbeatTopic: text('heartbeat-topic')?.value ?? d.heartbeatTopic ?? DEFAULT_HEARTBEAT_TOPIC,
    heartbeatIntervalMs: integer('heartbeat-interval', d.heartbeatIntervalMs ?? 10_000, 0)!,
    gracePeriodMs: integer('grace-period', d.gracePeriodMs ?? 30_000, 1)!,
    fleet,
  };
  const extra: Record<string, string | boolean | undefined> = {};
  for (const name of Object.keys(extraFlags)) extra[name] = values[name];
  return { config, help: values.help === true, extra };
}

/** The `--help` text: every standard flag (and the application's), its variable, and the precedence. */
export function serviceHelp(name: string, extraFlags: ParseConfigOptions['extraFlags'] = {}): string {
  const rows = Object.entries({ ...SERVICE_FLAGS, ...extraFlags }).map(([flag, spec]) => {
    const left = `  --${flag}${spec.type === 'string' ? ' <value>' : ''}`;
    const variable = 'env' in spec && spec.env ? ` [${spec.env}]` : '';
    return `${left.padEnd(36)} ${spec.description}${variable}`;
  });
  return [`Usage: ${name} [flags]`, '', 'Flags (a flag wins over its environment variable, which wins over the code default):', ...rows].join('\n');
}

function parseBoolean(r: { value: string | boolean; source: string }): boolean {
  if (typeof r.value === 'boolean') return r.value;
  if (['1', 'true', 'yes'].includes(r.value)) return true;
  if (['0', 'false', 'no'].includes(r.value)) return false;
  throw new ConfigError(`${r.source}: must be true or false, got ${JSON.stringify(r.value)}`);
}

function parseBrokers(r: { value: string; source: string } | undefined): string[] | undefined {
  if (!r) return undefined;
  const brokers = r.value.split(',').map((b) => b.trim()).filter((b) => b !== '');
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d+$/.test(broker)) throw new ConfigError(`${r.source}: "${broker}" is not host:port`);
  }
  return brokers;
}
