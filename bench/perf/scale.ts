// Issue 19's scaling figure: N O_DIRECT writers on one pre-sized file, every WRITE held 1 ms by the
// server, in `direct` and `parallel`. On the shared path each writer should complete ~1/delay writes
// per second, so throughput should follow jobs × 1/delay, and the server must never be what stops it.
//
// Controls say whose limit a shortfall is. The CPU time of the window: the machine's (anyone's)
// and ours (harness with its job threads, plus the server), and how long our threads waited for a
// CPU. The same writers in a plain C program (fusebench-loop, the harness's loop on pthreads): whether
// Node or Piscina costs anything. The same writers with no delay on the null backend: the most round
// trips per second this machine makes at that concurrency at all. And the hold alone: as many threads doing nothing but the server's 1 ms
// timed wait, in a plain C program (fusebench-holdloop). When one of the last two is below
// jobs × 1/delay, no server could reach the goal here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, Mode } from '../modes.js';
import { createPool, warmPool } from '../runner/pool.js';
import { ensureDataFile } from '../scenarios/files.js';
import { startServer } from '../server/process.js';
import { isServerBound, serverPoolFor, serverThreadsFor, serverThreadsOf } from '../server/threads.js';
import { fmtRate } from '../format.js';
import { textTable } from '../text-table.js';
import { CPU_NOT_MEASURED, cpuSnapshot, cpuUse, type CpuSnapshot, type CpuUse } from './cpu.js';
import { harnessRandWrite } from './harness-run.js';
import { runHoldLoop } from './hold-loop.js';
import { runBareLoop } from './bare-loop.js';
import type { ServerThreads } from '../results/schema.js';
import { median, type Goal } from './goals.js';

const FILE = 'scale.dat';
const SIZE = 64 << 20;
export const SCALE_JOBS = [1, 4, 16, 32, 64] as const;
const DELAY = 'write=1ms';
const DELAY_NS = 1e6;
/** Two-sided: parallel throughput within this fraction of jobs × 1/delay. */
const TOLERANCE = 0.15;
/** Unmeasured first window on every mount: the server's pool grows and its new threads settle. */
const LEAD_IN_SEC = 0.2;

interface Target {
  name: 'direct' | 'parallel' | 'C loop' | 'no-delay' | 'hold-only';
  /** null: not a mount, the hold loop. */
  mode: Mode | null;
  delay: string;
  backend: Backend;
}

const TARGETS: Target[] = [
  { name: 'direct', mode: 'direct', delay: DELAY, backend: 'disk' },
  { name: 'parallel', mode: 'parallel', delay: DELAY, backend: 'disk' },
  // The controls: the same writers without Node; the cheapest round trip there is, as often as the
  // writers can make it; the hold alone.
  { name: 'C loop', mode: 'parallel', delay: DELAY, backend: 'disk' },
  { name: 'no-delay', mode: 'parallel', delay: '', backend: 'null' },
  { name: 'hold-only', mode: null, delay: DELAY, backend: 'null' },
];

export interface ScaleRun {
  /** Writes (or holds) per second. */
  iops: number;
  /** null for the hold loop (no server). */
  maxWritesInFlight: number | null;
  threads: ServerThreads | null;
  /** The hold loop reports only its own CPU: the machine's figures are NaN there. */
  cpu: CpuUse;
}

export interface ScaleRow {
  jobs: number;
  target: Target['name'];
  runs: ScaleRun[];
}

export interface ScalePerf {
  seconds: number;
  rounds: number;
  delayNs: number;
  rows: ScaleRow[];
  goals: Goal[];
}

/** One mount, a lead-in, then the measured window with the CPU read at its start and deadline. */
async function measure(pool: Parameters<typeof harnessRandWrite>[0], dir: string, t: Target, jobs: number, seconds: number, seed: number): Promise<ScaleRun> {
  if (t.mode === null) {
    const h = runHoldLoop(jobs, DELAY_NS, LEAD_IN_SEC, seconds);
    return { iops: h.holdsPerSec, maxWritesInFlight: null, threads: null, cpu: { ...CPU_NOT_MEASURED, oursCpus: h.cpus } };
  }
  const server = await startServer({
    backing: join(dir, 'backing'),
    mountpoint: join(dir, 'mnt'),
    mode: t.mode,
    delay: t.delay,
    backend: t.backend,
    ...serverPoolFor(jobs),
  });
  try {
    if (t.name === 'C loop') {
      // Its own lead-in on its own fresh threads; its CPU is another process's, not read here.
      const l = runBareLoop(join(server.mountpoint, FILE), jobs, LEAD_IN_SEC, seconds, seed);
      const s = await server.stats();
      return {
        iops: l.iops,
        maxWritesInFlight: s.ops['WRITE']?.maxInFlightPerInode ?? 0,
        threads: serverThreadsOf(s),
        cpu: CPU_NOT_MEASURED,
      };
    }
    await harnessRandWrite(pool, server, FILE, SIZE, jobs, LEAD_IN_SEC, seed);
    // Filled by the window's start hook and a timer at its deadline (the main thread idles meanwhile).
    const at: { start?: CpuSnapshot; end?: CpuSnapshot; timer?: NodeJS.Timeout } = {};
    const run = await harnessRandWrite(pool, server, FILE, SIZE, jobs, seconds, seed + 101, () => {
      at.start = cpuSnapshot(server.ready.pid);
      at.timer = setTimeout(() => (at.end = cpuSnapshot(server.ready.pid)), seconds * 1000);
    });
    clearTimeout(at.timer);
    const end = at.end ?? cpuSnapshot(server.ready.pid);
    return {
      iops: run.iops,
      maxWritesInFlight: run.maxWritesInFlight,
      threads: run.threads,
      cpu: at.start ? cpuUse(at.start, end) : CPU_NOT_MEASURED,
    };
  } finally {
    await server.stop();
  }
}

export async function perfScale(seconds: number, rounds: number, log: (s: string) => void): Promise<ScalePerf> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-scale-'));
  const maxJobs = Math.max(...SCALE_JOBS);
  const pool = createPool(maxJobs);
  const rows: ScaleRow[] = SCALE_JOBS.flatMap((jobs) => TARGETS.map((t) => ({ jobs, target: t.name, runs: [] as ScaleRun[] })));
  try {
    ensureDataFile(join(dir, 'backing'), FILE, SIZE);
    await warmPool(pool, maxJobs);
    const cells = SCALE_JOBS.flatMap((jobs) => TARGETS.map((t) => ({ jobs, t })));
    for (let r = 0; r < rounds; r++) {
      for (const { jobs, t } of r % 2 === 0 ? cells : [...cells].reverse()) {
        log(`round ${r + 1}/${rounds}: ${jobs} jobs, ${t.name}`);
        const run = await measure(pool, dir, t, jobs, seconds, 17 + 1000 * r);
        rows.find((x) => x.jobs === jobs && x.target === t.name)!.runs.push(run);
      }
    }
  } finally {
    await pool.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  return { seconds, rounds, delayNs: DELAY_NS, rows, goals: scaleGoals(rows) };
}

const ideal = (jobs: number): number => jobs * (1e9 / DELAY_NS);
const iopsOf = (row: ScaleRow | undefined): number => median((row?.runs ?? []).map((x) => x.iops));

function scaleGoals(rows: ScaleRow[]): Goal[] {
  const goals: Goal[] = [];
  for (const jobs of SCALE_JOBS) {
    const par = rows.find((x) => x.jobs === jobs && x.target === 'parallel');
    if (!par || par.runs.length === 0) continue;
    const ratio = iopsOf(par) / ideal(jobs);
    goals.push({
      name: `parallel, ${jobs} writer${jobs === 1 ? '' : 's'}, write=1ms: ops/s vs jobs × 1/delay`,
      ratio,
      goal: 1 - TOLERANCE,
      pass: Math.abs(ratio - 1) <= TOLERANCE,
      shown: `${ratio.toFixed(2)}× of ${fmtRate(ideal(jobs))} ops/s (goal within ${TOLERANCE * 100} %)`,
    });
  }
  const bound = rows.filter((x) => x.runs.some((r) => isServerBound(r.threads)));
  goals.push({
    name: 'the server never the limit (no window with every thread busy)',
    ratio: bound.length,
    goal: 0,
    pass: bound.length === 0,
    shown: bound.length === 0 ? 'none server-bound' : `server-bound: ${bound.map((x) => `${x.jobs} jobs ${x.target}`).join(', ')}`,
  });
  return goals;
}

const pct = (x: number): string => (Number.isNaN(x) ? '-' : `${(x * 100).toFixed(0)} %`);
const cpus = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(2));
/** CPUs' worth of time over a window, per operation, in µs; NaN when not measured or no operation. */
const perOpUs = (cpusWorth: number, iops: number): number => (iops > 0 ? (cpusWorth * 1e6) / iops : NaN);
const perOp = (cpusWorth: number, iops: number): string => {
  const us = perOpUs(cpusWorth, iops);
  return Number.isNaN(us) ? '-' : us.toFixed(1);
};

export function formatScale(p: ScalePerf): string {
  const table = textTable(
    ['jobs', 'target', 'ops/s', '× jobs/delay', 'max WRITEs in flight', 'threads busy/started/limit', 'machine CPU busy', 'ours (CPUs)', 'others (CPUs)', 'our CPU µs/op', 'our wait for a CPU µs/op'],
    p.rows.map((row) => {
      const rs = row.runs;
      const iops = iopsOf(row);
      const server = row.target !== 'hold-only';
      const maxThreads = (f: (t: ServerThreads) => number): string => String(Math.max(0, ...rs.map((r) => (r.threads ? f(r.threads) : 0))));
      const ours = median(rs.map((r) => r.cpu.oursCpus));
      const waiting = median(rs.map((r) => r.cpu.oursWaitingCpus));
      return [
        String(row.jobs),
        row.target + (rs.some((r) => isServerBound(r.threads)) ? ' SERVER-BOUND' : ''),
        fmtRate(iops),
        row.target === 'no-delay' ? '-' : (iops / ideal(row.jobs)).toFixed(2),
        server ? String(Math.max(0, ...rs.map((r) => r.maxWritesInFlight ?? 0))) : '-',
        server ? `${maxThreads((t) => t.busyMax)}/${maxThreads((t) => t.started)}/${maxThreads((t) => t.limit)}` : '-',
        pct(median(rs.map((r) => r.cpu.machineBusy))),
        cpus(ours),
        cpus(median(rs.map((r) => r.cpu.othersCpus))),
        perOp(ours, iops),
        perOp(waiting, iops),
      ];
    }),
    { numeric: (c) => c !== 1 },
  );
  return (
    table +
    `(4 KiB O_DIRECT random pwrite, psync, one pre-sized 64 MiB file; direct and parallel: disk backend, server holds every WRITE 1 ms; ` +
    `C loop: a control, the same writers as a plain C program (fusebench-loop, pthreads, no Node), counts over the lead-in and window; ` +
    `no-delay: a control, parallel on the null backend without a delay, the most round trips this machine makes at that concurrency; ` +
    `hold-only: a control, as many threads of a plain C program doing only the server's 1 ms timed wait (no FUSE), its own CPU only; ` +
    `${p.seconds}s windows after a ${LEAD_IN_SEC}s lead-in on each mount, medians of ${p.rounds} rounds in alternating order; ` +
    `server threads at most jobs + ${serverThreadsFor(0)}; our CPU = the harness process and the server together; ` +
    `our wait for a CPU = the time their threads were runnable but not running (schedstat run delay), per write: each write wakes its writer once and a server thread twice, all on its path)\n` +
    limitNotes(p)
  );
}

/** For each parallel row that misses the goal: whose limit it is, from the two controls. */
function limitNotes(p: ScalePerf): string {
  const lines: string[] = [];
  for (const jobs of SCALE_JOBS) {
    const par = p.rows.find((x) => x.jobs === jobs && x.target === 'parallel');
    const ctl = p.rows.find((x) => x.jobs === jobs && x.target === 'no-delay');
    if (!par || par.runs.length === 0) continue;
    const got = iopsOf(par);
    if (Math.abs(got / ideal(jobs) - 1) <= TOLERANCE) continue;
    const bound = par.runs.some((r) => isServerBound(r.threads));
    const ceiling = iopsOf(ctl);
    const holds = iopsOf(p.rows.find((x) => x.jobs === jobs && x.target === 'hold-only'));
    const busy = median(par.runs.map((r) => r.cpu.machineBusy));
    const loop = iopsOf(p.rows.find((x) => x.jobs === jobs && x.target === 'C loop'));
    const reasons: string[] = [];
    if (bound) reasons.push('the server had every thread busy: server-bound');
    if (loop > got * (1 + TOLERANCE)) reasons.push(`the same writers in plain C made ${fmtRate(loop)}/s: our harness is part of the limit`);
    if (ceiling > 0 && ceiling < ideal(jobs) * (1 - TOLERANCE)) reasons.push(`without any delay this machine made only ${fmtRate(ceiling)} round trips/s at ${jobs} jobs`);
    if (holds > 0 && holds < ideal(jobs) * (1 - TOLERANCE)) reasons.push(`the 1 ms holds alone, without FUSE, came to ${fmtRate(holds)}/s (${(holds / ideal(jobs)).toFixed(2)}×)`);
    const waitUs = perOpUs(median(par.runs.map((r) => r.cpu.oursWaitingCpus)), got);
    // A write that should take the delay took jobs/got; name the CPU wait when it is a fair part of that.
    const lateUs = (jobs / got) * 1e6 - DELAY_NS / 1e3;
    if (waitUs > 0.25 * lateUs) reasons.push(`our threads waited ${waitUs.toFixed(0)} µs per write for a CPU (of ${lateUs.toFixed(0)} µs a write took beyond the delay)`);
    if (busy > 0.9) reasons.push(`the CPUs were ${pct(busy)} busy (ours ${cpus(median(par.runs.map((r) => r.cpu.oursCpus)))}, others ${cpus(median(par.runs.map((r) => r.cpu.othersCpus)))} CPUs)`);
    const why = reasons.length > 0 ? reasons.join('; ') : 'neither the server, the CPUs nor the controls were saturated';
    const harness = loop > 0 && loop <= got * (1 + TOLERANCE) ? `; the same writers in plain C made ${fmtRate(loop)}/s: not our harness` : '';
    lines.push(`${jobs} jobs: ${fmtRate(got)} of ${fmtRate(ideal(jobs))} ops/s (${(got / ideal(jobs)).toFixed(2)}×): ${why}${harness}`);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
