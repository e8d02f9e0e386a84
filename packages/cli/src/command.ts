import type { KafkaClient } from '@goka-ts/api';
import type { Io } from './io';

/** A flag of a command, as `util.parseArgs` takes it, with its help text. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Shown in `--help`, e.g. `"N"` for `--partitions N`. */
  readonly valueName?: string;
  readonly description: string;
}

/** Parsed arguments of one command. */
export interface CommandArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
}

/** What a running command gets. */
export interface CommandContext {
  readonly io: Io;
  /** The Kafka client the common flags select, created on first use and closed by the caller. */
  client(): Promise<KafkaClient>;
  /** Aborted on SIGINT / SIGTERM. */
  readonly signal: AbortSignal;
}

/** One `goka-ts <noun> <verb>` command. */
export interface Command {
  /** E.g. `"topics ensure"`. */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, all required, e.g. `['<topic>']`. */
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Resolves when done; throws a {@link UsageError} for a bad command line, anything else for a failure. */
  run(context: CommandContext, args: CommandArgs): Promise<void>;
}
