import { View, fnv1aHasher, murmur2Hasher } from '@goka-ts/core';
import type { Command, CommandArgs, CommandContext, FlagSpec } from '../command';
import { CODEC_NAMES, entryLine, outputCodec, type OutputCodec } from '../codec_flag';
import { choiceFlag } from '../flag_values';
import { KEY_FORMATS, keyFormat, withKeysHint, type KeyFormat } from '../key_flag';
import { recoveryProgress, renderProgress } from '../progress_bar';

const CODEC_FLAG: FlagSpec = { type: 'string', valueName: CODEC_NAMES.join('|'), description: 'value codec (default string); bytes are printed as base64' };
const HASHER_FLAG: FlagSpec = { type: 'string', valueName: 'murmur2|fnv1a', description: 'the hasher the table was written with (default murmur2)' };
const KEYS_FLAG: FlagSpec = {
  type: 'string',
  valueName: KEY_FORMATS.join('|'),
  description: 'keys as text (default utf8; a table key that is not UTF-8 fails the command) or as the hex of their bytes (hex: any key)',
};
const PROGRESS_FLAG: FlagSpec = { type: 'string', valueName: 'auto|always|never', description: 'recovery progress bar on stderr (default auto: only when stderr is a terminal)' };
const PROGRESS_INTERVAL_MS = 200;

/**
 * Recovers a view of the table, calls `use`, stops the view. `progress` draws a bar of the
 * recovery on stderr meanwhile.
 */
async function withView(
  context: CommandContext,
  command: string,
  table: string,
  args: CommandArgs,
  progress: boolean,
  use: (view: View<unknown>, codec: OutputCodec, keys: KeyFormat) => Promise<void>,
): Promise<void> {
  const codec = outputCodec(choiceFlag(args.values, 'codec', command, CODEC_NAMES, 'string'));
  const hasher = choiceFlag(args.values, 'hasher', command, ['murmur2', 'fnv1a'] as const, 'murmur2') === 'fnv1a' ? fnv1aHasher : murmur2Hasher;
  const keys = keyFormatOf(args, command);
  const view = new View(table, codec.codec, { client: await context.client(), hasher, keys: keys.codec });
  const running = view.run(context.signal).catch((error: unknown) => {
    throw withKeysHint(error, keys);
  });
  running.catch(() => undefined); // waitRunning reports a failure during recovery; later ones are awaited below
  const { io } = context;
  const draw = () => io.errStatus(renderProgress(table, recoveryProgress(view.stats()), io.errColumns));
  const timer = progress ? setInterval(draw, PROGRESS_INTERVAL_MS) : undefined;
  try {
    await view.waitRunning();
  } catch (error) {
    // waitRunning names only the state; the run's error says what failed.
    await running;
    throw error;
  } finally {
    clearInterval(timer);
    if (progress) {
      draw();
      io.err('');
    }
  }
  try {
    await use(view, codec, keys);
  } finally {
    await view.stop();
  }
  await running;
}

function keyFormatOf(args: CommandArgs, command: string): KeyFormat {
  return keyFormat(choiceFlag(args.values, 'keys', command, KEY_FORMATS, 'utf8'));
}

function progressWanted(context: CommandContext, args: CommandArgs, command: string): boolean {
  const mode = choiceFlag(args.values, 'progress', command, ['auto', 'always', 'never'] as const, 'auto');
  return mode === 'always' || (mode === 'auto' && context.io.errIsTty);
}

export const tableGet: Command = {
  name: 'table get',
  summary: 'the value of one key, as a JSON line {"key","value"}; exit 1 when the key is absent',
  positionals: ['<table>', '<key>'],
  flags: { codec: CODEC_FLAG, hasher: HASHER_FLAG, keys: KEYS_FLAG },
  async run(context, args) {
    const [table, arg] = args.positionals as [string, string];
    const key = keyFormatOf(args, this.name).parse(arg, '<key>', this.name);
    await withView(context, this.name, table, args, false, async (view, codec, keys) => {
      const value = await view.get(key);
      if (value === undefined) throw new Error(`key "${arg}" is not in table "${table}"`);
      context.io.out(entryLine(keys.show(key), value, codec));
    });
  },
};

export const tableScan: Command = {
  name: 'table scan',
  summary: 'the entries whose keys start with --prefix (default all), one JSON line each',
  positionals: ['<table>'],
  flags: { codec: CODEC_FLAG, prefix: { type: 'string', valueName: 'PREFIX', description: 'only keys starting with PREFIX (hex bytes with --keys hex)' }, keys: KEYS_FLAG, progress: PROGRESS_FLAG },
  async run(context, args) {
    const [table] = args.positionals as [string];
    const prefix = keyFormatOf(args, this.name).parse((args.values.prefix as string | undefined) ?? '', '--prefix', this.name);
    await withView(context, this.name, table, args, progressWanted(context, args, this.name), async (view, codec, keys) => {
      for await (const [key, value] of view.iterator()) {
        if (key.startsWith(prefix) && !context.io.out(entryLine(keys.show(key), value, codec))) await context.io.drain();
      }
    });
  },
};

export const tableDump: Command = {
  name: 'table dump',
  summary: 'every entry, one JSON line each; a progress bar on stderr while the table recovers',
  positionals: ['<table>'],
  flags: { codec: CODEC_FLAG, keys: KEYS_FLAG, progress: PROGRESS_FLAG },
  async run(context, args) {
    const [table] = args.positionals as [string];
    await withView(context, this.name, table, args, progressWanted(context, args, this.name), async (view, codec, keys) => {
      for await (const [key, value] of view.iterator()) {
        if (!context.io.out(entryLine(keys.show(key), value, codec))) await context.io.drain();
      }
    });
  },
};
