// N writers on one inode for one short window, and what the server saw: the maximum number of WRITEs
// in flight on that inode. With every WRITE held by an injected delay, the shared (parallel) lock path
// shows > 1 and the exclusive one exactly 1 — a count, not a timing.
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { O, resetCursor } from '../native/io.js';
import { runWindow, type JobOutcome, type JobSpec, type WindowHooks } from '../runner/jobs.js';
import type { Engine } from '../../workers/task.js';
import type { ProbeContext, ProbeMount } from './types.js';

export const WRITERS = 8;
export const BLOCK = 4096;
export const FILE_SIZE = 16 << 20;
/** Held per WRITE: long next to any syscall overhead, even under emulation, so overlap is certain. */
export const WRITE_DELAY_MS = 50;
const WINDOW_MS = 400;

/** Creates `name` in the backing dir with its final size (0 for files that extending writes grow). */
export function presize(backing: string, name: string, size: number): void {
  const fd = openSync(join(backing, name), 'w');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

export interface WritersSpec {
  path: string;
  writers?: number;
  /** Adds O_DIRECT (default true) and O_APPEND. */
  direct?: boolean;
  append?: boolean;
  pattern?: 'random' | 'extend';
  engine?: Engine;
  depth?: number;
  durationMs?: number;
  recordStarts?: boolean;
  hooks?: WindowHooks;
}

export interface WritesSeen {
  /** Max WRITEs in flight on one inode, as the server counted them. */
  maxInFlight: number;
  /** WRITE requests the server received in the window. */
  count: number;
  /** Client-side writes completed, and failures by errno (open failures included). */
  ops: number;
  errors: Record<string, number>;
  outcomes: JobOutcome[];
  startNs: number;
  deadlineNs: number;
}

let nextCursor = 9000;

function writerJobs(s: WritersSpec): JobSpec[] {
  const pattern = s.pattern ?? 'random';
  const cursor = pattern === 'extend' ? nextCursor++ : undefined;
  if (cursor !== undefined) resetCursor(cursor, 0);
  const flags = O.RDWR | (s.direct === false ? 0 : O.DIRECT) | (s.append ? O.APPEND : 0);
  return Array.from({ length: s.writers ?? WRITERS }, (_, i) => ({
    path: s.path,
    openFlags: flags,
    seed: 101 + i,
    phases: [
      {
        name: 'write',
        engine: s.engine ?? 'psync',
        op: 'pwrite' as const,
        blockSize: BLOCK,
        pattern,
        offset: 0,
        range: FILE_SIZE,
        ...(cursor !== undefined ? { cursor } : {}),
        ...(s.depth !== undefined ? { depth: s.depth } : {}),
        share: 1,
      },
    ],
  }));
}

/** Runs the writers for one window with the server's counters reset at the start barrier. */
export async function measureWrites(ctx: ProbeContext, m: ProbeMount, s: WritersSpec): Promise<WritesSeen> {
  const pool = await ctx.pool();
  const w = await runWindow(pool, writerJobs(s), (s.durationMs ?? WINDOW_MS) * 1e6, s.recordStarts ?? false, {
    ...s.hooks,
    atBarrier: async () => {
      await m.server.reset();
      await s.hooks?.atBarrier?.();
    },
  });
  const stats = await m.server.stats();
  const wr = stats.ops['WRITE'];
  const errors: Record<string, number> = {};
  let ops = 0;
  for (const o of w.outcomes) {
    if (o.result.openError) errors[`open:${o.result.openError}`] = (errors[`open:${o.result.openError}`] ?? 0) + 1;
    for (const p of o.result.phases) {
      ops += p.ops;
      for (const [e, n] of Object.entries(p.errors)) errors[e] = (errors[e] ?? 0) + n;
    }
  }
  return {
    maxInFlight: wr?.maxInFlightPerInode ?? 0,
    count: wr?.count ?? 0,
    ops,
    errors,
    outcomes: w.outcomes,
    startNs: w.startNs,
    deadlineNs: w.deadlineNs,
  };
}

export type LockPath = 'shared' | 'exclusive';

/** Short text of a window, for `observed`. */
export function describeWrites(w: WritesSeen): string {
  const errs = Object.entries(w.errors);
  return `max ${w.maxInFlight} in flight (${w.count} WRITEs${errs.length ? `; errors ${errs.map(([e, n]) => `${e}×${n}`).join(' ')}` : ''})`;
}

/**
 * Which path a window shows, or why it shows nothing: a window where writes failed or fewer than two
 * WRITEs arrived proves neither path.
 */
export function lockPathOf(w: WritesSeen): LockPath | { inconclusive: string } {
  if (Object.keys(w.errors).length > 0) return { inconclusive: 'writes failed' };
  if (w.count < 2) return { inconclusive: `only ${w.count} WRITE(s) reached the server` };
  return w.maxInFlight > 1 ? 'shared' : 'exclusive';
}

export function expectText(p: LockPath, writers = WRITERS): string {
  return p === 'shared' ? `shared: > 1 WRITE in flight (${writers} writers)` : 'exclusive: max 1 WRITE in flight';
}

/** True when the window shows path `p`. */
export function shows(w: WritesSeen, p: LockPath): boolean {
  return lockPathOf(w) === p;
}
