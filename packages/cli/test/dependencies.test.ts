/**
 * What installing the CLI installs: the closure of its production dependencies, read from the
 * package.json files of the installed packages (workspace links resolved). The CLI shares client
 * creation with the service through @goka-ts/client-loader, so none of the service's web UI and
 * metrics come along.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

const PACKAGES = path.resolve(__dirname, '../..');

/** The directory `name` resolves to from `dir`, as Node finds it (up the node_modules chain); undefined when not installed. */
function installed(name: string, dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * Every package installing `root` brings, with its optional dependencies and peers where installed
 * (the adapters a user adds next to it count too: none of them may pull in the service's parts).
 */
function closure(root: string): Set<string> {
  const seen = new Set<string>();
  const visit = (dir: string) => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    if (seen.has(manifest.name)) return;
    seen.add(manifest.name);
    const names = [manifest.dependencies, manifest.optionalDependencies, manifest.peerDependencies].flatMap((deps) => Object.keys(deps ?? {}));
    for (const name of names) {
      const found = installed(name, dir);
      if (found) visit(found);
    }
  };
  visit(root);
  return seen;
}

describe("the CLI's installed dependencies", () => {
  const SERVICE_ONLY = ['@goka-ts/service', '@goka-ts/web', '@goka-ts/prometheus', 'prom-client'];

  it('include no web UI, no metrics and no service', () => {
    const cli = closure(path.join(PACKAGES, 'cli'));
    expect(cli).toContain('@goka-ts/client-loader');
    expect(cli).toContain('@goka-ts/kafkajs');
    expect(SERVICE_ONLY.filter((name) => cli.has(name))).toEqual([]);
  });

  it("are read the way the service's are, which do include them", () => {
    const service = closure(path.join(PACKAGES, 'service'));
    expect(SERVICE_ONLY.filter((name) => !service.has(name))).toEqual([]);
  });
});
