// The worker's finish line: a job that has left its timed loop builds no histogram (JavaScript work
// that would take a CPU from a job still being timed) until every job of the window has left its
// loop too. Driven by hand through a real Piscina worker, with a second job that never runs: the
// test plays its part on the shared barrier.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { monotonicNs, O } from '../bench/native/io.js';
import { createPool } from '../bench/runner/pool.js';
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

async function until(b: Int32Array, index: number, value: number): Promise<void> {
  for (let seen = Atomics.load(b, index); seen < value; seen = Atomics.load(b, index)) {
    const w = Atomics.waitAsync(b, index, seen, 5000);
    if (w.async && (await w.value) === 'timed-out') throw new Error(`barrier slot ${index} stayed at ${seen}, expected ${value}`);
  }
}

const settled = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

/** Submits one job of a window of `jobs`, waits for it at the start line and gives it a 20 ms window. */
async function startJob(path: string, jobs: number): Promise<{ job: Promise<ArrayBuffer>; b: Int32Array }> {
  const barrier = new SharedArrayBuffer(12);
  const times = new SharedArrayBuffer(16);
  const b = new Int32Array(barrier);
  const t = new Float64Array(times);
  const task: JobTask = {
    path,
    openFlags: O.RDWR,
    seed: 1,
    recordStarts: false,
    phases: [{ name: 'write', engine: 'psync', op: 'pwrite', blockSize: 4096, pattern: 'random', offset: 0, range: 1 << 20, share: 1 }],
    barrier,
    times,
    jobs,
    barrierTimeoutMs: 10_000,
  };
  const job = pool.run(task) as Promise<ArrayBuffer>;
  await until(b, 0, 1);
  t[0] = monotonicNs();
  t[1] = t[0] + 20e6;
  Atomics.store(b, 1, 1);
  Atomics.notify(b, 1);
  return { job, b };
}

test('a job hands back its results only after every job of the window has left its loop', async () => {
  const path = join(dir, 'f');
  const fd = openSync(path, 'w');
  ftruncateSync(fd, 1 << 20);
  closeSync(fd);
  const { job, b } = await startJob(path, 2);
  // The job has left its 20 ms loop and waits for the other one.
  await until(b, 2, 1);
  assert.equal(await settled(job, 300), false, 'the job returned while the other job was still in its loop');
  Atomics.add(b, 2, 1);
  Atomics.notify(b, 2);
  const { result } = unpackResult(await job);
  assert.equal(result.openError, null);
  assert.equal(result.phases.length, 1);
  assert.ok(result.phases[0]!.ops > 0, 'no write in the 20 ms window');
  assert.deepEqual(result.phases[0]!.errors, {});
});

test('a job whose open failed still reaches the finish line, so the others are not held back', async () => {
  const { job, b } = await startJob(join(dir, 'missing', 'f'), 1);
  const { result } = unpackResult(await job);
  assert.equal(result.openError, 'ENOENT');
  assert.equal(Atomics.load(b, 2), 1);
});
