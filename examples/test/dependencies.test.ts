// The examples read as standalone programs: they import goka-ts by package name only, and
// package.json declares every package their sources import or their README tells to use.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { EXAMPLES_DIR } from './support/run';

const manifest = JSON.parse(readFileSync(path.join(EXAMPLES_DIR, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier of `import ... from '...'`, `export ... from '...'` and `import('...')`. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\(\s*)'([^']+)'/g)].map((m) => m[1]);
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const SOURCES = sourceFiles(path.join(EXAMPLES_DIR, 'src'));
const BUILTIN = new Set(builtinModules);

test('relative imports stay inside examples/src', () => {
  const outside = SOURCES.flatMap((file) =>
    specifiers(file)
      .filter((s) => s.startsWith('.'))
      .filter((s) => path.relative(path.join(EXAMPLES_DIR, 'src'), path.resolve(path.dirname(file), s)).startsWith('..'))
      .map((s) => `${path.relative(EXAMPLES_DIR, file)}: ${s}`),
  );
  expect(SOURCES.length).toBeGreaterThan(10);
  expect(outside).toEqual([]);
});

test('every package the sources import is a dependency (not only a dev dependency)', () => {
  const used = new Set(
    SOURCES.flatMap(specifiers)
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !BUILTIN.has(s))
      .map(packageOf),
  );
  expect(used).toContain('@goka-ts/memory-kafka');
  expect([...used].filter((name) => !(name in manifest.dependencies)).sort()).toEqual([]);
});

test('every goka-ts package the README names is a dependency, @goka-ts/tester one for the tests', () => {
  const readme = readFileSync(path.join(EXAMPLES_DIR, 'README.md'), 'utf8');
  const named = new Set(readme.match(/@goka-ts\/[a-z0-9-]+/g));
  expect([...named]).toEqual(expect.arrayContaining(['@goka-ts/confluent', '@goka-ts/storage-leveldb', '@goka-ts/memory-kafka']));
  const missing = [...named].filter((name) => name !== manifest.name && name !== '@goka-ts/tester' && !(name in manifest.dependencies));
  expect(missing).toEqual([]);
  expect(manifest.devDependencies['@goka-ts/tester']).toBeDefined();
  expect(manifest.dependencies['@goka-ts/tester']).toBeUndefined();
});
