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

/** io_uring: `depth` I/Os kept in flight; latency = the io_uring_enter that submitted it → its reap. */
export interface UringSpec extends AioSpec {
  /** Register the buffers (READ_FIXED/WRITE_FIXED). */
  fixedBuffers?: boolean;
  /** Register the file (IOSQE_FIXED_FILE). */
  registeredFile?: boolean;
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

/** FALLOC_FL_* mode bits of fallocate(2). */
export interface FallocFlags {
  KEEP_SIZE: number;
  PUNCH_HOLE: number;
  ZERO_RANGE: number;
}

/** One writer of concurrentPwrite: its own range of `fd`. */
export interface ConcurrentWrite {
  fd: number;
  offset: number;
  data: Buffer;
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
  uringLoop(spec: UringSpec): LoopResult;
  uringLoopAsync(spec: UringSpec): Promise<LoopResult>;
  openFile(path: string, flags: number, mode?: number): number;
  closeFile(fd: number): void;
  alignedBuffer(size: number, alignment?: number): Buffer;
  mapFile(fd: number, length: number, opts: MapOptions): number;
  touchMapping(handle: number, offset: number, write: boolean): void;
  unmapFile(handle: number): void;
  monotonicNs(): number;
  resetCursor(id: number, value: number): void;
  copyFileRange(fdIn: number, offIn: number, fdOut: number, offOut: number, length: number): number;
  fallocate(fd: number, mode: number, offset: number, length: number): void;
  mapRead(fd: number, offset: number, into: Buffer): void;
  mapWrite(fd: number, offset: number, data: Buffer): void;
  concurrentPwrite(writes: ConcurrentWrite[]): number[];
  sendFile(outFd: number, inFd: number, offset: number, len: number): number;
  writeBatchAsync(spec: WriteBatchSpec): Promise<WriteBatchResult>;
  O: Readonly<OpenFlags>;
  FALLOC: Readonly<FallocFlags>;
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
/** io_uring through raw syscalls (no liburing): batches submitted per io_uring_enter, depth kept full. */
export function uringLoop(spec: UringSpec): LoopResult {
  return native.uringLoop(spec);
}
export function uringLoopAsync(spec: UringSpec): Promise<LoopResult> {
  return promised(native.uringLoopAsync, spec);
}

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

/**
 * One copy_file_range(2) call with explicit offsets (flags 0): the bytes copied, which may be fewer
 * than asked (0 at the source's end). Throws Error(.code) on failure.
 */
export function copyFileRange(fdIn: number, offIn: number, fdOut: number, offOut: number, length: number): number {
  return native.copyFileRange(fdIn, offIn, fdOut, offOut, length);
}

/** fallocate(2) with FALLOC bits in `mode`. Throws Error(.code), e.g. EOPNOTSUPP. */
export function fallocate(fd: number, mode: number, offset: number, length: number): void {
  native.fallocate(fd, mode, offset, length);
}

/**
 * Reads `into.length` bytes at `offset` through a fresh MAP_SHARED mapping of `fd` (unmapped again).
 * Throws Error(.code): the mmap errno (ENODEV…), or 'SIGBUS' when a page cannot be served.
 */
export function mapRead(fd: number, offset: number, into: Buffer): void {
  native.mapRead(fd, offset, into);
}
/** Writes `data` at `offset` through a fresh MAP_SHARED mapping, msync(MS_SYNC), munmap. */
export function mapWrite(fd: number, offset: number, data: Buffer): void {
  native.mapWrite(fd, offset, data);
}

/**
 * 1–16 pwrite(2)s started together, one thread each (pwrite repeated until the whole buffer is
 * written); returns the bytes each wrote. Throws Error(.code) after all finished when any failed.
 */
export function concurrentPwrite(writes: ConcurrentWrite[]): number[] {
  return native.concurrentPwrite(writes);
}

/** sendfile(2) from `inFd` at `offset`, one call: the kernel's splice read path of the source file. */
export function sendFile(outFd: number, inFd: number, offset: number, len: number): number {
  return native.sendFile(outFd, inFd, offset, len);
}

export const O: Readonly<OpenFlags> = native.O;
export const FALLOC: Readonly<FallocFlags> = native.FALLOC;
