// Where bad bytes came from: every write verify makes has a pattern that depends on the op's index
// and the file offset (ops.ts patternByte), so bytes read back can often be traced to the op that
// wrote them — which tells a stale read (an older write) from corruption (no op's bytes at all).
import type { Mismatch } from './check.js';
import { describeOp, patternByte, type Op } from './ops.js';

/** The ranges `op` wrote with its own pattern in file `file`. */
function patternRanges(op: Op, file: number): Array<{ offset: number; length: number }> {
  if (op.kind === 'write' && op.file === file) return [{ offset: op.offset, length: op.length }];
  if (op.kind === 'concurrent' && op.file === file) return op.ranges;
  return [];
}

function covers(op: Op, file: number, offset: number): boolean {
  return patternRanges(op, file).some((r) => offset >= r.offset && offset < r.offset + r.length);
}

/** Whether `op` changed the bytes at `offset` of `file` by any means (write, copy, zeroing, truncate). */
function touches(op: Op, file: number, offset: number): boolean {
  switch (op.kind) {
    case 'write':
    case 'concurrent':
      return covers(op, file, offset);
    case 'copy':
      return op.to === file && offset >= op.offsetOut && offset < op.offsetOut + op.length;
    case 'falloc':
      return op.file === file && op.mode !== 'keep-size' && op.mode !== 'alloc' && offset >= op.offset && offset < op.offset + op.length;
    case 'truncate':
      return op.file === file && op.size <= offset;
    case 'read':
      return false;
  }
}

/**
 * `history[i]` is op #i, or null when it was skipped. A sentence about the bytes read at the mismatch: zeros, the bytes of which op (and whether a later
 * op changed that place since: a stale read), or bytes no write produced there.
 */
export function diagnose(history: readonly (Op | null)[], file: number, m: Mismatch): string {
  const got = m.got;
  if (got.length === 0) return 'the read returned no data at this offset';
  if (got.every((b) => b === 0)) return 'read zeros: a hole, a lost write or a truncation the model does not have';
  for (let i = history.length - 1; i >= 0; i--) {
    const op = history[i];
    if (!op || !covers(op, file, m.offset)) continue;
    let all = true;
    for (let k = 0; k < got.length && all; k++) all = got[k] === patternByte(i, m.offset + k);
    if (!all) continue;
    const later: number[] = [];
    for (let j = i + 1; j < history.length && later.length < 3; j++) {
      const o = history[j];
      if (o && touches(o, file, m.offset)) later.push(j);
    }
    return later.length > 0
      ? `the bytes read are those op #${i} (${describeOp(op)}) wrote; op #${later.join(', #')} changed this offset since: stale data`
      : `the bytes read are those op #${i} (${describeOp(op)}) wrote, and no later op touched this offset`;
  }
  return 'the bytes read are not what any write of this run put at this offset (moved by a copy, or corrupted)';
}
