// `pnpm bench`: builds, starts Kafka and Redis unless KAFKA_BROKERS / REDIS_URL are given, and runs the
// benchmarks in bench/ (arguments select benchmarks, e.g. `pnpm bench core storage`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startServices, stopServices } from './services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@goka-ts/bench...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let status = 1;
try {
  startServices();
  status = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'bench/dist/main.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' }).status ?? 1;
} finally {
  stopServices();
}
process.exit(status);
