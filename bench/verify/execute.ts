// Runs one operation on the mounted files. System errors propagate as thrown Errors with `.code`
// (the session decides whether the mode predicts them); what a read returned is handed back for the
// checker, and what a copy copied for the model.
import { ftruncateSync, readSync, writeSync } from 'node:fs';
import { alignedBuffer, concurrentPwrite, copyFileRange, fallocate, FALLOC, mapRead, mapWrite } from '../native/io.js';
import type { TestFile } from './files.js';
import { patternBuffer, type FallocMode, type Op, type Path } from './ops.js';

export interface Performed {
  /** The bytes a read returned (as many as the call returned). */
  read?: Buffer;
  /** Bytes a copy_file_range copied in total. */
  copied?: number;
  /** Bytes a write reported written (each writer's, for concurrent writers). */
  written?: number[];
}

function fallocFlags(mode: FallocMode): number {
  switch (mode) {
    case 'alloc':
      return 0;
    case 'keep-size':
      return FALLOC.KEEP_SIZE;
    case 'punch-hole':
      return FALLOC.PUNCH_HOLE | FALLOC.KEEP_SIZE;
    case 'zero-range':
      return FALLOC.ZERO_RANGE;
  }
}

function fdFor(f: TestFile, path: Path): number {
  if (path !== 'direct') return f.fd;
  if (f.directFd === null) throw new Error(`no O_DIRECT descriptor for ${f.name}`);
  return f.directFd;
}

/** O_DIRECT needs memory aligned for the backing device; the others take any Buffer. */
function buffer(path: Path, length: number): Buffer {
  return path === 'direct' ? alignedBuffer(length) : Buffer.alloc(length);
}

/**
 * `sourceBytes`: for a copy, how many bytes the source holds in its range. A short copy_file_range
 * is continued only up to there: past it, a copy within one file would read back what its own
 * first part just appended.
 */
export function perform(op: Op, index: number, files: readonly TestFile[], sourceBytes = Infinity): Performed {
  switch (op.kind) {
    case 'read': {
      const f = files[op.file]!;
      const buf = buffer(op.path, op.length);
      if (op.path === 'mapped') {
        mapRead(f.fd, op.offset, buf);
        return { read: buf };
      }
      const n = readSync(fdFor(f, op.path), buf, 0, op.length, op.offset);
      return { read: buf.subarray(0, n) };
    }
    case 'write': {
      const f = files[op.file]!;
      const data = patternBuffer(index, op.offset, buffer(op.path, op.length));
      if (op.path === 'mapped') {
        mapWrite(f.fd, op.offset, data);
        return { written: [op.length] };
      }
      return { written: [writeSync(fdFor(f, op.path), data, 0, op.length, op.offset)] };
    }
    case 'truncate':
      ftruncateSync(files[op.file]!.fd, op.size);
      return {};
    case 'falloc':
      fallocate(files[op.file]!.fd, fallocFlags(op.mode), op.offset, op.length);
      return {};
    case 'copy': {
      // copy_file_range may copy less than asked: continue until done or the source ends (0).
      const src = files[op.from]!.fd;
      const dst = files[op.to]!.fd;
      const want = Math.min(op.length, sourceBytes);
      let copied = 0;
      for (let first = true; first || copied < want; first = false) {
        const n = copyFileRange(src, op.offsetIn + copied, dst, op.offsetOut + copied, first ? op.length : want - copied);
        if (n === 0) break;
        copied += n;
      }
      return { copied };
    }
    case 'concurrent': {
      const f = files[op.file]!;
      const fd = fdFor(f, op.path);
      const writes = op.ranges.map((r) => ({ fd, offset: r.offset, data: patternBuffer(index, r.offset, buffer(op.path, r.length)) }));
      return { written: concurrentPwrite(writes) };
    }
  }
}
