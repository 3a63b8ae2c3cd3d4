// One timed window of our own harness on a mount: N jobs of one operation, with the CPU the server
// and this process spent on it and the server's threads over the window.
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { O } from '../native/io.js';
import type { CellCpu, ServerThreads } from '../results/schema.js';
import { collect } from '../runner/collect.js';
import { cpuBetween, markCpu, type CpuMark } from '../runner/cpu.js';
import { runWindow, type JobSpec, type WindowHooks } from '../runner/jobs.js';
import type { ServerHandle } from '../server/process.js';
import { serverThreadsOf } from '../server/threads.js';
import type { JobPhase } from '../../workers/task.js';

export interface HarnessRun {
  iops: number;
  p50Ns: number;
  p99Ns: number;
  meanNs: number;
  maxWritesInFlight: number;
  cpu: CellCpu;
  /** The server's threads over the window. */
  threads: ServerThreads | null;
}

/** `jobs` copies of one phase on one file of the mount (seeds differ), timed for `seconds`. */
export async function harnessWindow(
  pool: Piscina,
  server: ServerHandle,
  file: string,
  openFlags: number,
  phase: JobPhase,
  jobs: number,
  seconds: number,
  seed = 17,
  started?: WindowHooks['started'],
): Promise<HarnessRun> {
  const specs: JobSpec[] = Array.from({ length: jobs }, (_, i) => ({ path: join(server.mountpoint, file), openFlags, seed: seed + i, phases: [phase] }));
  const marks: { start?: CpuMark } = {};
  const w = await runWindow(pool, specs, seconds * 1e9, false, {
    atBarrier: async () => {
      await server.reset();
      marks.start = markCpu(server.pid);
    },
    ...(started ? { started } : {}),
  });
  const end = markCpu(server.pid);
  const c = collect(w.outcomes, { [phase.name]: phase.blockSize });
  const s = await server.stats();
  const op = c.ops[phase.name];
  return {
    iops: op?.opsPerSec ?? 0,
    p50Ns: op?.p50Ns ?? 0,
    p99Ns: op?.p99Ns ?? 0,
    meanNs: op?.meanNs ?? 0,
    maxWritesInFlight: s.ops['WRITE']?.maxInFlightPerInode ?? 0,
    cpu: cpuBetween(marks.start ?? end, end, op?.count ?? 0),
    threads: serverThreadsOf(s),
  };
}

/** N jobs of 4 KiB O_DIRECT random pwrite over the first `size` bytes of `file`. */
export function harnessRandWrite(
  pool: Piscina,
  server: ServerHandle,
  file: string,
  size: number,
  jobs: number,
  seconds: number,
  seed = 17,
  started?: WindowHooks['started'],
): Promise<HarnessRun> {
  const phase: JobPhase = { name: 'write', engine: 'psync', op: 'pwrite', blockSize: 4096, pattern: 'random', offset: 0, range: size, share: 1 };
  return harnessWindow(pool, server, file, O.RDWR | O.DIRECT, phase, jobs, seconds, seed, started);
}
