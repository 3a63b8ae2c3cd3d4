// One Piscina pool per run, sized to the largest job count of the matrix: threads are started once,
// and a cell with fewer jobs just submits fewer tasks.
import { Piscina } from 'piscina';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../paths.js';
import { O } from '../native/io.js';
import { runWindow } from './jobs.js';

export function createPool(threads: number): Piscina {
  return new Piscina({
    filename: pathToFileURL(join(packageRoot(), 'dist', 'workers', 'io-worker.js')).href,
    minThreads: threads,
    maxThreads: threads,
    // Each job blocks its thread for the whole timed window: never queue two jobs on one thread.
    concurrentTasksPerWorker: 1,
    idleTimeout: 60 * 60 * 1000,
  });
}

/**
 * Boots every thread of the pool before anything is timed: each loads the worker module and the addon
 * (0.1–0.2 s of CPU here), which would otherwise compete with the first measurement. Jobs without
 * phases on /dev/null meet at one barrier, so each lands on its own thread.
 */
export async function warmPool(pool: Piscina, threads: number): Promise<void> {
  const jobs = Array.from({ length: threads }, (_, i) => ({ path: '/dev/null', openFlags: O.RDONLY, seed: i, phases: [] }));
  await runWindow(pool, jobs, 0, false);
}
