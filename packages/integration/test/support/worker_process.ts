/**
 * Counter processors in child processes (`dist/workers/counter_worker.js`), for tests that kill
 * them: spawn, follow their reports, signal them, and make sure none outlives the test file.
 */
import { fork, type ChildProcess } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import type { ComponentState } from '@goka-ts/api';
import { waitFor } from '@goka-ts/test-support';
import { WORKER_CONFIG_ENV, type CrashPoint, type WorkerCommand, type CounterWorkerConfig, type WorkerReport } from '../../src/workers/protocol';

const PACKAGE_ROOT = path.resolve(__dirname, '../..');
const WORKER_JS = path.join(PACKAGE_ROOT, 'dist/workers/counter_worker.js');

/** Fails unless the worker's build exists and is newer than its sources (jest runs sources, workers run the build). */
function checkBuild(): void {
  if (!fs.existsSync(WORKER_JS)) {
    throw new Error(`${WORKER_JS} is missing: build the integration package first (\`pnpm build\` in packages/integration; \`pnpm test\` builds everything)`);
  }
  const built = fs.statSync(WORKER_JS).mtimeMs;
  const sources = path.join(PACKAGE_ROOT, 'src/workers');
  const stale = fs.readdirSync(sources).filter((f) => fs.statSync(path.join(sources, f)).mtimeMs > built);
  if (stale.length) throw new Error(`${WORKER_JS} is older than src/workers/${stale.join(', ')}: rebuild with \`pnpm build\` in packages/integration`);
}

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const live = new Set<CounterWorker>();
let workerCount = 0;

/** The count a worker wrote to its processed file (0 when it never processed anything); removes the file. */
function readProcessedFile(file: string): number {
  try {
    const bytes = fs.readFileSync(file);
    return bytes.length >= 8 ? bytes.readDoubleLE(0) : 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** One counter worker process and what it reported so far. */
export class CounterWorker {
  readonly child: ChildProcess;
  /** Resolves when the process is gone. */
  readonly exited: Promise<WorkerExit>;
  state: ComponentState = 'idle';
  /**
   * Messages its callback has seen: the last report while it runs; once it exited, what its
   * processed file says (a SIGKILL can cut off reports, never that file).
   */
  processed = 0;
  /** Partitions of the last completed rebalance. */
  assignment: readonly number[] = [];
  /** The final report, if the processor ended before the process did. */
  outcome: Extract<WorkerReport, { type: 'stopped' | 'failed' }> | undefined;
  exit: WorkerExit | undefined;
  private stderr = '';
  /** Set by {@link pauseAtNextCommit}: called when the worker reports the commit. */
  private onCommitSent: (() => void) | undefined;

  private readonly processedFile: string;

  constructor(readonly name: string, config: CounterWorkerConfig) {
    checkBuild();
    this.processedFile = path.join(os.tmpdir(), `goka-worker-${process.pid}-${++workerCount}-${name}.processed`);
    this.child = fork(WORKER_JS, [], {
      env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify({ ...config, processedFile: this.processedFile }) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    live.add(this);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
      // With GOKA_LOG_LEVEL set the worker logs; show its lines as they come, marked with its name.
      if (process.env.GOKA_LOG_LEVEL) process.stderr.write(chunk.replace(/^(?=.)/gm, `[${name}] `));
    });
    this.child.on('message', (message: WorkerReport) => this.onReport(message));
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.processed = Math.max(this.processed, readProcessedFile(this.processedFile));
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  private onReport(report: WorkerReport): void {
    switch (report.type) {
      case 'state':
        this.state = report.state;
        break;
      case 'assigned':
        this.assignment = report.partitions;
        break;
      case 'progress':
        this.processed = report.processed;
        break;
      case 'commit-sent':
        this.onCommitSent?.();
        this.onCommitSent = undefined;
        break;
      case 'stopped':
      case 'failed':
        this.processed = report.processed;
        this.outcome = report;
        break;
    }
  }

  /** What the worker said about itself, for failure messages. */
  describe(): string {
    const exit = this.exit ? `exited (code ${this.exit.code}, signal ${this.exit.signal})` : 'alive';
    const outcome = this.outcome?.type === 'failed' ? `; failed: ${this.outcome.error}` : '';
    const stderr = this.stderr ? `; stderr: ${this.stderr.slice(-2000)}` : '';
    return `worker ${this.name} (${exit}, state ${this.state}, processed ${this.processed}, partitions [${this.assignment.join(',')}])${outcome}${stderr}`;
  }

  /** Polls `check`; fails at once, with the worker's story, when it exits first. */
  until(what: string, check: (worker: this) => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    return waitFor(
      `${what} (${this.describe()})`,
      async () => {
        if (await check(this)) return true;
        alive(this);
        return false;
      },
      timeoutMs,
      50,
    ).then(() => undefined);
  }

  /** Sends SIGTERM and waits for a graceful stop: the processor stopped and the process exited with 0. */
  async terminate(timeoutMs = 30_000): Promise<void> {
    // A worker still loading its modules has no SIGTERM handler yet and would die of the signal (a
    // loaded CI machine saw it): its first state report comes after the handlers are installed.
    await this.until('the worker reported its state before SIGTERM', (w) => w.state !== 'idle', timeoutMs);
    this.child.kill('SIGTERM');
    const exit = await Promise.race([this.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref())]);
    if (!exit) throw new Error(`${this.describe()} did not exit within ${timeoutMs} ms of SIGTERM`);
    if (exit.code !== 0 || this.outcome?.type !== 'stopped') throw new Error(`${this.describe()} did not stop gracefully on SIGTERM`);
  }

  /**
   * SIGSTOPs the worker right after it issued its next commit, so that the coordinator's answer
   * (an acceptance: the member is still alive when it arrives) waits in the socket until SIGCONT,
   * when the member's session has long expired. Resolves once it is stopped.
   */
  pauseAtNextCommit(timeoutMs = 30_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.describe()} issued no commit within ${timeoutMs} ms`)), timeoutMs);
      this.onCommitSent = () => {
        clearTimeout(timer);
        this.child.kill('SIGSTOP');
        resolve();
      };
      const command: WorkerCommand = { type: 'announce-commit' };
      this.child.send(command);
    });
  }

  /**
   * Makes the worker SIGKILL itself at `point` of its next transaction (exactly-once workers), and
   * waits until it is gone.
   */
  async crashAt(point: CrashPoint, timeoutMs = 30_000): Promise<void> {
    const command: WorkerCommand = { type: 'crash-at', point };
    this.child.send(command);
    const exit = await Promise.race([this.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref())]);
    if (!exit) throw new Error(`${this.describe()} did not reach transaction point "${point}" within ${timeoutMs} ms`);
  }

  /** SIGKILL: the process dies at once, mid-work, leaving its group membership to expire. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** SIGKILLs every worker still running (afterAll / afterEach), so jest can exit. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...live].map((w) => w.kill()));
}

/**
 * Throws a fatal error (ending a harness `waitFor` at once) when one of the workers exited, with
 * its story; returns true otherwise, so it can lead a `waitFor` condition.
 */
export function alive(...workers: CounterWorker[]): true {
  for (const worker of workers) {
    if (worker.exit) throw Object.assign(new Error(`${worker.describe()} exited while the test expected it running`), { fatal: true });
  }
  return true;
}
