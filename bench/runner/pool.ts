// One Piscina pool per run, sized to the largest job count of the matrix: threads are started once,
// and a cell with fewer jobs just submits fewer tasks.
import { Piscina } from 'piscina';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../paths.js';

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
