// Issue 19's scaling figure: N O_DIRECT writers on one pre-sized file, every WRITE held 1 ms by the
// server, in `direct` and `parallel`. On the shared path each writer should complete ~1/delay writes
// per second, so throughput should follow jobs × 1/delay, and the server must never be what stops it.
//
// Two controls say whose limit a shortfall is. The CPU time of the window: the machine's (anyone's)
// and ours (harness with its job threads, plus the server). And the same writers with no delay on the
// null backend: the most round trips per second this machine makes at that concurrency at all. When
// that is below jobs × 1/delay, no server could reach the goal here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, Mode } from '../modes.js';
import { createPool, warmPool } from '../runner/pool.js';
import { ensureDataFile } from '../scenarios/files.js';
import { startServer } from '../server/process.js';
import { isServerBound, serverPoolFor, serverThreadsFor } from '../server/threads.js';
import { fmtRate } from '../format.js';
import { textTable } from '../text-table.js';
import { cpuSnapshot, cpuUse, type CpuSnapshot, type CpuUse } from './cpu.js';
import { harnessRandWrite, type HarnessRun } from './harness-run.js';
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
  name: 'direct' | 'parallel' | 'no-delay';
  mode: Mode;
  delay: string;
  backend: Backend;
}

const TARGETS: Target[] = [
  { name: 'direct', mode: 'direct', delay: DELAY, backend: 'disk' },
  { name: 'parallel', mode: 'parallel', delay: DELAY, backend: 'disk' },
  // The control: the cheapest round trip there is, as often as the writers can make it.
  { name: 'no-delay', mode: 'parallel', delay: '', backend: 'null' },
];

export interface ScaleRun extends HarnessRun {
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
  const server = await startServer({
    backing: join(dir, 'backing'),
    mountpoint: join(dir, 'mnt'),
    mode: t.mode,
    delay: t.delay,
    backend: t.backend,
    ...serverPoolFor(jobs),
  });
  try {
    await harnessRandWrite(pool, server, FILE, SIZE, jobs, LEAD_IN_SEC, seed);
    // Filled by the window's start hook and a timer at its deadline (the main thread idles meanwhile).
    const at: { start?: CpuSnapshot; end?: CpuSnapshot; timer?: NodeJS.Timeout } = {};
    const run = await harnessRandWrite(pool, server, FILE, SIZE, jobs, seconds, seed + 101, () => {
      at.start = cpuSnapshot(server.ready.pid);
      at.timer = setTimeout(() => (at.end = cpuSnapshot(server.ready.pid)), seconds * 1000);
    });
    clearTimeout(at.timer);
    const end = at.end ?? cpuSnapshot(server.ready.pid);
    return { ...run, cpu: at.start ? cpuUse(at.start, end) : { machineBusy: 0, oursCpus: 0, othersCpus: 0 } };
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

const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;

export function formatScale(p: ScalePerf): string {
  const table = textTable(
    ['jobs', 'target', 'ops/s', '× jobs/delay', 'max WRITEs in flight', 'threads busy/started/limit', 'machine CPU busy', 'ours (CPUs)', 'others (CPUs)', 'our CPU µs/op'],
    p.rows.map((row) => {
      const rs = row.runs;
      const iops = iopsOf(row);
      const maxThreads = (f: (t: NonNullable<HarnessRun['threads']>) => number): string => String(Math.max(0, ...rs.map((r) => (r.threads ? f(r.threads) : 0))));
      const ours = median(rs.map((r) => r.cpu.oursCpus));
      return [
        String(row.jobs),
        row.target + (rs.some((r) => isServerBound(r.threads)) ? ' SERVER-BOUND' : ''),
        fmtRate(iops),
        row.target === 'no-delay' ? '-' : (iops / ideal(row.jobs)).toFixed(2),
        String(Math.max(0, ...rs.map((r) => r.maxWritesInFlight))),
        `${maxThreads((t) => t.busyMax)}/${maxThreads((t) => t.started)}/${maxThreads((t) => t.limit)}`,
        pct(median(rs.map((r) => r.cpu.machineBusy))),
        ours.toFixed(2),
        median(rs.map((r) => r.cpu.othersCpus)).toFixed(2),
        iops > 0 ? ((ours * 1e6) / iops).toFixed(1) : '-',
      ];
    }),
    { numeric: (c) => c !== 1 },
  );
  return (
    table +
    `(4 KiB O_DIRECT random pwrite, psync, one pre-sized 64 MiB file; direct and parallel: disk backend, server holds every WRITE 1 ms; ` +
    `no-delay: the control, parallel on the null backend without a delay, the most round trips this machine makes at that concurrency; ` +
    `${p.seconds}s windows after a ${LEAD_IN_SEC}s lead-in on each mount, medians of ${p.rounds} rounds in alternating order; ` +
    `server threads at most jobs + ${serverThreadsFor(0)}; our CPU = the harness process and the server together)\n` +
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
    const busy = median(par.runs.map((r) => r.cpu.machineBusy));
    const why = bound
      ? 'the server had every thread busy: server-bound'
      : ceiling > 0 && ceiling < ideal(jobs) * (1 - TOLERANCE)
        ? `without any delay this machine made only ${fmtRate(ceiling)} round trips/s at ${jobs} jobs: CPU-bound, no server could reach it here`
        : busy > 0.9
          ? `the CPUs were ${pct(busy)} busy: CPU-bound`
          : 'neither the server nor the CPUs were saturated';
    lines.push(`${jobs} jobs: ${fmtRate(got)} of ${fmtRate(ideal(jobs))} ops/s; ${why}`);
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
