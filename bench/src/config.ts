/** Benchmark settings, read once from the environment so quick runs need no code change. */
export interface BenchConfig {
  readonly brokers: string[];
  /** Input messages (and records of the pre-produced table). `BENCH_MESSAGES`, default 200 000. */
  readonly messages: number;
  /** Distinct keys. `BENCH_KEYS`, default 10 000. */
  readonly keys: number;
  /** Partitions of every topic. `BENCH_PARTITIONS`, default 8. */
  readonly partitions: number;
  /** Bytes of every input value. `BENCH_VALUE_BYTES`, default 16. */
  readonly valueBytes: number;
  /** Measurements per benchmark and adapter; the table shows the median and the best. `BENCH_REPEATS`, default 3. */
  readonly repeats: number;
  /** Adapters to measure. `BENCH_ADAPTERS`, default `kafkajs,confluent,platformatic`. */
  readonly adapters: string[];
  /** Longest time one measurement may take before the benchmark fails (ms). `BENCH_TIMEOUT_MS`, default 180 000. */
  readonly timeoutMs: number;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

export function loadConfig(): BenchConfig {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) {
    throw new Error('KAFKA_BROKERS is not set: run `pnpm bench` (it starts a broker), or set KAFKA_BROKERS=127.0.0.1:9092');
  }
  const adapters = (process.env.BENCH_ADAPTERS ?? 'kafkajs,confluent,platformatic').split(',').map((a) => a.trim()).filter(Boolean);
  const config: BenchConfig = {
    brokers,
    messages: positiveInt('BENCH_MESSAGES', 200_000),
    keys: positiveInt('BENCH_KEYS', 10_000),
    partitions: positiveInt('BENCH_PARTITIONS', 8),
    valueBytes: positiveInt('BENCH_VALUE_BYTES', 16),
    repeats: positiveInt('BENCH_REPEATS', 3),
    adapters,
    timeoutMs: positiveInt('BENCH_TIMEOUT_MS', 180_000),
  };
  if (config.keys > config.messages) throw new Error(`BENCH_KEYS (${config.keys}) must not exceed BENCH_MESSAGES (${config.messages})`);
  return config;
}

/** A topic or group name no other run (or helper on the same broker) uses. */
export function uniqueName(prefix: string): string {
  return `bench-${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
