// Piscina worker: one job = its own fd on the target file, a barrier so all jobs start together,
// tight C loops from the addon, HDR histograms back to the runner.
import { move } from 'piscina';
import { aioLoop, closeFile, ioLoop, mmapLoop, openFile, type LoopResult } from '../bench/native/io.js';
import { encode, newHistogram, recordAll } from '../bench/hist/histogram.js';
import { packResult, type JobPhase, type JobResult, type JobTask, type PhaseResult } from './task.js';

function waitAtBarrier(task: JobTask): boolean {
  const b = new Int32Array(task.barrier);
  Atomics.add(b, 0, 1);
  Atomics.notify(b, 0);
  return Atomics.wait(b, 1, 0, task.barrierTimeoutMs) !== 'timed-out';
}

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

export default function runJob(task: JobTask): ArrayBuffer {
  let fd = -1;
  let openError: string | null = null;
  try {
    fd = openFile(task.path, task.openFlags, 0o644);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    openError = err.code ?? err.message;
  }
  // Arrive even after a failed open, or the runner would wait for us until its timeout.
  const started = waitAtBarrier(task);
  const result: JobResult = { openError, phases: [] };
  const series: Float64Array[] = [];
  try {
    if (!started) {
      result.openError ??= 'barrier timed out';
      return move(packResult(result, series)) as ArrayBuffer;
    }
    if (fd < 0) return move(packResult(result, series)) as ArrayBuffer;
    const times = new Float64Array(task.times);
    const startNs = times[0]!;
    const totalNs = times[1]! - startNs;
    let phaseStart = startNs;
    let floatsAt = 0;
    task.phases.forEach((p, i) => {
      const deadline = i === task.phases.length - 1 ? times[1]! : phaseStart + totalNs * p.share;
      const r = runPhase(fd, p, task.seed + i * 7919, deadline, task.recordStarts);
      phaseStart = deadline;
      const h = newHistogram();
      recordAll(h, r.latenciesNs);
      const pr: PhaseResult = {
        name: p.name,
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
  } finally {
    if (fd >= 0) closeFile(fd);
  }
}
