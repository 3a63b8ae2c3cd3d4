// The worker's finish line: a job that has left its timed loop builds no histogram (JavaScript work
// that would take a CPU from a job still being timed) until every job of the window has left its
// loop too. Driven by hand through a real Piscina worker, with a second job that never runs: the
// test plays its part on the window's barrier (workers/barrier.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { monotonicNs, O } from '../bench/native/io.js';
import { createPool } from '../bench/runner/pool.js';
import { WindowBarrier } from '../workers/barrier.js';
import { unpackResult, type JobTask } from '../workers/task.js';
import { testTmpDir } from './helpers/mount.js';

let pool: Piscina;
let dir: string;

before(() => {
  pool = createPool(1);
  dir = testTmpDir('finish');
});
after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits for the job at one of the barrier's lines, failing instead of hanging. */
async function reached(line: Promise<boolean>, what: string): Promise<void> {
  if (!(await line)) throw new Error(`the job did not reach the ${what} in 5 s`);
}

const settled = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/** Submits one job of a window of `jobs`, waits for it at the start line and gives it a 20 ms window. */
async function startJob(path: string, jobs: number): Promise<{ job: Promise<ArrayBuffer>; barrier: WindowBarrier }> {
  const barrier = new WindowBarrier();
  const task: JobTask = {
    path,
    openFlags: O.RDWR,
    seed: 1,
    recordStarts: false,
    phases: [{ name: 'write', engine: 'psync', op: 'pwrite', blockSize: 4096, pattern: 'random', offset: 0, range: 1 << 20, share: 1 }],
    barrier: barrier.memory,
    jobs,
    barrierTimeoutMs: 10_000,
  };
  const job = pool.run(task) as Promise<ArrayBuffer>;
  await reached(barrier.untilArrived(1, 5000), 'start line');
  const startNs = monotonicNs();
  barrier.go(startNs, startNs + 20e6);
  return { job, barrier };
}

test('a job hands back its results only after every job of the window has left its loop', async () => {
  const path = join(dir, 'f');
  const fd = openSync(path, 'w');
  ftruncateSync(fd, 1 << 20);
  closeSync(fd);
  const { job, barrier } = await startJob(path, 2);
  // The job has left its 20 ms loop and waits for the other one.
  await reached(barrier.untilLeft(1, 5000), 'finish line');
  assert.equal(await settled(job, 300), false, 'the job returned while the other job was still in its loop');
  barrier.leave();
  const { result } = unpackResult(await job);
  assert.equal(result.openError, null);
  assert.equal(result.phases.length, 1);
  assert.ok(result.phases[0]!.ops > 0, 'no write in the 20 ms window');
  assert.deepEqual(result.phases[0]!.errors, {});
});

test('a job whose open failed still reaches the finish line, so the others are not held back', async () => {
  const { job, barrier } = await startJob(join(dir, 'missing', 'f'), 1);
  const { result } = unpackResult(await job);
  assert.equal(result.openError, 'ENOENT');
  assert.equal(barrier.left(), 1);
});
