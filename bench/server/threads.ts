// The C server's worker threads: how many it may start for a load, and whether it was the limit.
import type { ServerThreads } from '../results/schema.js';
import type { ServerOptions, ServerStats } from './types.js';

/**
 * max_background in the server's INIT reply (native/server/README.md): the kernel never has more
 * background requests (readahead, async direct I/O, writeback) at the server than this at once.
 */
const SERVER_MAX_BACKGROUND = 64;
/** Requests beyond the jobs' own: the runner's file operations on the mount (libuv's 4 threads), FORGETs. */
const SPARE_THREADS = 8;
/** The server's --threads range and default (native/server/args.c). */
export const SERVER_THREADS_MAX = 1024;
export const SERVER_THREADS_DEFAULT = 256;

/**
 * A ceiling the load cannot reach: every caller blocked in a synchronous request holds one thread,
 * and background requests hold at most max_background more. The pool grows on demand, so threads
 * the load never needs are never started.
 */
export function serverThreadsFor(callers: number): number {
  return Math.min(SERVER_THREADS_MAX, callers + SERVER_MAX_BACKGROUND + SPARE_THREADS);
}

/**
 * The server's pool for a load of `callers` jobs: a ceiling the load cannot reach (serverThreadsFor),
 * and one thread per job plus a spare reader started with the mount. Started on demand instead, the
 * pool would grow one thread at a time in the first milliseconds of the window (~0.45 ms a thread
 * here, 30 ms to 64 threads), while requests wait for them.
 */
export function serverPoolFor(callers: number, cap?: number): Pick<ServerOptions, 'threads' | 'threadsInitial'> {
  const threads = cap ?? serverThreadsFor(callers);
  return { threads, threadsInitial: Math.min(threads, callers + 1) };
}

/** The most callers serverThreadsFor can cover within the server's --threads range. */
export const MAX_CALLERS = SERVER_THREADS_MAX - SERVER_MAX_BACKGROUND - SPARE_THREADS;

/** The thread figures of a stats reply; null for a server that does not report them (fuse-native). */
export function serverThreadsOf(s: ServerStats | null): ServerThreads | null {
  if (!s || typeof s.threads !== 'number' || typeof s.threadsBusyMax !== 'number' || typeof s.threadsAllBusy !== 'number') return null;
  return { limit: s.threads, started: s.threadsStarted ?? 0, busyMax: s.threadsBusyMax, allBusy: s.threadsAllBusy };
}

/** Every thread was busy at some moment: a further request would have waited in the kernel for one. */
export function isServerBound(t: ServerThreads | null | undefined): boolean {
  return !!t && t.allBusy > 0;
}

/** The warning, with the figure: `server-bound: 4 of 4 threads busy (37 requests found none free)`. */
export function serverBoundNote(t: ServerThreads): string {
  const pool = Math.min(t.limit, t.started || t.limit);
  return `server-bound: ${t.busyMax} of ${pool} threads busy (${t.allBusy} request${t.allBusy === 1 ? '' : 's'} found none free)`;
}
