// Deterministic test data and its checksum (no native code needed).
import { createHash } from 'node:crypto';

export function pattern(seed: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[i] = s & 0xff;
  }
  return b;
}

export function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
