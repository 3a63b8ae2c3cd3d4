// The files verify works on, each open twice for the whole run: a buffered descriptor (reads,
// writes, mappings, truncate, fallocate, copies) and an O_DIRECT one (direct reads and writes).
import { join } from 'node:path';
import { closeFile, O, openFile } from '../native/io.js';

export interface TestFile {
  name: string;
  path: string;
  fd: number;
  /** null when the O_DIRECT open was refused (the direct classes are then skipped). */
  directFd: number | null;
}

function fileName(i: number): string {
  return `f${i}`;
}

/** Creates `count` empty files under `dir` and opens them buffered; O_DIRECT comes separately. */
export function createFiles(dir: string, count: number): TestFile[] {
  const out: TestFile[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const path = join(dir, fileName(i));
      out.push({ name: fileName(i), path, fd: openFile(path, O.RDWR | O.CREAT | O.TRUNC, 0o644), directFd: null });
    }
  } catch (e) {
    closeFiles(out);
    throw e;
  }
  return out;
}

/** Opens the O_DIRECT descriptors; throws the open's error (code EINVAL when O_DIRECT is refused). */
export function openDirect(files: TestFile[]): void {
  for (const f of files) f.directFd = openFile(f.path, O.RDWR | O.DIRECT);
}

/** Closes every descriptor; errors at close are ignored (the run's outcome is already decided). */
export function closeFiles(files: TestFile[]): void {
  for (const f of files) {
    for (const fd of [f.fd, f.directFd]) {
      if (fd === null || fd < 0) continue;
      try {
        closeFile(fd);
      } catch {
        /* a dead connection; the mount is torn down next */
      }
    }
    f.fd = -1;
    f.directFd = null;
  }
}
