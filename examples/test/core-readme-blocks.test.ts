// Every ```ts block of packages/core/README.md compiles against the packages' published types, so a
// renamed option or export cannot leave the docs behind. Blocks that continue an earlier one use
// the names declared in PRELUDE (a client, an emitter, the counter graph) as if they were in scope.
import path from 'node:path';
import ts from 'typescript';
import { codeBlocks } from './support/readme_section';
import { readFileSync } from 'node:fs';
import { EXAMPLES_DIR } from './support/run';

const README = path.resolve(EXAMPLES_DIR, '../packages/core/README.md');
const CORE_NAMES = ['defineGroup', 'Emitter', 'int64Codec', 'jsonCodec', 'Processor', 'stringCodec', 'TopicManager', 'View', 'waitForGroupCaughtUp', 'silentLogger', 'consoleLogger'];
const PRELUDE: Record<string, string> = {
  client: 'declare const client: KafkaClient;',
  emitter: 'declare const emitter: Emitter<string>;',
  myLogger: 'declare const myLogger: Logger;',
  graph: "declare const graph: GroupGraph<{ clicks: string }, {}, number, {}, {}, {}, never>;",
};

/** A block as a module: its imports, core's names it did not import, the prelude names it does not declare, its body. */
function asModule(code: string): string {
  const lines = code.split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import ')).join('\n');
  const imported = new Set(imports.flatMap((l) => (/\{([^}]*)\}/.exec(l)?.[1] ?? '').split(',').map((n) => n.replace(/^\s*type\s+/, '').trim())));
  const missing = CORE_NAMES.filter((n) => !imported.has(n));
  const declared = (name: string) => new RegExp(`\\b(const|let|function|class|interface|type)\\s+${name}\\b`).test(body);
  const prelude = Object.keys(PRELUDE).filter((name) => !declared(name));
  return [
    ...imports,
    "import type { KafkaClient, Logger } from '@goka-ts/api';",
    "import type { GroupGraph } from '@goka-ts/core';",
    missing.length ? `import { ${missing.join(', ')} } from '@goka-ts/core';` : '',
    ...prelude.map((name) => PRELUDE[name]),
    `void [${[...missing, ...prelude].join(', ')}];`,
    'export async function block(): Promise<void> {',
    // Exported declarations (the codec block) cannot stand in a function body.
    body.replace(/^export /gm, ''),
    '}',
  ].join('\n');
}

function diagnostics(blocks: readonly string[]): string[] {
  const files = new Map(blocks.map((code, i) => [path.join(__dirname, `__core_readme_block_${i}.ts`), asModule(code)]));
  const config = ts.getParsedCommandLineOfConfigFile(path.join(EXAMPLES_DIR, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('cannot read examples/tsconfig.json');
  const options = { ...config.options, noEmit: true, noUnusedLocals: false };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.getSourceFile = (name, language) => (files.has(name) ? ts.createSourceFile(name, files.get(name)!, language) : getSourceFile(name, language));
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.basename(d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : 'config';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

test('every ts block of the core README compiles', () => {
  const blocks = codeBlocks(readFileSync(README, 'utf8'), 'ts');
  expect(blocks.length).toBeGreaterThanOrEqual(7);
  expect(diagnostics(blocks)).toEqual([]);
});

test('a block using a name core does not export is reported', () => {
  expect(diagnostics(["const view = new View('t', int64, { client });"]).join('\n')).toMatch(/Cannot find name 'int64'/);
});
