// The kernel's rules for a direct-I/O write, written down once (docs/kernel-fuse.md §1–3, 7;
// fs/fuse/iomode.c, fs/fuse/file.c fuse_dio_wr_exclusive_lock / fuse_file_mmap / fuse_direct_IO,
// fs/fuse/passthrough.c): which verdict each combination should get on a kernel with these INIT
// terms. The sweep marks every observed cell `as predicted` or UNEXPECTED against this.
import { hasIomode } from '../probes/capabilities.js';
import type { ReadyInfo } from '../server/types.js';
import type { Combo, LatticeInit } from './space.js';
import type { Verdict } from './verdict.js';

/** What the mount negotiated, as the predictor needs it (from the ready line, never the kernel version). */
export interface KernelTerms {
  asyncDio: boolean;
  allowMmap: boolean;
  writeback: boolean;
  /** Passthrough negotiated and usable (a BACKING_OPEN worked). */
  passthrough: boolean;
  /** The iomode state machine (fs/fuse/iomode.c, 6.9): only with it does a caching open make direct writes exclusive. */
  iomode: boolean;
}

export function termsFromReady(r: ReadyInfo): KernelTerms {
  const n = r.init.negotiated;
  return {
    asyncDio: n.includes('ASYNC_DIO'),
    allowMmap: n.includes('DIRECT_IO_ALLOW_MMAP'),
    writeback: n.includes('WRITEBACK_CACHE'),
    passthrough: r.passthrough.usable,
    iomode: hasIomode(r),
  };
}

export interface Prediction {
  verdict: Verdict;
  /** The rule chain that decided it, in a few words. */
  why: string;
}

/** The INIT flag each swept option needs offered; `passthrough` only matters to cells whose open reply has PASSTHROUGH. */
const INIT_FLAG: Record<LatticeInit, string> = {
  passthrough: 'PASSTHROUGH',
  'async-dio': 'ASYNC_DIO',
  'allow-mmap': 'DIRECT_IO_ALLOW_MMAP',
  writeback: 'WRITEBACK_CACHE',
};

/**
 * Why the kernel cannot express this combination at all, from the INIT flags it offered; null when it
 * can. An INIT option it does not offer makes every cell of that INIT set unsupported; FOPEN_PASSTHROUGH
 * means nothing to a kernel that offers no PASSTHROUGH.
 */
export function unsupportedReason(c: Combo, offered: readonly string[]): string | null {
  const init = initSetUnsupported(c.init, offered);
  if (init) return init;
  if (c.fopen.includes('PASSTHROUGH') && !offered.includes('PASSTHROUGH')) {
    return 'the kernel did not offer PASSTHROUGH at INIT: FOPEN_PASSTHROUGH means nothing to it';
  }
  return null;
}

/** Why a whole INIT set cannot be expressed (an option the kernel did not offer), or null. */
export function initSetUnsupported(init: readonly LatticeInit[], offered: readonly string[]): string | null {
  for (const o of init) {
    if (o !== 'passthrough' && !offered.includes(INIT_FLAG[o])) return `the kernel did not offer ${INIT_FLAG[o]} at INIT`;
  }
  return null;
}

/** Flags a passthrough open may carry (fs/fuse/passthrough.c FOPEN_PASSTHROUGH_MASK). */
const PASSTHROUGH_ALLOWED = new Set(['PASSTHROUGH', 'DIRECT_IO', 'PARALLEL_DIRECT_WRITES', 'NOFLUSH']);

/** Why an open with this reply fails (always EIO to the caller, §2.1), or null. */
function openRefusal(c: Combo, k: KernelTerms, cachingOpenHeld: boolean): string | null {
  if (!c.fopen.includes('PASSTHROUGH')) return null;
  if (!k.passthrough) return 'FOPEN_PASSTHROUGH without passthrough enabled at INIT';
  const outside = c.fopen.filter((f) => !PASSTHROUGH_ALLOWED.has(f));
  if (outside.length) return `${outside.join('|')} is outside passthrough's allowed open flags`;
  if (cachingOpenHeld) return 'passthrough open while a caching open holds the inode';
  return null;
}

export function predict(c: Combo, k: KernelTerms): Prediction {
  const f = new Set<string>(c.fopen);
  const dio = f.has('DIRECT_IO');
  const passthrough = f.has('PASSTHROUGH');
  const userDirect = c.client !== 'buffered';
  const append = c.client === 'direct-append';
  const extending = c.write === 'extend' || append;

  // Opens, in the order the sweep makes them: the caching interferer, the mapping's fd, the writers.
  const cachingOpen = c.interferer === 'caching-open';
  const refusal = openRefusal(c, k, cachingOpen);
  if (refusal) return { verdict: 'refused:EIO', why: refusal };

  // Before iomode (6.9) nothing tied a caching open to the direct-write lock.
  let cachingMode = cachingOpen && k.iomode;
  let cachingWhy = cachingMode ? 'a caching open holds the inode in caching mode' : '';
  if (c.interferer === 'mmap-shared' && !passthrough && dio) {
    if (!k.allowMmap) return { verdict: 'refused:ENODEV', why: 'MAP_SHARED of a DIRECT_IO file without DIRECT_IO_ALLOW_MMAP' };
    cachingMode = true;
    cachingWhy = 'a MAP_SHARED mapping of a DIRECT_IO file puts the inode in caching mode until its file is closed';
  }
  // A shared mapping of a passthrough file maps the backing file: no iomode change. Of a cached
  // file: its open already was a caching open.

  if (passthrough && !dio) return { verdict: 'bypass', why: 'passthrough without DIRECT_IO: writes go to the backing file' };

  // Async submission (libaio with ASYNC_DIO) returns once the WRITE is queued and drops the inode
  // lock, whichever lock it took — unless the write extends the file (forced sync). A FOPEN_DIRECT_IO
  // file takes the async path for any non-sync kiocb (since 6.13, even without the user's O_DIRECT);
  // the page-cache path only for O_DIRECT.
  const asyncCapable = c.engine === 'libaio' && k.asyncDio && !extending;
  const asyncWhy = 'libaio + ASYNC_DIO, non-extending: the lock is dropped once the WRITE is queued';

  if (dio) {
    const reasons: string[] = [];
    if (!f.has('PARALLEL_DIRECT_WRITES')) reasons.push('no PARALLEL_DIRECT_WRITES');
    if (append) reasons.push('O_APPEND');
    if (cachingMode) reasons.push(cachingWhy);
    if (extending && !append) reasons.push('write extends i_size');
    if (asyncCapable) return { verdict: 'shared', why: reasons.length ? `${asyncWhy} (exclusive lock: ${reasons.join('; ')})` : `shared lock; ${asyncWhy}` };
    if (reasons.length) return { verdict: 'exclusive', why: `DIRECT_IO, exclusive: ${reasons.join('; ')}` };
    return { verdict: 'shared', why: 'DIRECT_IO|PARALLEL_DIRECT_WRITES, inside i_size, no caching user: shared lock' };
  }

  // No DIRECT_IO, no passthrough: the page-cache write path, always under the exclusive inode lock.
  if (!userDirect && k.writeback) return { verdict: 'deferred', why: 'buffered write with WRITEBACK_CACHE: dirty pages, written back at close' };
  if (asyncCapable && userDirect) return { verdict: 'shared', why: `cached open, O_DIRECT through fuse_direct_IO; ${asyncWhy}` };
  return {
    verdict: 'exclusive',
    why: userDirect ? 'no FOPEN_DIRECT_IO: O_DIRECT goes through the cache path under the exclusive lock' : 'buffered write-through under the exclusive lock',
  };
}
