// The operations `fusebench verify` performs, as plain data: the generator makes them, the executor
// runs them, the model applies them, the log prints them. Offsets and lengths are bytes.

/** Which way a read or write reaches the file. */
export type Path = 'buffered' | 'direct' | 'mapped';

/** fallocate(2) flavours: plain (may extend), KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE (may extend). */
export type FallocMode = 'alloc' | 'keep-size' | 'punch-hole' | 'zero-range';

export interface ReadOp {
  kind: 'read';
  path: Path;
  file: number;
  offset: number;
  length: number;
}

export interface WriteOp {
  kind: 'write';
  path: Path;
  file: number;
  offset: number;
  length: number;
}

export interface TruncateOp {
  kind: 'truncate';
  file: number;
  size: number;
}

export interface FallocOp {
  kind: 'falloc';
  mode: FallocMode;
  file: number;
  offset: number;
  length: number;
}

export interface CopyOp {
  kind: 'copy';
  from: number;
  to: number;
  offsetIn: number;
  offsetOut: number;
  length: number;
}

/** Several writers at once on disjoint ranges of one file, one thread each. */
export interface ConcurrentOp {
  kind: 'concurrent';
  path: 'buffered' | 'direct';
  file: number;
  ranges: Array<{ offset: number; length: number }>;
}

export type Op = ReadOp | WriteOp | TruncateOp | FallocOp | CopyOp | ConcurrentOp;

/**
 * The unit the capability rules work on: an op kind with its path or mode, e.g. `read/mapped`,
 * `falloc/punch-hole`, `copy`. Skips are counted per class.
 */
export type OpClass = string;

export function opClass(op: Op): OpClass {
  switch (op.kind) {
    case 'read':
    case 'write':
    case 'concurrent':
      return `${op.kind}/${op.path}`;
    case 'falloc':
      return `falloc/${op.mode}`;
    case 'truncate':
    case 'copy':
      return op.kind;
  }
}

/**
 * The byte an op writes at file offset `pos`: never 0 (so a hole or lost write shows as zeros) and
 * different for neighbouring ops and offsets, so a stale byte can be traced to the op that wrote it.
 * 251 is prime: the pattern does not repeat at any power-of-two stride.
 */
export function patternByte(opIndex: number, pos: number): number {
  return ((pos + opIndex * 7) % 251) + 1;
}

export function patternBuffer(opIndex: number, offset: number, into: Buffer): Buffer {
  for (let i = 0; i < into.length; i++) into[i] = patternByte(opIndex, offset + i);
  return into;
}

export function hex(n: number): string {
  return '0x' + n.toString(16);
}

function range(offset: number, length: number): string {
  return `[${hex(offset)}, ${hex(offset + length)}) ${length} B`;
}

/** One line, fsx-like but ours: what ran, where, how much. */
export function describeOp(op: Op): string {
  switch (op.kind) {
    case 'read':
    case 'write':
      return `${op.kind} ${op.path} f${op.file} ${range(op.offset, op.length)}`;
    case 'truncate':
      return `truncate f${op.file} to ${hex(op.size)} (${op.size} B)`;
    case 'falloc':
      return `fallocate ${op.mode} f${op.file} ${range(op.offset, op.length)}`;
    case 'copy':
      return `copy_file_range f${op.from} ${range(op.offsetIn, op.length)} -> f${op.to} at ${hex(op.offsetOut)}`;
    case 'concurrent':
      return `${op.ranges.length} concurrent ${op.path} writers f${op.file} ${op.ranges.map((r) => range(r.offset, r.length)).join(', ')}`;
  }
}
