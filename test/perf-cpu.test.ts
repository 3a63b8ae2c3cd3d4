// The CPU accounting `perf scale` explains its shortfalls with: our CPU time and our threads' wait for
// a CPU (schedstat run delay). Counts, not timings: more spinning threads than CPUs must show a wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { cpuSnapshot, cpuUse } from '../bench/perf/cpu.js';

/** Starts `threads` worker threads that spin for `ms`; resolves once all run, with their exit. */
async function spin(threads: number, ms: number): Promise<{ exited: Promise<unknown> }> {
  const code = `const until = Date.now() + ${ms}; while (Date.now() < until) {}`;
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
  return { exited: Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve)))) };
}

test('more runnable threads than CPUs: our wait for a CPU is counted', async () => {
  // The "server" is this process too: its threads then count twice, which only doubles the figures.
  const cpus = availableParallelism();
  const { exited } = await spin(cpus + 1, 1500);
  const a = cpuSnapshot(process.pid);
  // Threads that exit take their schedstat with them: read the end while the spinners still run.
  await new Promise((r) => setTimeout(r, 300));
  const b = cpuSnapshot(process.pid);
  await exited;
  const u = cpuUse(a, b);
  assert.ok(Number.isFinite(u.oursWaitingCpus), 'schedstat must be readable on this kernel (CONFIG_SCHED_INFO)');
  // cpus + 1 spinners on cpus CPUs: one thread's worth is always waiting (more if the machine is busy).
  assert.ok(u.oursWaitingCpus > 0.5, `too little run-queue wait with ${cpus + 1} spinning threads on ${cpus} CPUs: ${JSON.stringify(u)}`);
  assert.ok(u.oursCpus > 0, JSON.stringify(u));
  assert.ok(u.machineBusy > 0 && u.machineBusy <= 1, JSON.stringify(u));
});
