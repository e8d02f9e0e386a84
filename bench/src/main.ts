/**
 * `pnpm bench [name...]`: runs the named benchmarks (all when none is named) against the broker in
 * KAFKA_BROKERS and Redis in REDIS_URL (scripts/bench.mjs starts both when they are not given).
 * Every benchmark compares goka-ts with the raw client on the same broker in the same run.
 */
import os from 'node:os';

type Bench = () => Promise<void>;

const benches: Record<string, () => Promise<{ run: Bench }>> = {
  core: () => import('./core'),
  storage: () => import('./storage'),
  recovery: () => import('./recovery'),
  guarantees: () => import('./guarantees'),
  latency: () => import('./steady_latency'),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !(w in benches));
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  const cpus = os.cpus();
  // A child measuring one part of a benchmark (see recovery.ts) prints only its result rows.
  const child = Boolean(process.env.BENCH_RECOVERY_TABLE);
  if (!child) console.log(`machine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, broker ${process.env.KAFKA_BROKERS}`);
  for (const name of wanted.length ? wanted : Object.keys(benches)) {
    if (!child) console.log(`\n## ${name}`);
    const mod = await benches[name]();
    await mod.run();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
