// Comparing what a read returned with what the model says the file holds.

export interface Mismatch {
  /** File offset of the first byte that differs (or where the data ended early). */
  offset: number;
  /** Bytes that differ within the compared range. */
  badBytes: number;
  /** Up to `WINDOW` bytes from `offset` on: what should be there, and what was read. */
  expected: Buffer;
  got: Buffer;
  /** Set when the read returned a different number of bytes than the file holds there. */
  lengthExpected?: number;
  lengthGot?: number;
}

const WINDOW = 16;

/**
 * Null when `got` equals `expected`; else where they first differ. `offset` is the file offset of
 * byte 0 of both buffers. A short or long read counts as a mismatch at the first missing byte.
 */
export function compare(expected: Buffer, got: Buffer, offset: number): Mismatch | null {
  const n = Math.min(expected.length, got.length);
  let first = -1;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    if (expected[i] !== got[i]) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (first < 0 && expected.length === got.length) return null;
  if (first < 0) first = n;
  const lengths = expected.length !== got.length ? { lengthExpected: expected.length, lengthGot: got.length } : {};
  return {
    offset: offset + first,
    badBytes: bad + Math.abs(expected.length - got.length),
    expected: Buffer.from(expected.subarray(first, first + WINDOW)),
    got: Buffer.from(got.subarray(first, first + WINDOW)),
    ...lengths,
  };
}
