// Where built artefacts live, independent of the working directory.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The directory holding package.json (compiled files live in dist/, sources beside it). */
export function packageRoot(): string {
  if (root === null) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json'))) {
      const up = dirname(dir);
      if (up === dir) throw new Error('fusebench: cannot find package.json above ' + fileURLToPath(import.meta.url));
      dir = up;
    }
    root = dir;
  }
  return root;
}

export function serverBinary(asan = false): string {
  const override = process.env['FUSEBENCH_SERVER_BIN'];
  if (override) return resolve(override);
  return join(packageRoot(), 'build', asan ? 'asan' : 'Release', 'fusebench-server');
}

/** The harness's pwrite loop as a plain C program (native/loop), the control of `perf fidelity`. */
export function loopBinary(): string {
  return join(packageRoot(), 'build', 'Release', 'fusebench-loop');
}

export function holdLoopBinary(): string {
  return join(packageRoot(), 'build', 'Release', 'fusebench-holdloop');
}
