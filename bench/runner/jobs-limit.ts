// The most jobs one cell may have on this machine, and what sets that number.
import { availableParallelism, freemem } from 'node:os';
import { readFileSync } from 'node:fs';
import { MAX_CALLERS } from '../server/threads.js';

/**
 * Jobs per CPU. Every job is a thread of its own that first loads the worker module and the addon
 * (0.1–0.2 s of CPU each, measured on this project's 2-CPU machine under load). There, with every
 * WRITE held 1 ms, 256 jobs had all 256 WRITEs in flight at once and the run took 1–2 minutes; 512
 * jobs had at most 94 in flight (the CPUs never ran them all at once: the cell no longer measures
 * 512 writers) and the run took 3.5 minutes, most of it starting threads.
 */
export const JOBS_PER_CPU = 128;
/** Memory a job may need: its thread (~10 MiB resident measured), its server thread, its histograms. */
const BYTES_PER_JOB = 16 << 20;

export interface JobsLimit {
  max: number;
  /** What sets `max`, for the error message and `--help`. */
  why: string;
}

function memAvailable(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux /proc: fall back to free memory
  }
  return freemem();
}

/** Threads that may still start (RLIMIT_NPROC, threads-max, pid_max, less those that exist), or Infinity when unknown. */
function threadsLeft(): number {
  const read = (p: string): number => {
    try {
      return Number(readFileSync(p, 'utf8').trim());
    } catch {
      return Infinity;
    }
  };
  let nproc = Infinity;
  try {
    const m = /^Max processes\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m && m[1] !== 'unlimited') nproc = Number(m[1]);
  } catch {
    // no /proc/self/limits
  }
  const limit = Math.min(nproc, read('/proc/sys/kernel/threads-max'), read('/proc/sys/kernel/pid_max'));
  // /proc/loadavg's fourth field is running/existing scheduling entities: the threads that exist now.
  const existing = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[1] ?? 0);
  return limit - (Number.isFinite(existing) ? existing : 0);
}

/**
 * The bound of `--jobs`: the smallest of JOBS_PER_CPU per CPU, what half the available memory holds
 * at BYTES_PER_JOB, a quarter of the threads still allowed (a job needs its own thread and a server
 * thread; the rest of the machine needs some too), and what the server's thread range covers.
 */
export function jobsLimit(): JobsLimit {
  const cpus = availableParallelism();
  const mem = memAvailable();
  const candidates: JobsLimit[] = [
    { max: JOBS_PER_CPU * cpus, why: `${JOBS_PER_CPU} per CPU, ${cpus} CPU${cpus === 1 ? '' : 's'}` },
    { max: Math.floor(mem / 2 / BYTES_PER_JOB), why: `half of the ${(mem / 2 ** 30).toFixed(1)} GiB of available memory at ${BYTES_PER_JOB >> 20} MiB per job` },
    { max: Math.floor(threadsLeft() / 4), why: 'a quarter of the threads this user may still start' },
    { max: MAX_CALLERS, why: "the server's thread range" },
  ];
  return candidates.reduce((a, b) => (b.max < a.max ? b : a));
}
