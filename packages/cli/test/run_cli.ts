import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const BIN = path.join(__dirname, '../dist/bin.js');

/** What one run of the built bin printed and how it exited. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node dist/bin.js ...args` (build first: `pnpm exec turbo run build --filter=@goka-ts/cli...`).
 * Asynchronous, so processors of the test process keep heartbeating meanwhile.
 */
export function runCli(args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  if (!existsSync(BIN)) return Promise.reject(new Error(`${BIN} is missing: build first (pnpm exec turbo run build --filter=@goka-ts/cli...)`));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH, GOKA_BROKERS: process.env.KAFKA_BROKERS, GOKA_LOG_LEVEL: 'error', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The JSON lines of stdout. */
export function jsonLines(stdout: string): unknown[] {
  return stdout.split('\n').filter((line) => line.trim().length > 0).map((line) => JSON.parse(line) as unknown);
}
