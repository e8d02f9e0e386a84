// Starts the local Kafka broker and Redis that tests and benchmarks need, unless KAFKA_BROKERS /
// REDIS_URL point at running ones, and stops only what it started.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const started = [];

function sh(script, ...args) {
  execFileSync(path.join(root, 'scripts', script), args, { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
}

/** Ensures Kafka (and Redis unless `redis: false`) and sets KAFKA_BROKERS / REDIS_URL. */
export function startServices({ redis = true } = {}) {
  if (!process.env.KAFKA_BROKERS) {
    const port = process.env.KAFKA_PORT ?? '9092';
    sh('kafka.sh', 'start');
    started.push(() => sh('kafka.sh', 'stop'));
    process.env.KAFKA_BROKERS = `127.0.0.1:${port}`;
  }
  if (redis && !process.env.REDIS_URL) {
    const port = process.env.REDIS_PORT ?? '6379';
    sh('redis.sh', 'start');
    started.push(() => sh('redis.sh', 'stop'));
    process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  }
}

export function stopServices() {
  while (started.length) {
    try { started.pop()(); } catch (err) { console.error(`stopping a service failed: ${err.message}`); }
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { stopServices(); process.exit(130); });
}
