import { parseArgs } from 'node:util';
import type { KafkaClient } from '@goka-ts/api';
import type { Command } from './command';
import { COMMANDS } from './commands';
import { COMMON_FLAGS, connectionOf } from './common_flags';
import { commandHelp, mainHelp } from './help';
import { processIo, type Io } from './io';
import { createClient } from './load_adapter';
import { UsageError } from './usage_error';

/** Options of {@link main}; the defaults are the process's own. */
export interface MainOptions {
  readonly io?: Io;
  readonly env?: NodeJS.ProcessEnv;
  /** Aborts the running command (the bin wires SIGINT / SIGTERM to it). */
  readonly signal?: AbortSignal;
}

/**
 * Runs one `goka-ts` command line (without the node and script arguments) and resolves with its
 * exit code: 0 done, 1 the command failed (the message on stderr names what), 2 a usage error,
 * 130 interrupted by `signal`.
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const env = options.env ?? process.env;
  let command: Command | undefined;
  let client: KafkaClient | undefined;
  try {
    if (argv.length === 0) throw new UsageError('no command given');
    if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.out(mainHelp(COMMANDS));
      return 0;
    }
    command = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
    if (!command) {
      const noun = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
      if (noun.length > 0) throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}": ${argv[0]} has ${noun.map((c) => c.name.split(' ')[1]).join(', ')}`);
      throw new UsageError(`unknown command "${argv[0]}"`);
    }
    const name = command.name;
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv.slice(2)], options: { ...COMMON_FLAGS, ...command.flags }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message, name);
    }
    if (parsed.values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    const want = command.positionals.length;
    if (parsed.positionals.length !== want) {
      throw new UsageError(`expected ${want === 0 ? 'no arguments' : command.positionals.join(' ')}, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.map((p) => JSON.stringify(p)).join(' ')}`, name);
    }
    const connection = connectionOf(parsed.values, env, name);
    const signal = options.signal ?? new AbortController().signal;
    await command.run(
      {
        io,
        signal,
        client: async () => (client ??= await createClient(connection.client, connection.brokers)),
      },
      { positionals: parsed.positionals, values: parsed.values },
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`goka-ts: ${error.message}`);
      io.err(error.command ? `see 'goka-ts ${error.command} --help'` : "see 'goka-ts --help'");
      return 2;
    }
    if (options.signal?.aborted) {
      io.err(`goka-ts ${command?.name ?? ''}: interrupted`);
      return 130; // the shell's code for SIGINT
    }
    io.err(`goka-ts ${command?.name ?? ''}: ${describe(error)}`);
    return 1;
  }
}

/** The message with its causes, which often say what was unreachable. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && parts.length < 4; e = (e as { cause?: unknown }).cause) {
    const text = e instanceof Error ? e.message : String(e);
    if (!parts.some((p) => p.includes(text))) parts.push(text);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}
