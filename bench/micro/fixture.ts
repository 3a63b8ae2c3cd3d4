// The files every micro-benchmark works on, created in the backing directory before any mount so
// every server (and the native floor) sees the same tree.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const DIR_ENTRIES = 1000;
export const FILE_SIZE = 64 * 1024;
export const READ_SIZE = 4096;

export interface MicroPaths {
  /** A 64 KiB file of non-zero data. */
  file: string;
  /** A directory holding DIR_ENTRIES empty files. */
  dir: string;
}

/** Relative paths, resolved against whichever root (backing dir or mountpoint) a target uses. */
const REL: MicroPaths = { file: join('micro', 'file.dat'), dir: join('micro', 'dir1000') };

export function at(root: string): MicroPaths {
  return { file: join(root, REL.file), dir: join(root, REL.dir) };
}

export function createFixture(backing: string): void {
  const p = at(backing);
  mkdirSync(p.dir, { recursive: true });
  const data = Buffer.alloc(FILE_SIZE);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  writeFileSync(p.file, data);
  for (let i = 0; i < DIR_ENTRIES; i++) {
    const fd = openSync(join(p.dir, `e${String(i).padStart(4, '0')}`), 'w');
    if (i === 0) writeSync(fd, 'x');
    closeSync(fd);
  }
}
