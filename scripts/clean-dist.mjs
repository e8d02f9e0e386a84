// Empties the package's dist before tsc writes it: tsc never removes the output of a source file
// that was deleted or moved, and such stale files would ship in the published tarball.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
