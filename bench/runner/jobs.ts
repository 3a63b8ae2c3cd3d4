// Runs the jobs of one timed window: all workers open their fds, meet at the window's barrier
// (workers/barrier.ts), the server's counters are reset, then everybody starts against the same deadline.
import type { Piscina } from 'piscina';
import { monotonicNs } from '../native/io.js';
import { WindowBarrier } from '../../workers/barrier.js';
import { unpackResult, type JobPhase, type JobResult, type JobTask } from '../../workers/task.js';

export interface JobSpec {
  path: string;
  openFlags: number;
  phases: JobPhase[];
  seed: number;
}

export interface JobOutcome {
  result: JobResult;
  floats: Float64Array;
}

export interface WindowHooks {
  /** Called at the barrier, before the go signal (reset the server's counters here). */
  atBarrier?: () => Promise<void>;
  /** Called right after the go signal with the window's start and deadline (CLOCK_MONOTONIC ns). */
  started?: (startNs: number, deadlineNs: number) => void;
}

/**
 * The runner gives up on the barrier when no job has arrived for BARRIER_STALL_MS, or after
 * BARRIER_MAX_MS in all. Arrivals are counted, not timed in all: hundreds of jobs on fresh threads
 * each load the worker module and the addon first (0.1–0.2 s of CPU each here), which on two CPUs
 * takes longer than any fixed timeout a small cell would want. A job waits for the go signal longer
 * than the runner can wait for the barrier, so it never gives up on a go that is still coming.
 */
const BARRIER_STALL_MS = 30_000;
const BARRIER_MAX_MS = 9 * 60_000;
const GO_WAIT_MS = BARRIER_MAX_MS + 60_000;

export async function runWindow(
  pool: Piscina,
  jobs: JobSpec[],
  durationNs: number,
  recordStarts: boolean,
  hooks: WindowHooks = {},
): Promise<{ outcomes: JobOutcome[]; startNs: number; deadlineNs: number }> {
  const barrier = new WindowBarrier();
  const running = jobs.map((j) =>
    pool.run({
      path: j.path,
      openFlags: j.openFlags,
      phases: j.phases,
      seed: j.seed,
      recordStarts,
      barrier: barrier.memory,
      jobs: jobs.length,
      barrierTimeoutMs: GO_WAIT_MS,
    } satisfies JobTask) as Promise<ArrayBuffer>,
  );
  // Wait until every job has its fd open and sits at the barrier.
  const began = Date.now();
  let lastArrival = began;
  let arrivedBefore = 0;
  let failed: unknown = null;
  let crashed: unknown = null;
  for (const r of running) r.catch((e: unknown) => (crashed ??= e));
  for (;;) {
    const arrived = barrier.arrived();
    if (arrived >= jobs.length) break;
    if (crashed) {
      failed = crashed;
      break;
    }
    const now = Date.now();
    if (arrived > arrivedBefore) {
      arrivedBefore = arrived;
      lastArrival = now;
    }
    if (now - lastArrival > BARRIER_STALL_MS || now - began > BARRIER_MAX_MS) {
      failed = new Error(
        `only ${arrived} of ${jobs.length} jobs reached the start barrier in ${((now - began) / 1000).toFixed(0)} s ` +
          `(none for the last ${((now - lastArrival) / 1000).toFixed(0)} s)`,
      );
      break;
    }
    await barrier.untilArrived(arrived + 1, 200);
  }
  // Sets the window and releases the jobs. Giving up releases them too, with a window of 0: a deadline
  // already past, so the jobs that did arrive stop at once (a deadline of 0 would mean none).
  const go = (windowNs: number): number => {
    const startNs = monotonicNs();
    barrier.go(startNs, startNs + windowNs);
    return startNs;
  };
  try {
    if (failed) throw failed;
    await hooks.atBarrier?.();
  } catch (e) {
    go(0);
    await Promise.allSettled(running);
    throw e;
  }
  const startNs = go(durationNs);
  hooks.started?.(startNs, startNs + durationNs);
  const bufs = await Promise.all(running);
  return { outcomes: bufs.map((buf) => unpackResult(buf)), startNs, deadlineNs: startNs + durationNs };
}
