#!/usr/bin/env node
import { main } from './main';

// A reader that stops early (`| head`) closes the pipe: stop quietly, as other command line tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const controller = new AbortController();
// The first signal stops the command gracefully (views stop, admins close); a second one kills.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    controller.abort();
    process.once(sig, () => process.exit(130));
  });
}

void main(process.argv.slice(2), { signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`goka-ts: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
