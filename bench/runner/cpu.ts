// CPU time spent by the server and by the benchmark process over a timed window, per operation.
//
// Server: utime + stime of every thread of its process, from /proc/<pid>/stat (fields 14 and 15, in
// USER_HZ ticks: 10 ms steps, so a window should be long enough to make that small). Client: this
// process's getrusage (process.cpuUsage), i.e. every thread — the jobs' timed loops including the
// kernel's work inside their syscalls (for FUSE that is where requests are built and replies
// copied), the main thread, and the jobs' histogram encoding after the deadline (~1 ms per job).
import { readdirSync, readFileSync } from 'node:fs';
import type { CellCpu } from '../results/schema.js';

/** USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

/** CPU time of a process in ns, or null when it cannot be read (gone, or another pid namespace). */
export function processCpuNs(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may contain spaces and parentheses: fields are counted after its last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1e9) / USER_HZ;
}

/**
 * `add` applied to /proc/<pid>/task/<tid>/<file> of every live thread of a process, summed by the
 * caller. Throws when the process is gone; a thread that ends between the listing and its read is
 * left out.
 */
export function forEachThreadFile(pid: number | 'self', file: string, add: (text: string) => void): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/${file}`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    add(text);
  }
}

/**
 * Context switches of all threads of a process (/proc/<pid>/task/<tid>/status): voluntary (it slept)
 * and involuntary (it was preempted). Null when unreadable.
 */
function processSwitches(pid: number): { voluntary: number; involuntary: number } | null {
  try {
    let voluntary = 0;
    let involuntary = 0;
    forEachThreadFile(pid, 'status', (text) => {
      voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    });
    return { voluntary, involuntary };
  } catch {
    return null;
  }
}

function clientCpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

export interface CpuMark {
  serverNs: number | null;
  clientNs: number;
  serverSwitches: { voluntary: number; involuntary: number } | null;
}

export function markCpu(serverPid: number): CpuMark {
  return { serverNs: processCpuNs(serverPid), clientNs: clientCpuNs(), serverSwitches: processSwitches(serverPid) };
}

/** CPU per operation between two marks; ops = operations the jobs completed in the window. */
export function cpuBetween(a: CpuMark, b: CpuMark, ops: number): CellCpu {
  const serverNs = a.serverNs !== null && b.serverNs !== null ? b.serverNs - a.serverNs : null;
  const clientNs = b.clientNs - a.clientNs;
  const sa = a.serverSwitches;
  const sb = b.serverSwitches;
  return {
    ops,
    serverNs,
    clientNs,
    serverNsPerOp: serverNs !== null && ops > 0 ? serverNs / ops : null,
    clientNsPerOp: ops > 0 ? clientNs / ops : null,
    ...(sa && sb && ops > 0
      ? { serverSleepsPerOp: (sb.voluntary - sa.voluntary) / ops, serverPreemptionsPerOp: (sb.involuntary - sa.involuntary) / ops }
      : {}),
  };
}
