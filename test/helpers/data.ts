import { closeSync, openSync, readSync, writeSync, fstatSync } from 'node:fs';
import { alignedBuffer, O } from '../../bench/native/io.js';

export { pattern, sha } from './pattern.js';

/** Writes `data` with O_DIRECT in `chunk`-sized aligned writes (size must be a multiple of 4096). */
export function writeDirect(path: string, data: Buffer, chunk = 64 * 1024): void {
  const fd = openSync(path, O.WRONLY | O.CREAT | O.TRUNC | O.DIRECT, 0o644);
  try {
    const buf = alignedBuffer(chunk);
    for (let off = 0; off < data.length; off += chunk) {
      const n = Math.min(chunk, data.length - off);
      data.copy(buf, 0, off, off + n);
      const w = writeSync(fd, buf, 0, n, off);
      if (w !== n) throw new Error(`short O_DIRECT write ${w}/${n}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole file with O_DIRECT into a normal Buffer. */
export function readDirect(path: string, chunk = 64 * 1024): Buffer {
  const fd = openSync(path, O.RDONLY | O.DIRECT);
  try {
    const size = fstatSync(fd).size;
    const out = Buffer.alloc(size);
    const buf = alignedBuffer(chunk);
    for (let off = 0; off < size; ) {
      const n = readSync(fd, buf, 0, chunk, off);
      if (n <= 0) break;
      buf.copy(out, off, 0, n);
      off += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
