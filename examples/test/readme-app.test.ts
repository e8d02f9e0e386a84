// The root README's "Using goka-ts in your own app", followed as a newcomer would, outside this
// workspace: the packages of its `npm install` line (with the @goka-ts packages they depend on) are
// packed with pnpm, installed with npm into an empty directory under the system's temp dir, and its
// `main.mts` is compiled with the README's tsc line and run there. Needs the packages built (pnpm test
// builds first) and the npm registry for the third-party dependencies (kafkajs, typescript, ...).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { codeBlocks, readmeSection } from './support/readme_section';
import { requireEnv } from './support/run';

const exec = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const SECTION = readmeSection(path.join(ROOT, 'README.md'), 'Using goka-ts in your own app');
const COMMANDS = codeBlocks(SECTION, 'sh')[0].split('\n');
const EXAMPLE = codeBlocks(SECTION, 'ts')[0];

interface WorkspacePackage {
  readonly dir: string;
  readonly manifest: { name: string; private?: boolean; main: string; types: string };
}

const WORKSPACE = new Map<string, WorkspacePackage>(
  readdirSync(path.join(ROOT, 'packages'))
    .map((name) => path.join(ROOT, 'packages', name))
    .filter((dir) => existsSync(path.join(dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as WorkspacePackage['manifest'];
      return [manifest.name, { dir, manifest }] as const;
    }),
);

/** The README's command line starting with `prefix`, without its trailing comment. */
function command(prefix: string): string[] {
  const line = COMMANDS.find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`the README's commands have no line starting with "${prefix}"`);
  return line.replace(/\s+#.*$/, '').split(/\s+/);
}

/** The environment of a fresh shell: without what pnpm and jest set for npm, and without our settings. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|KAFKA_BROKERS$|GOKA_)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

async function run(file: string, args: string[], cwd: string, env = cleanEnv()): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(file, args, { cwd, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Packs `names` and the @goka-ts packages they depend on (not their dev dependencies) into `dir`. */
async function pack(names: readonly string[], dir: string): Promise<string[]> {
  for (const name of names) {
    const pkg = WORKSPACE.get(name);
    if (!pkg) throw new Error(`${name} is not a package of this workspace`);
    if (!existsSync(path.join(pkg.dir, pkg.manifest.main))) throw new Error(`${name} is not built: pnpm exec turbo run build --filter=${name}...`);
  }
  await run('pnpm', [...names.flatMap((n) => ['--filter-prod', `${n}...`]), 'pack', '--pack-destination', dir], ROOT);
  return readdirSync(dir).filter((f) => f.endsWith('.tgz')).map((f) => path.join(dir, f));
}

/** The package.json inside a tarball, and whether it holds the files its main and types name. */
async function packedManifest(tarball: string): Promise<{ manifest: Record<string, unknown>; files: string[] }> {
  const manifest = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'], ROOT)).stdout) as Record<string, unknown>;
  const files = (await run('tar', ['-tzf', tarball], ROOT)).stdout.split('\n').filter(Boolean);
  return { manifest, files };
}

let work: string;
let app: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'goka-ts-readme-'));
  app = path.join(work, 'app');
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test('every package the section names is public and packs with its build, without workspace ranges', async () => {
  const named = [...new Set(SECTION.match(/@goka-ts\/[a-z0-9-]+/g) ?? [])];
  expect(named).toEqual(expect.arrayContaining(['@goka-ts/core', '@goka-ts/kafkajs', '@goka-ts/confluent', '@goka-ts/memory-kafka', '@goka-ts/storage-leveldb', '@goka-ts/storage-redis', '@goka-ts/storage-lru', '@goka-ts/tester']));
  for (const name of named) expect({ name, private: WORKSPACE.get(name)?.manifest.private ?? false, known: WORKSPACE.has(name) }).toEqual({ name, private: false, known: true });

  const tarballs = await pack(named, path.join(work, 'all'));
  expect(tarballs.map((t) => path.basename(t))).toEqual(expect.arrayContaining(named.map((n) => `${n.slice(1).replace('/', '-')}-0.1.0.tgz`)));
  for (const tarball of tarballs) {
    const { manifest, files } = await packedManifest(tarball);
    const ranges = JSON.stringify([manifest.dependencies, manifest.peerDependencies, manifest.optionalDependencies]);
    expect({ name: manifest.name, workspaceRanges: ranges.includes('workspace:') }).toEqual({ name: manifest.name, workspaceRanges: false });
    for (const entry of [manifest.main, manifest.types] as string[]) expect(files).toContain(path.posix.join('package', entry));
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
    // Every shipped module still has its source: no output of a deleted or moved file (build empties dist).
    const dir = WORKSPACE.get(String(manifest.name))!.dir;
    const stale = files.filter((f) => /^package\/dist\/.*\.js$/.test(f)).filter((f) => !existsSync(path.join(dir, 'src', f.slice('package/dist/'.length).replace(/\.js$/, '.ts'))));
    expect({ name: manifest.name, stale }).toEqual({ name: manifest.name, stale: [] });
    // stripInternal drops @internal declarations; one left in a .d.ts is a member it cannot strip (a parameter).
    const internal = files.filter((f) => f.endsWith('.d.ts')).filter((f) => readFileSync(path.join(dir, f.slice('package/'.length)), 'utf8').includes('@internal'));
    expect({ name: manifest.name, internal }).toEqual({ name: manifest.name, internal: [] });
  }
}, 60_000);

describe('main.mts in an app outside the workspace', () => {
  beforeAll(async () => {
    const install = command('npm install @goka-ts/');
    const tarballs = await pack(install.slice(2), path.join(work, 'tgz'));
    await run('mkdir', ['-p', app], work);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'readme-app', version: '1.0.0', private: true }));
    // The README's first line names registry packages; until they are published, their tarballs.
    await run('npm', ['install', '--no-audit', '--no-fund', ...tarballs], app);
    const dev = command('npm install -D');
    await run(dev[0], [...dev.slice(1), '--no-audit', '--no-fund'], app);
    await writeFile(path.join(app, 'main.mts'), EXAMPLE);
    const build = command('npx tsc');
    const and = build.indexOf('&&');
    expect(build.slice(and)).toEqual(['&&', 'node', 'main.mjs']);
    await run('npx', build.slice(1, and), app);
  }, 90_000);

  test('installs only published names and the packed builds', () => {
    const installed = readdirSync(path.join(app, 'node_modules/@goka-ts')).sort();
    expect(installed).toEqual(['adapter-kit', 'api', 'copartition', 'core', 'kafkajs', 'memory-kafka', 'storage-memory']);
    for (const name of installed) {
      // A real copy, not a link into this workspace.
      const dir = path.join(app, 'node_modules/@goka-ts', name);
      expect(readFileSync(path.join(dir, 'package.json'), 'utf8')).not.toContain('workspace:');
      expect(existsSync(path.join(dir, 'dist/index.js'))).toBe(true);
    }
  });

  test('counts the clicks on the Kafka inside the process and exits by itself', async () => {
    const started = Date.now();
    const { stdout, stderr } = await run('node', ['main.mjs'], app);
    expect(stdout).toBe('alice: 2, bob: 1\n');
    expect(stderr).toBe(''); // the default logger shows warnings only, and there are none
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('on the broker of KAFKA_BROKERS the table outlives the run: a second run adds to it', async () => {
    const env = cleanEnv({ KAFKA_BROKERS: requireEnv('KAFKA_BROKERS') });
    const counts = async (): Promise<{ alice: number; bob: number }> => {
      const { stdout } = await run('node', ['main.mjs'], app, env);
      const match = /^alice: (\d+), bob: (\d+)\n$/.exec(stdout);
      if (!match) throw new Error(`unexpected output: ${stdout}`);
      return { alice: Number(match[1]), bob: Number(match[2]) };
    };
    const first = await counts();
    const second = await counts();
    expect(first.alice).toBeGreaterThanOrEqual(2);
    expect(second).toEqual({ alice: first.alice + 2, bob: first.bob + 1 });
  }, 60_000);
});
