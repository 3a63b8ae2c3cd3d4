// Piscina worker: one job = its own fd on the target file, a barrier so all jobs start together,
// tight C loops from the addon, a finish line shared with the other jobs, then HDR histograms back to
// the runner.
import { move } from 'piscina';
import { aioLoop, closeFile, ioLoop, mmapLoop, openFile, uringLoop, type LoopResult } from '../bench/native/io.js';
import { encode, newHistogram, recordAll } from '../bench/hist/histogram.js';
import { WindowBarrier } from './barrier.js';
import { packResult, type JobPhase, type JobResult, type JobTask, type PhaseResult } from './task.js';

function runPhase(fd: number, p: JobPhase, seed: number, deadlineNs: number, recordStarts: boolean): LoopResult {
  const base = {
    fd,
    blockSize: p.blockSize,
    pattern: p.pattern,
    offset: p.offset,
    range: p.range,
    maxOps: 0,
    deadlineNs,
    seed,
    recordStarts,
    ...(p.cursor !== undefined ? { cursor: p.cursor } : {}),
  };
  switch (p.engine) {
    case 'psync':
      return ioLoop({ ...base, op: p.op === 'pread' || p.op === 'read' ? 'pread' : 'pwrite' });
    case 'libaio':
      return aioLoop({ ...base, op: p.op === 'pread' || p.op === 'read' ? 'pread' : 'pwrite', depth: p.depth ?? 1 });
    case 'io_uring':
      return uringLoop({ ...base, op: p.op === 'pread' || p.op === 'read' ? 'pread' : 'pwrite', depth: p.depth ?? 1 });
    case 'mmap':
      return mmapLoop({
        fd,
        op: p.op === 'write' || p.op === 'pwrite' ? 'write' : 'read',
        offset: p.offset,
        length: p.range,
        pattern: p.pattern === 'random' ? 'random' : 'sequential',
        maxOps: 0,
        deadlineNs,
        seed,
        recordStarts,
      });
  }
}

/** How long a finished job waits for the others past the deadline before building its histograms anyway. */
const FINISH_WAIT_MS = 10_000;

export default function runJob(task: JobTask): ArrayBuffer {
  let fd = -1;
  let openError: string | null = null;
  try {
    fd = openFile(task.path, task.openFlags, 0o644);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    openError = err.code ?? err.message;
  }
  const barrier = new WindowBarrier(task.barrier);
  // Arrive even after a failed open, or the runner would wait for us until its timeout.
  const started = barrier.arriveAndWait(task.barrierTimeoutMs);
  const result: JobResult = { openError, phases: [] };
  if (!started) result.openError ??= 'barrier timed out';
  const loops: LoopResult[] = [];
  try {
    if (started && fd >= 0) {
      const { startNs, deadlineNs } = barrier.window();
      const totalNs = deadlineNs - startNs;
      let phaseStart = startNs;
      task.phases.forEach((p, i) => {
        const deadline = i === task.phases.length - 1 ? deadlineNs : phaseStart + totalNs * p.share;
        loops.push(runPhase(fd, p, task.seed + i * 7919, deadline, task.recordStarts));
        phaseStart = deadline;
      });
    }
  } finally {
    if (fd >= 0) closeFile(fd);
    // Each job leaves once, even after a failed open or a thrown loop, so no job waits for one that never comes.
    barrier.leaveAndWait(task.jobs, FINISH_WAIT_MS);
  }
  const series: Float64Array[] = [];
  let floatsAt = 0;
  loops.forEach((r, i) => {
    const h = newHistogram();
    recordAll(h, r.latenciesNs);
    const pr: PhaseResult = {
      name: task.phases[i]!.name,
      ops: r.ops,
      bytes: r.bytes,
      histogram: encode(h),
      errors: r.errors,
      startNs: r.startNs,
      endNs: r.endNs,
    };
    h.destroy();
    if (task.recordStarts && r.startsNs) {
      pr.series = { startsAt: floatsAt, latsAt: floatsAt + r.startsNs.length, length: r.startsNs.length };
      series.push(r.startsNs, r.latenciesNs);
      floatsAt += 2 * r.startsNs.length;
    }
    result.phases.push(pr);
  });
  return move(packResult(result, series)) as ArrayBuffer;
}
