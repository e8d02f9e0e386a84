// `pnpm start`: builds the examples and what they use, then runs the messaging example's quick start
// (embedded in-memory Kafka unless KAFKA_BROKERS is set). Extra arguments go to the app, e.g. --serve.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// turbo prints a telemetry notice on a machine's first run; the README's commands stay quiet.
process.env.TURBO_TELEMETRY_DISABLED ??= '1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@goka-ts/examples...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const app = spawnSync(process.execPath, [path.join(root, 'examples/dist/messaging/main.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(app.status ?? 1);
