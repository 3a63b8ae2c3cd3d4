// What a completed operation does to the model, and whether its own return value was right (a short
// write, or a copy that moved a different number of bytes than the source holds, fails the run).
import type { Performed } from './execute.js';
import type { FileModel } from './model.js';
import { patternBuffer, type Op } from './ops.js';

/** Updates `models` for `op`; returns what was wrong with the op's return value, or null. */
export function applyOp(op: Op, index: number, done: Performed, models: readonly FileModel[]): string | null {
  switch (op.kind) {
    case 'read':
      return null;
    case 'write':
    case 'concurrent': {
      const ranges = op.kind === 'write' ? [{ offset: op.offset, length: op.length }] : op.ranges;
      const written = done.written ?? [];
      for (let i = 0; i < ranges.length; i++) {
        const r = ranges[i]!;
        models[op.file]!.write(r.offset, patternBuffer(index, r.offset, Buffer.alloc(r.length)));
      }
      const short = ranges.findIndex((r, i) => written[i] !== r.length);
      if (short >= 0) return `short write: ${String(written[short])} of ${ranges[short]!.length} bytes at offset ${ranges[short]!.offset}`;
      return null;
    }
    case 'truncate':
      models[op.file]!.truncate(op.size);
      return null;
    case 'falloc': {
      const m = models[op.file]!;
      if (op.mode === 'alloc') m.grow(op.offset + op.length);
      else if (op.mode === 'punch-hole') m.zero(op.offset, op.length, true);
      else if (op.mode === 'zero-range') m.zero(op.offset, op.length, false);
      return null;
    }
    case 'copy': {
      const src = models[op.from]!;
      const want = src.readable(op.offsetIn, op.length);
      const copied = done.copied ?? 0;
      // The source's bytes are taken before the target changes (they may be the same file).
      const data = src.read(op.offsetIn, Math.min(copied, want));
      if (data.length > 0) models[op.to]!.write(op.offsetOut, data);
      if (copied !== want) return `copy_file_range copied ${copied} bytes; the source holds ${want} there`;
      return null;
    }
  }
}
