import { spawn } from 'node:child_process';
import path from 'node:path';
import { builtEntry, ChildRun, EXAMPLES_DIR } from './support/run';

// The examples that are not services (clicks, monitoring) stop on signals through src/cli.ts, the
// way @goka-ts/service does: a second signal cuts the stop short with exit 1 and a message, a wrong
// argument exits 2. Child processes on the built dist.

it('a second signal while stopping exits 1 at once, saying so', async () => {
  // A stop that never finishes: the process only exits through the second signal.
  const script = `require(${JSON.stringify(path.join(EXAMPLES_DIR, 'dist/cli.js'))}).signalOnTermination().addEventListener('abort', () => console.log('stopping')); setInterval(() => undefined, 1000); console.log('ready');`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const until = async (text: string) => {
    while (!stdout.includes(text)) await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await until('ready');
  child.kill('SIGINT');
  await until('stopping');
  expect(child.exitCode).toBeNull();
  child.kill('SIGTERM');
  expect(await exited).toBe(1);
  expect(stderr).toBe('error: second SIGTERM while stopping (stop cut short)\n');
});

it('clicks refuses an unknown argument with exit 2 instead of running the demo', async () => {
  const run = new ChildRun(builtEntry('clicks'), ['--serv'], { PATH: process.env.PATH });
  expect(await run.exited).toBe(2);
  expect(run.stderr).toBe("error: Unknown option '--serv' (the only flag is --serve)\n");
  expect(run.stdout).toBe('');
});
