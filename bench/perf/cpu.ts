// CPU time over a window: the whole machine's (/proc/stat) and ours (this process with its job
// threads, plus the server process), to tell a load the CPUs cannot carry from one the server caps.
// And how long our threads sat runnable without a CPU (schedstat), which slows every round trip long
// before the CPUs read 100 % busy.
import { readFileSync } from 'node:fs';
import { forEachThreadFile, processCpuNs } from '../runner/cpu.js';

/** /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 per second for userspace. */
const TICK_NS = 1e7;

export interface CpuSnapshot {
  atNs: number;
  machineBusyNs: number;
  machineTotalNs: number;
  selfNs: number;
  serverNs: number;
  /** Run-queue wait of this process's and the server's threads so far; NaN without schedstat. */
  runWaitNs: number;
}

export interface CpuUse {
  /** Share of all CPUs' time that was busy (anyone's work, ours included), 0..1. */
  machineBusy: number;
  /** CPUs' worth of time used by the harness and the server together (2.0 = two full CPUs). */
  oursCpus: number;
  /** CPUs' worth of time used by everything else on the machine. */
  othersCpus: number;
  /**
   * How many of our threads (harness and server) were, on average, runnable but waiting for a CPU.
   * Times 1e6 / ops per second: µs of run-queue wait per operation. NaN where not measured.
   */
  oursWaitingCpus: number;
}

export const CPU_NOT_MEASURED: CpuUse = { machineBusy: NaN, oursCpus: NaN, othersCpus: NaN, oursWaitingCpus: NaN };

/**
 * The second field of /proc/<pid>/task/<tid>/schedstat is the time the thread spent on a run queue
 * waiting to run (kernel sched_info, ns), summed over the process's live threads. Threads that exit
 * during a window take theirs with them; the windows measured here keep their threads.
 */
function runQueueWaitNs(pid: number | 'self'): number {
  let sum = 0;
  forEachThreadFile(pid, 'schedstat', (text) => (sum += Number(text.split(' ')[1])));
  return sum;
}

function runWaitNs(serverPid: number): number {
  try {
    return runQueueWaitNs('self') + runQueueWaitNs(serverPid);
  } catch {
    return NaN; // no schedstat (CONFIG_SCHED_INFO off) or the server is gone
  }
}

export function cpuSnapshot(serverPid: number): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const t = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (t[3] ?? 0) + (t[4] ?? 0);
  const self = process.cpuUsage();
  return {
    atNs: Number(process.hrtime.bigint()),
    machineBusyNs: (total - idle) * TICK_NS,
    machineTotalNs: total * TICK_NS,
    selfNs: (self.user + self.system) * 1000,
    serverNs: processCpuNs(serverPid) ?? 0,
    runWaitNs: runWaitNs(serverPid),
  };
}

export function cpuUse(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const wall = b.atNs - a.atNs;
  const total = b.machineTotalNs - a.machineTotalNs;
  const busy = b.machineBusyNs - a.machineBusyNs;
  const ours = b.selfNs - a.selfNs + (b.serverNs - a.serverNs);
  return {
    machineBusy: total > 0 ? busy / total : 0,
    oursCpus: wall > 0 ? ours / wall : 0,
    othersCpus: wall > 0 ? Math.max(0, busy - ours) / wall : 0,
    oursWaitingCpus: wall > 0 ? (b.runWaitNs - a.runWaitNs) / wall : NaN,
  };
}
