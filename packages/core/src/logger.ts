import type { Logger } from '@goka-ts/api';

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface ConsoleLoggerOptions {
  /** Lowest level written. Default: env `GOKA_LOG_LEVEL`, else `'info'`. */
  readonly level?: LogLevel;
  /** Fields added to every line (e.g. `{ component: 'view' }`). */
  readonly fields?: Record<string, unknown>;
  /** Where lines go; default `process.stderr`. */
  readonly write?: (line: string) => void;
}

/** The default level: env `GOKA_LOG_LEVEL` when it names a level, else `fallback` (`'info'`). */
export function defaultLogLevel(fallback: LogLevel = 'info'): LogLevel {
  const env = process.env.GOKA_LOG_LEVEL?.trim().toLowerCase();
  return env && env in SEVERITY ? (env as LogLevel) : fallback;
}

/**
 * The logger of every component built without a `logger` option (Processor, View, Emitter,
 * TopicManager): a {@link consoleLogger} on stderr at env `GOKA_LOG_LEVEL`, else `'warn'`. Warnings
 * and errors are what an operator must see (a skipped message, a lost connection, a topic that does
 * not match its specification); progress lines (`'info'`) only on request. Pass
 * {@link silentLogger} to quiet a component, or your own {@link Logger} to route its lines.
 */
export function defaultLogger(): Logger {
  return consoleLogger({ level: defaultLogLevel('warn') });
}

/**
 * A logger writing one line per entry: ISO time, level, message, then `key=value` fields
 * (strings with spaces are JSON-quoted, errors show their message).
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const min = SEVERITY[options.level ?? defaultLogLevel()];
  const base = options.fields;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (SEVERITY[level] < min) return;
    let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
    if (base) line += formatFields(base);
    if (fields) line += formatFields(fields);
    write(line);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

/** Wraps a logger so every entry carries `fields` (entry fields win on name clashes). */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const wrap = (fn: Logger['info']) => (message: string, extra?: Record<string, unknown>) => fn.call(logger, message, extra ? { ...fields, ...extra } : fields);
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}

function formatFields(fields: Record<string, unknown>): string {
  let out = '';
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    out += ` ${key}=${formatValue(value)}`;
  }
  return out;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
