// Every ```ts example in the TSDoc of src/ must compile against the real exports: an example that
// names something core does not export (as `json<Click>()` or `int64` once did) fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import ts from 'typescript';

const SRC = join(__dirname, '../src');

// What the examples take as given: the values a user has at hand where the snippet would stand.
const PRELUDE = `
import type { KafkaClient } from '@goka-ts/api';
import { defineGroup, Emitter, int64Codec, jsonCodec, Processor, stringCodec, View, type GroupGraph } from '../src';
declare const client: KafkaClient;
declare const signal: AbortSignal;
declare const graph: GroupGraph<{ clicks: string }, {}, number, {}, {}, {}, never>;
interface Click { readonly page: string }
void [defineGroup, Emitter, int64Codec, jsonCodec, Processor, stringCodec, View];
`;

interface Example {
  readonly where: string;
  readonly code: string;
}

function tsdocExamples(): Example[] {
  const examples: Example[] = [];
  // Forward slashes on every platform: `where` names the file the same way everywhere.
  const files = (readdirSync(SRC, { recursive: true }) as string[]).map((f) => f.split(sep).join('/')).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const match of text.matchAll(/^\s*\* ```ts\n([\s\S]*?)^\s*\* ```$/gm)) {
      const line = text.slice(0, match.index).split('\n').length + 1;
      const code = match[1].replace(/^\s*\* ?/gm, '');
      examples.push({ where: `src/${file}:${line}`, code });
    }
  }
  return examples;
}

/** The example as a module: its imports on top, the rest in an async function (examples await). */
function asModule(code: string): string {
  const lines = code.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import '));
  return `${imports.join('\n')}\n${PRELUDE}\nexport async function example(): Promise<void> {\n${body.join('\n')}\n}\n`;
}

function diagnosticsOf(examples: readonly Example[]): string[] {
  const files = new Map(examples.map((e, i) => [join(__dirname, `__tsdoc_example_${i}.ts`), e]));
  const config = ts.getParsedCommandLineOfConfigFile(join(__dirname, '../tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('cannot read packages/core/tsconfig.json');
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.readFile = (name) => (files.has(name) ? asModule(files.get(name)!.code) : readFile(name));
  host.getSourceFile = (name, language) => (files.has(name) ? ts.createSourceFile(name, asModule(files.get(name)!.code), language) : getSourceFile(name, language));
  const program = ts.createProgram([...files.keys()], { ...config.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const example = d.file && files.get(d.file.fileName);
    const where = example ? example.where : (d.file?.fileName ?? 'config');
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

test('every TSDoc example of core compiles', () => {
  const examples = tsdocExamples();
  expect(examples.map((e) => e.where.replace(/:\d+$/, ''))).toEqual(expect.arrayContaining(['src/graph/define_group.ts', 'src/view.ts', 'src/emitter.ts', 'src/processor/processor.ts']));
  expect(diagnosticsOf(examples)).toEqual([]);
});

test('a broken example is reported with where it stands', () => {
  const broken = diagnosticsOf([{ where: 'src/broken.ts:1', code: "const g = defineGroup('g', { inputs: { t: { codec: json<Click>(), handler: () => {} } }, persist: int64 });" }]);
  expect(broken.join('\n')).toMatch(/src\/broken.ts:1: Cannot find name 'json'/);
  expect(broken.join('\n')).toMatch(/Cannot find name 'int64'/);
});
