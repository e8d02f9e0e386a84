import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { MainOptions } from '../../src/cli';

export const EXAMPLES_DIR = path.resolve(__dirname, '../..');

/** A topic prefix no other test run uses. */
export function uniquePrefix(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}-`;
}

/** Runs an example's main in-process and returns its output lines. */
export async function runMain(main: (options: MainOptions) => Promise<void>, options: MainOptions): Promise<string[]> {
  const lines: string[] = [];
  await main({ ...options, out: (line) => lines.push(line) });
  return lines;
}

/** The environment's value of `name`, or an error saying the test runner should have set it. */
export function requireEnv(name: 'KAFKA_BROKERS' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: these tests need a real ${name === 'KAFKA_BROKERS' ? 'Kafka broker' : 'Redis'} (pnpm test starts one and sets it)`);
  }
  return value;
}

/** The built entry of an example; fails clearly when the package was not built. */
export function builtEntry(example: string): string {
  const entry = path.join(EXAMPLES_DIR, 'dist', example, 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build the examples first (pnpm exec turbo run build --filter=@goka-ts/examples...)`);
  return entry;
}

/** A child process with its output collected; `waitForLine` resolves on the first line matching. */
export class ChildRun {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(entry: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => resolve(code));
    });
  }

  async waitForLine(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (this.child.exitCode !== null) throw new Error(`the process exited (${this.child.exitCode}) before printing ${pattern}:\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The current environment without a broker, so examples use the embedded Kafka. */
export function embeddedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.KAFKA_BROKERS;
  delete env.GOKA_LOG_LEVEL;
  delete env.TOPIC_PREFIX;
  return env;
}
