// An open issued while writers hold WRITEs at the server, and whether it waited for them. Decided by
// order, not by a time budget: did the open return only once the writes in flight when it was issued
// had completed? The injected delay is large, so the two cases are far apart on any machine.
import { open as openAsync, type FileHandle } from 'node:fs/promises';
import { monotonicNs } from '../native/io.js';
import type { JobOutcome } from '../runner/jobs.js';
import type { ServerHandle } from '../server/process.js';

export interface TimedOpen {
  startNs: number;
  endNs: number;
  /** errno name when the open failed. */
  error: string | null;
  fh: FileHandle | null;
}

/** Opens on the thread pool, so the main thread keeps running while the open blocks in the kernel. */
export async function timedOpen(path: string, flags: string | number): Promise<TimedOpen> {
  const startNs = monotonicNs();
  try {
    const fh = await openAsync(path, flags);
    return { startNs, endNs: monotonicNs(), error: null, fh };
  } catch (e) {
    return { startNs, endNs: monotonicNs(), error: (e as NodeJS.ErrnoException).code ?? (e as Error).message, fh: null };
  }
}

/** [start, end] of every completed write of every job (CLOCK_MONOTONIC ns; needs recordStarts). */
export function writeIntervals(outcomes: JobOutcome[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const { result, floats } of outcomes) {
    for (const p of result.phases) {
      if (!p.series) continue;
      for (let i = 0; i < p.series.length; i++) {
        const s = floats[p.series.startsAt + i]!;
        out.push([s, s + floats[p.series.latsAt + i]!]);
      }
    }
  }
  return out;
}

export interface OpenVsWrites {
  /** Writes issued before the open and still running when it was issued. */
  heldAtOpen: number;
  /** When the first of those completed (ns), or null when there were none. */
  firstEndNs: number | null;
  waitNs: number;
  /** The open returned no earlier than the first held write completed (less a quarter delay of slack). */
  waited: boolean;
}

export function openVsWrites(o: TimedOpen, intervals: Array<[number, number]>, delayNs: number): OpenVsWrites {
  const held = intervals.filter(([s, e]) => s <= o.startNs && e > o.startNs);
  const firstEndNs = held.length ? Math.min(...held.map(([, e]) => e)) : null;
  return {
    heldAtOpen: held.length,
    firstEndNs,
    waitNs: o.endNs - o.startNs,
    waited: firstEndNs !== null && o.endNs >= firstEndNs - delayNs / 4,
  };
}

export const ratio = (ns: number, delayNs: number): string => (ns / delayNs).toFixed(2);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Sleeps until CLOCK_MONOTONIC reaches `ns`. */
export function sleepUntil(ns: number): Promise<void> {
  return sleep((ns - monotonicNs()) / 1e6);
}

/**
 * Polls the server until it has seen at least `min` WRITEs in flight on one inode since the previous
 * poll, so an interfering open is issued while writes are surely held, however late the writers
 * started. Returns false when that did not happen within `timeoutMs` (the probe then says so).
 */
export async function waitForHeldWrites(server: ServerHandle, min: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  await server.window();
  for (;;) {
    await sleep(5);
    const w = await server.window();
    if ((w.ops['WRITE']?.maxInFlightPerInode ?? 0) >= min) return true;
    if (Date.now() > until) return false;
  }
}
