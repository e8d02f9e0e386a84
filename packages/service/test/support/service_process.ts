import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '@goka-ts/test-support';

const FIXTURE = path.join(__dirname, '../fixtures/counter_service.js');

/** A fixture service process (test/fixtures/counter_service.js on the built dist), its output collected. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code once the process has exited (null when killed by a signal). */
  readonly exit: Promise<number | null>;
}

/** Starts the fixture service with `args` as its command line and only PATH in its environment. */
export function startServiceProcess(args: string[], env: Record<string, string> = {}): ServiceProcess {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Kills what is still running of `processes` (a failed test must not leave services behind). */
export function killAll(processes: readonly ServiceProcess[]): void {
  for (const { child } of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** The web address the fixture prints once every component runs ("running http://..."). */
export function runningUrl(p: ServiceProcess, timeoutMs = 30_000): Promise<string> {
  return waitFor('the service to run', () => /running (http:\S+)/.exec(p.stdout())?.[1], timeoutMs);
}
