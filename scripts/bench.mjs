// `pnpm bench`: builds, starts Kafka and Redis unless KAFKA_BROKERS / REDIS_URL are given, and runs the
// benchmarks in bench/ (arguments select benchmarks, e.g. `pnpm bench core storage`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startServices, stopServices } from './services.mjs';

// turbo prints a telemetry notice on a machine's first run; the README's commands stay quiet.
process.env.TURBO_TELEMETRY_DISABLED ??= '1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@goka-ts/bench...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let status = 1;
try {
  startServices();
  // One process per benchmark: peak RSS figures (table recovery) must not include another one's heap.
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  status = 0;
  for (const name of names.length ? names : ['core', 'guarantees', 'storage', 'recovery', 'latency']) {
    const r = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'bench/dist/main.js'), name], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) status = r.status ?? 1;
  }
} finally {
  stopServices();
}
process.exit(status);
