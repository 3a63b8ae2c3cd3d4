// Test files live in the backing directory and are prepared before the server starts, so the
// kernel's first LOOKUP already sees the final size (parallel DIO needs a pre-sized file).
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DATA_FILE_SIZE = 64 * 1024 * 1024;

/** A pre-sized file full of non-zero data (written, not sparse), reused across cells. */
export function ensureDataFile(backing: string, name: string, size = DATA_FILE_SIZE): string {
  const path = join(backing, name);
  if (existsSync(path) && statSync(path).size === size) return path;
  mkdirSync(backing, { recursive: true });
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131 + 7) & 0xff;
    for (let off = 0; off < size; off += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, size - off), off);
    // Written back now rather than by the flusher ~30 s later, in the middle of whatever is measured then.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** An empty file (extending writes start from size 0). */
export function emptyFile(backing: string, name: string): string {
  const path = join(backing, name);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
  return path;
}
