// Typed loader for the native I/O addon (native/addon/*.c → build/Release/fusebench_io.node).
// The loops run in C so that nothing but the syscall sits between the two clock reads; an I/O
// error is data (counted by errno name), only a malformed spec throws (TypeError / RangeError).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Pattern = 'random' | 'sequential' | 'extend';

export interface LoopSpec {
  fd: number;
  op: 'pwrite' | 'pread';
  /** Bytes per op, > 0. */
  blockSize: number;
  /**
   * random: block-aligned random offsets inside [offset, offset+range); sequential: block after
   * block, wrapping inside the range; extend: starts at `offset`, each op takes the next block.
   */
  pattern: Pattern;
  offset: number;
  /** Bytes; must hold at least one block for random/sequential; ignored for extend. */
  range: number;
  /** Attempts (successful or not); 0 = unlimited, then deadlineNs is required. */
  maxOps: number;
  /** Absolute CLOCK_MONOTONIC ns (fractions are rounded up), 0 = none; checked between ops. */
  deadlineNs: number;
  seed: number;
  /** Also return each successful op's start time. */
  recordStarts?: boolean;
  /** Byte value written (default: a seed-derived pattern). */
  fill?: number;
  /**
   * extend only: id of a process-wide cursor (see resetCursor) shared by every thread; each op
   * atomically takes the cursor's value as its offset and advances it by blockSize. `offset` is
   * then ignored. Ids map onto 1024 slots (id % 1024).
   */
  cursor?: number;
}

export interface LoopResult {
  /** Ops that transferred the whole block. */
  ops: number;
  bytes: number;
  /** Per successful op, ns (exact integers). */
  latenciesNs: Float64Array;
  /** Per successful op, absolute CLOCK_MONOTONIC ns of its start (when recordStarts). */
  startsNs?: Float64Array;
  /** errno name → count; partial transfers are "SHORT", failed mmap touches "SIGBUS". */
  errors: Record<string, number>;
  startNs: number;
  endNs: number;
}

export interface MmapSpec {
  fd: number;
  op: 'read' | 'write';
  /** Multiple of the page size. */
  offset: number;
  length: number;
  /** random = a fresh random permutation of the pages every pass. */
  pattern: 'sequential' | 'random';
  maxOps: number;
  deadlineNs: number;
  seed: number;
  recordStarts?: boolean;
}

/** Linux native AIO: `depth` I/Os kept in flight; latency = submit → completion. */
export interface AioSpec extends LoopSpec {
  depth: number;
}

export interface MapOptions {
  shared: boolean;
  write: boolean;
  /** Multiple of the page size, default 0. */
  offset?: number;
}

export interface OpenFlags {
  RDONLY: number;
  WRONLY: number;
  RDWR: number;
  CREAT: number;
  TRUNC: number;
  APPEND: number;
  DIRECT: number;
  DSYNC: number;
  SYNC: number;
  EXCL: number;
  NOATIME: number;
}

/** Groups of writers, each group on its own file, run at once (write_batch.c). */
export interface WriteBatchSpec {
  /** Bytes per write (the buffers are page-aligned, so O_DIRECT works for multiples of 512). */
  blockSize: number;
  /** Writes per writer; a group's writers pass a barrier before each round. */
  rounds: number;
  groups: Array<{
    engine: 'psync' | 'libaio';
    /** 1..64 writers, each with one offset per round. */
    writers: Array<{ fd: number; offsets: number[] }>;
  }>;
}

export interface WriteBatchResult {
  /** Set when the writer threads could not all be created: then nothing was written. */
  setupError: string | null;
  /** Per group, per writer: whole-block writes, and the first failure's errno name (SHORT for a partial one). */
  groups: Array<{ writers: Array<{ ok: number; error: string | null }> }>;
}

interface NativeIo {
  ioLoop(spec: LoopSpec): LoopResult;
  ioLoopAsync(spec: LoopSpec): Promise<LoopResult>;
  aioLoop(spec: AioSpec): LoopResult;
  aioLoopAsync(spec: AioSpec): Promise<LoopResult>;
  mmapLoop(spec: MmapSpec): LoopResult;
  mmapLoopAsync(spec: MmapSpec): Promise<LoopResult>;
  openFile(path: string, flags: number, mode?: number): number;
  closeFile(fd: number): void;
  alignedBuffer(size: number, alignment?: number): Buffer;
  mapFile(fd: number, length: number, opts: MapOptions): number;
  touchMapping(handle: number, offset: number, write: boolean): void;
  unmapFile(handle: number): void;
  monotonicNs(): number;
  resetCursor(id: number, value: number): void;
  writeBatchAsync(spec: WriteBatchSpec): Promise<WriteBatchResult>;
  O: Readonly<OpenFlags>;
}

const ADDON = join('build', 'Release', 'fusebench_io.node');

/** The package root: the nearest ancestor holding fusebench's package.json (works from bench/ and dist/bench/). */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'fusebench') return dir;
      } catch {
        // An unreadable package.json is not ours; keep walking up.
      }
    }
    if (dirname(dir) === dir) throw new Error(`fusebench package root not found above ${from}`);
  }
}

function load(): NativeIo {
  // FUSEBENCH_IO_ADDON lets a sanitizer build be swapped in without touching build/Release.
  const path = process.env['FUSEBENCH_IO_ADDON'] ?? join(packageRoot(dirname(fileURLToPath(import.meta.url))), ADDON);
  if (!existsSync(path)) {
    throw new Error(`native I/O addon missing at ${path}: build it with \`npm run build\` (node-gyp)`);
  }
  return createRequire(import.meta.url)(path) as NativeIo;
}

const native = load();

/** A bad spec rejects the Promise (rather than throwing synchronously), like fs.promises. */
function promised<S>(run: (spec: S) => Promise<LoopResult>, spec: S): Promise<LoopResult> {
  try {
    return run(spec);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Timed pread/pwrite loop (fio psync), synchronous: for workers. */
export function ioLoop(spec: LoopSpec): LoopResult {
  return native.ioLoop(spec);
}
/**
 * Same loop on a libuv pool thread (one of UV_THREADPOOL_SIZE, default 4, shared with fs and dns
 * until the loop ends).
 */
export function ioLoopAsync(spec: LoopSpec): Promise<LoopResult> {
  return promised(native.ioLoopAsync, spec);
}

/**
 * Maps [offset, offset+length) MAP_SHARED and times one touch per page. After each full pass the
 * pages are dropped (MADV_DONTNEED, untimed) so the next pass faults again. A failed mmap gives
 * ops 0 and errors {ENODEV: 1} (or whichever errno); SIGBUS is counted, not fatal.
 * Read-ahead hint as fio: MADV_RANDOM for random, MADV_SEQUENTIAL for sequential.
 */
export function mmapLoop(spec: MmapSpec): LoopResult {
  return native.mmapLoop(spec);
}
export function mmapLoopAsync(spec: MmapSpec): Promise<LoopResult> {
  return promised(native.mmapLoopAsync, spec);
}

/** Linux native AIO (io_setup/io_submit/io_getevents, fio libaio); each op submitted on its own. */
export function aioLoop(spec: AioSpec): LoopResult {
  return native.aioLoop(spec);
}
export function aioLoopAsync(spec: AioSpec): Promise<LoopResult> {
  return promised(native.aioLoopAsync, spec);
}

/**
 * open(2) with O_CLOEXEC added. Throws an Error with .code (errno name), .errno (positive, as in C),
 * .syscall and .path. Mode defaults to 0o644.
 */
export function openFile(path: string, flags: number, mode?: number): number {
  return native.openFile(path, flags, mode);
}
export function closeFile(fd: number): void {
  native.closeFile(fd);
}

/** Zeroed memory from posix_memalign (default 4096-aligned) as a Buffer, freed when collected. */
export function alignedBuffer(size: number, alignment?: number): Buffer {
  return native.alignedBuffer(size, alignment);
}

/** mmap(2) kept until unmapFile; returns a handle. Throws Error(.code) on failure (ENODEV etc.). */
export function mapFile(fd: number, length: number, opts: MapOptions): number {
  return native.mapFile(fd, length, opts);
}
/**
 * Faults one page in: a load, or for `write` a store of the byte just read (content unchanged).
 * Throws Error with code 'SIGBUS' when the page cannot be served.
 */
export function touchMapping(handle: number, offset: number, write: boolean): void {
  native.touchMapping(handle, offset, write);
}
export function unmapFile(handle: number): void {
  native.unmapFile(handle);
}

/**
 * One thread per writer, all released together once every thread exists; within a group the
 * writers pass a barrier before every round. Runs on a libuv pool thread; resolves when all are done.
 */
export function writeBatchAsync(spec: WriteBatchSpec): Promise<WriteBatchResult> {
  try {
    return native.writeBatchAsync(spec);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** CLOCK_MONOTONIC in ns, the clock every start/end/deadline above uses. */
export function monotonicNs(): number {
  return native.monotonicNs();
}

/** Sets a shared extend cursor (LoopSpec.cursor) to the next offset to hand out. */
export function resetCursor(id: number, value: number): void {
  native.resetCursor(id, value);
}

export const O: Readonly<OpenFlags> = native.O;
