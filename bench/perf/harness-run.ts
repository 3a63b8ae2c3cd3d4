// One timed window of our own harness on a mount: N jobs of 4 KiB O_DIRECT random pwrite.
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { O } from '../native/io.js';
import { collect } from '../runner/collect.js';
import { runWindow, type WindowHooks } from '../runner/jobs.js';
import type { ServerHandle } from '../server/process.js';
import { serverThreadsOf } from '../server/threads.js';
import type { ServerThreads } from '../results/schema.js';

export interface HarnessRun {
  iops: number;
  p50Ns: number;
  p99Ns: number;
  meanNs: number;
  maxWritesInFlight: number;
  /** The server's threads over the window. */
  threads: ServerThreads | null;
}

export async function harnessRandWrite(
  pool: Piscina,
  server: ServerHandle,
  file: string,
  size: number,
  jobs: number,
  seconds: number,
  seed = 17,
  started?: WindowHooks['started'],
): Promise<HarnessRun> {
  const specs = Array.from({ length: jobs }, (_, i) => ({
    path: join(server.mountpoint, file),
    openFlags: O.RDWR | O.DIRECT,
    seed: seed + i,
    phases: [{ name: 'write', engine: 'psync' as const, op: 'pwrite' as const, blockSize: 4096, pattern: 'random' as const, offset: 0, range: size, share: 1 }],
  }));
  const w = await runWindow(pool, specs, seconds * 1e9, false, { atBarrier: () => server.reset(), ...(started ? { started } : {}) });
  const c = collect(w.outcomes, { write: 4096 });
  const s = await server.stats();
  const op = c.ops['write'];
  return {
    iops: op?.opsPerSec ?? 0,
    p50Ns: op?.p50Ns ?? 0,
    p99Ns: op?.p99Ns ?? 0,
    meanNs: op?.meanNs ?? 0,
    maxWritesInFlight: s.ops['WRITE']?.maxInFlightPerInode ?? 0,
    threads: serverThreadsOf(s),
  };
}
