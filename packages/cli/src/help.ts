import type { Command, FlagSpec } from './command';
import { COMMON_FLAGS } from './common_flags';

function flagLines(flags: Readonly<Record<string, FlagSpec>>): string[] {
  const entries = Object.entries(flags).map(([name, f]) => [`${f.short ? `-${f.short}, ` : ''}--${name}${f.valueName ? ` ${f.valueName}` : ''}`, f.description] as const);
  const width = Math.max(...entries.map(([left]) => left.length));
  return entries.map(([left, text]) => `  ${left.padEnd(width)}  ${text}`);
}

/** `goka-ts <command> --help`. */
export function commandHelp(command: Command): string {
  const lines = [`usage: goka-ts ${command.name}${command.positionals.map((p) => ` ${p}`).join('')} [flags]`, '', command.summary, ''];
  if (Object.keys(command.flags).length > 0) lines.push('flags:', ...flagLines(command.flags), '');
  lines.push('common flags:', ...flagLines(COMMON_FLAGS));
  return lines.join('\n');
}

/** `goka-ts --help`. */
export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => (c.name + c.positionals.map((p) => ` ${p}`).join('')).length));
  return [
    'usage: goka-ts <command> [arguments] [flags]',
    '',
    'commands:',
    ...commands.map((c) => `  ${(c.name + c.positionals.map((p) => ` ${p}`).join('')).padEnd(width)}  ${c.summary}`),
    '',
    'common flags:',
    ...flagLines(COMMON_FLAGS),
    '',
    "'goka-ts <command> --help' shows a command's flags. Exit codes: 0 ok, 1 the command failed, 2 usage error.",
  ].join('\n');
}
