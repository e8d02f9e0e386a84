// `pnpm test`: builds and type-checks every package, starts Kafka and Redis when KAFKA_BROKERS / REDIS_URL are not
// given, runs every package's jest suite through turbo, and ends with one line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';
import { startServices, stopServices } from './services.mjs';

// turbo prints a telemetry notice on a machine's first run; the README's commands stay quiet.
process.env.TURBO_TELEMETRY_DISABLED ??= '1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, '.run', 'jest-results');
fs.rmSync(results, { recursive: true, force: true });

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status ?? 1;
}

// Tests run through swc, which strips types: the strict type check of sources and tests (including
// the compile-time type tests of the graph) runs here, before any test.
let status = run('pnpm', ['exec', 'turbo', 'run', 'build', 'typecheck', '--output-logs=errors-only']);
if (status === 0) status = run('pnpm', ['lint']);
if (status !== 0) {
  console.error('build, type check or lint failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
try {
  startServices();
  const extra = process.argv.slice(2);
  status = run('pnpm', ['exec', 'turbo', 'run', 'test', `--concurrency=${process.env.GOKA_TEST_CONCURRENCY ?? '2'}`, '--continue', ...extra],
    { ...process.env, GOKA_JEST_RESULTS: results });
} finally {
  stopServices();
}

let passed = 0;
let failed = 0;
let broken = 0;
for (const f of fs.existsSync(results) ? fs.readdirSync(results) : []) {
  const r = JSON.parse(fs.readFileSync(path.join(results, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  broken += r.runtimeErrorSuites;
}
// A suite that could not run (syntax error, crash) has no failed tests; count it so it is not hidden.
failed += broken;
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);
