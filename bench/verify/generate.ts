// The seeded operation stream: the same seed and the same file sizes give the same operations, so a
// failing run is replayed exactly with `--seed S --ops N` in the same mode.
import { prng } from '../analysis/stats.js';
import type { FileModel } from './model.js';
import type { FallocMode, Op, Path } from './ops.js';

export interface GeneratorConfig {
  files: number;
  /** No operation reaches past this offset. */
  maxSize: number;
  /** Longest single read, write or copy. */
  maxLength: number;
  /** O_DIRECT offsets and lengths are multiples of this. */
  block: number;
}

export const DEFAULT_CONFIG: GeneratorConfig = { files: 2, maxSize: 256 * 1024, maxLength: 64 * 1024, block: 4096 };

type Draw = 'read' | 'write' | 'truncate' | 'falloc' | 'copy' | 'concurrent';

/** Relative frequencies: reads and writes dominate, every path and special op shows up often. */
const WEIGHTS: Array<[Draw, Path | FallocMode | null, number]> = [
  ['read', 'buffered', 4],
  ['read', 'direct', 2],
  ['read', 'mapped', 2],
  ['write', 'buffered', 4],
  ['write', 'direct', 2],
  ['write', 'mapped', 2],
  ['truncate', null, 1],
  ['falloc', 'alloc', 0.5],
  ['falloc', 'keep-size', 0.5],
  ['falloc', 'punch-hole', 0.5],
  ['falloc', 'zero-range', 0.5],
  ['copy', null, 2],
  ['concurrent', 'buffered', 1],
  ['concurrent', 'direct', 1],
];
const TOTAL = WEIGHTS.reduce((a, w) => a + w[2], 0);

export class OpGenerator {
  private readonly rnd: () => number;

  constructor(
    seed: number,
    private readonly cfg: GeneratorConfig = DEFAULT_CONFIG,
  ) {
    this.rnd = prng(seed);
  }

  /** An integer in [0, n). */
  private int(n: number): number {
    return Math.floor(this.rnd() * Math.max(0, n));
  }

  /** A length in [1, max], or a whole number of blocks in [block, max] when aligned. */
  private length(max: number, aligned: boolean): number {
    const b = this.cfg.block;
    if (aligned) return b * (1 + this.int(Math.max(1, Math.floor(max / b))));
    return 1 + this.int(Math.max(1, max));
  }

  /** Somewhere to read: mostly inside the file, sometimes anywhere (reads across or past the end). */
  private readOffset(size: number, aligned: boolean): number {
    const limit = size > 0 && this.rnd() < 0.9 ? size : this.cfg.maxSize;
    const off = this.int(limit);
    return aligned ? off - (off % this.cfg.block) : off;
  }

  next(files: readonly FileModel[]): Op {
    let pick = this.rnd() * TOTAL;
    let chosen = WEIGHTS[WEIGHTS.length - 1]!;
    for (const w of WEIGHTS) {
      if (pick < w[2]) {
        chosen = w;
        break;
      }
      pick -= w[2];
    }
    const [draw, variant] = chosen;
    const file = this.int(this.cfg.files);
    const size = files[file]!.size;
    const { maxSize, maxLength, block } = this.cfg;
    switch (draw) {
      case 'read': {
        // A mapping only covers the file: with nothing to map, read the ordinary way.
        const path = variant === 'mapped' && size === 0 ? 'buffered' : (variant as Path);
        const direct = path === 'direct';
        const offset = path === 'mapped' ? this.int(size) : this.readOffset(size, direct);
        const max = path === 'mapped' ? Math.min(maxLength, size - offset) : maxLength;
        return { kind: 'read', path, file, offset, length: this.length(max, direct) };
      }
      case 'write': {
        if (variant === 'mapped') {
          // A store through a mapping cannot grow the file; an empty file is grown first.
          if (size === 0) return { kind: 'truncate', file, size: 1 + this.int(maxSize) };
          const offset = this.int(size);
          return { kind: 'write', path: 'mapped', file, offset, length: this.length(Math.min(maxLength, size - offset), false) };
        }
        const direct = variant === 'direct';
        const length = this.length(Math.min(maxLength, maxSize), direct);
        let offset = this.int(maxSize - length + 1);
        if (direct) offset -= offset % block;
        return { kind: 'write', path: variant as Path, file, offset, length };
      }
      case 'truncate': {
        const down = this.rnd() < 0.5;
        return { kind: 'truncate', file, size: down ? this.int(size + 1) : this.int(maxSize + 1) };
      }
      case 'falloc': {
        const length = this.length(Math.min(maxLength, maxSize), false);
        return { kind: 'falloc', mode: variant as FallocMode, file, offset: this.int(maxSize - length + 1), length };
      }
      case 'copy':
        return this.copy(files);
      case 'concurrent':
        return this.concurrent(file, variant === 'direct');
    }
  }

  private copy(files: readonly FileModel[]): Op {
    const { maxSize, maxLength, files: n } = this.cfg;
    const from = this.int(n);
    let to = this.int(n);
    const srcSize = files[from]!.size;
    const length = this.length(Math.min(maxLength, maxSize), false);
    const offsetIn = this.int(Math.max(1, srcSize));
    let offsetOut = this.int(maxSize - length + 1);
    if (from === to && offsetOut < offsetIn + length && offsetIn < offsetOut + length) {
      // The kernel refuses overlapping ranges of one file (EINVAL): place the target after the
      // source when it fits, else before it, else copy to the other file.
      if (offsetIn + length + length <= maxSize) offsetOut = offsetIn + length;
      else if (offsetIn >= length) offsetOut = offsetIn - length;
      else to = (from + 1) % n;
    }
    return { kind: 'copy', from, to, offsetIn, offsetOut, length };
  }

  private concurrent(file: number, direct: boolean): Op {
    const { maxSize, maxLength, block } = this.cfg;
    const writers = 2 + this.int(3);
    const slot = Math.floor(maxSize / writers / block) * block;
    const ranges: Array<{ offset: number; length: number }> = [];
    for (let i = 0; i < writers; i++) {
      const length = this.length(Math.min(maxLength, slot), direct);
      let offset = i * slot + this.int(slot - length + 1);
      if (direct) offset -= offset % block;
      ranges.push({ offset, length });
    }
    return { kind: 'concurrent', path: direct ? 'direct' : 'buffered', file, ranges };
  }
}
