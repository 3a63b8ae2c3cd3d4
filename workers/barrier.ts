// The window barrier, shared by the runner and every job of a window: the jobs arrive with their fds
// open, the runner sets the window and says go, and each job, once out of its timed loop, waits until
// every job of the window has left its loop too before doing any JavaScript work of its own
// (histograms, encoding): on a machine with fewer CPUs than jobs that work would otherwise take a CPU
// from a job still being timed. One SharedArrayBuffer, handed to each worker with its task.

/** Int32 slots, then the window as two Float64 (CLOCK_MONOTONIC ns) from byte 16. */
const ARRIVED = 0;
const GO = 1;
const LEFT = 2;
const TIMES_AT = 16;
const BYTES = 32;

export class WindowBarrier {
  private readonly slots: Int32Array;
  private readonly times: Float64Array;

  /** A new barrier, or (in a worker) a view of the one the runner made. */
  constructor(readonly memory: SharedArrayBuffer = new SharedArrayBuffer(BYTES)) {
    this.slots = new Int32Array(memory, 0, TIMES_AT / 4);
    this.times = new Float64Array(memory, TIMES_AT, 2);
  }

  /** Jobs at the start line so far. */
  arrived(): number {
    return Atomics.load(this.slots, ARRIVED);
  }

  /** Jobs out of their timed loop so far. */
  left(): number {
    return Atomics.load(this.slots, LEFT);
  }

  /** Resolves true once `count` jobs have arrived, false when `timeoutMs` passes first. */
  untilArrived(count: number, timeoutMs: number): Promise<boolean> {
    return this.until(ARRIVED, count, timeoutMs);
  }

  /** Resolves true once `count` jobs have left their loop, false when `timeoutMs` passes first. */
  untilLeft(count: number, timeoutMs: number): Promise<boolean> {
    return this.until(LEFT, count, timeoutMs);
  }

  /** The runner's go: sets the window and releases every job waiting at the start line. */
  go(startNs: number, deadlineNs: number): void {
    this.times[0] = startNs;
    this.times[1] = deadlineNs;
    Atomics.store(this.slots, GO, 1);
    Atomics.notify(this.slots, GO);
  }

  /** A job arrives and blocks until the go; false when no go came within `timeoutMs` (the runner died). */
  arriveAndWait(timeoutMs: number): boolean {
    Atomics.add(this.slots, ARRIVED, 1);
    Atomics.notify(this.slots, ARRIVED);
    return Atomics.wait(this.slots, GO, 0, timeoutMs) !== 'timed-out';
  }

  /** The window the go set. */
  window(): { startNs: number; deadlineNs: number } {
    return { startNs: this.times[0]!, deadlineNs: this.times[1]! };
  }

  /** A job has left its loop (after a failed open or a thrown loop too); returns how many have. */
  leave(): number {
    const n = Atomics.add(this.slots, LEFT, 1) + 1;
    Atomics.notify(this.slots, LEFT);
    return n;
  }

  /**
   * A job leaves its loop and blocks until all `jobs` have, or `timeoutMs` passed (a job that never
   * comes must not keep the others' results back for ever).
   */
  leaveAndWait(jobs: number, timeoutMs: number): void {
    let left = this.leave();
    const giveUpAt = Date.now() + timeoutMs;
    while (left < jobs) {
      const wait = giveUpAt - Date.now();
      if (wait <= 0 || Atomics.wait(this.slots, LEFT, left, wait) === 'timed-out') return;
      left = Atomics.load(this.slots, LEFT);
    }
  }

  private async until(slot: number, count: number, timeoutMs: number): Promise<boolean> {
    const giveUpAt = Date.now() + timeoutMs;
    for (let seen = Atomics.load(this.slots, slot); seen < count; seen = Atomics.load(this.slots, slot)) {
      const wait = giveUpAt - Date.now();
      if (wait <= 0) return false;
      const w = Atomics.waitAsync(this.slots, slot, seen, wait);
      if (w.async && (await w.value) === 'timed-out') return false;
    }
    return true;
  }
}
