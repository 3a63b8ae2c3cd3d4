// Issue 3's fidelity figures: our harness against fio on the same mount and job (4 KiB O_DIRECT
// pwrite, psync, 1 and 4 jobs, direct and parallel, disk backend).
//
// Each round sandwiches our window between two fio windows: fio, ours, fio. Our figure for the round
// is against the geometric mean of its two neighbours, which cancels any drift that is linear over
// the round; the two fio windows against each other are the A/A control. It says how close fio comes
// to itself on this machine at this moment — the resolution of the whole comparison — and, since the
// second fio window always follows ours, whether our window leaves something behind that slows the
// next one. The figures are medians over rounds with a bootstrap interval (resampling rounds).
//
// Every window is preceded by an unmeasured lead-in of the same job: fio's job threads are new in
// every run, and a new thread here runs its first ~100 ms measurably slower (up to 2× at p50 for one
// job) while the scheduler learns its load; our pool's threads are old. fio's --ramp_time and a
// discarded window of ours put both tools in the same steady state before the clock starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mode } from '../modes.js';
import { createPool } from '../runner/pool.js';
import { ensureDataFile } from '../scenarios/files.js';
import { startServer } from '../server/process.js';
import { runFio } from './fio.js';
import { harnessRandWrite } from './harness-run.js';
import { median, type Goal } from './goals.js';
import { textTable } from '../text-table.js';
import { bootstrapMedianCI, DEFAULT_STATS, type RatioCI } from '../../reports/stats.js';

const FILE = 'fidelity.dat';
const SIZE = 64 << 20;
/** Two-sided: our p50 within this fraction of fio's clat p50. */
const P50_TOLERANCE = 0.05;
const IOPS_GOAL = 0.95;
const LEAD_IN_SEC = 0.2;

export interface FidelityWindow {
  iops: number;
  p50Ns: number;
}

export interface FidelityRound {
  fioBefore: FidelityWindow;
  ours: FidelityWindow;
  fioAfter: FidelityWindow;
}

export interface FidelitySummary {
  /** Ours against the geometric mean of the fio windows either side of it: median over rounds. */
  iops: RatioCI;
  p50: RatioCI;
  /** The A/A control: the fio window after ours against the one before it. */
  fioSelfIops: RatioCI;
  fioSelfP50: RatioCI;
  /** Medians over all windows of each tool, for the table. */
  fioIops: number;
  oursIops: number;
  fioP50Ns: number;
  oursP50Ns: number;
}

export interface FidelityRow {
  mode: Mode;
  jobs: number;
  rounds: FidelityRound[];
  summary: FidelitySummary;
}

export async function perfFidelity(seconds: number, rounds: number, log: (s: string) => void): Promise<{ rows: FidelityRow[]; goals: Goal[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-fidelity-'));
  const backing = join(dir, 'backing');
  const pool = createPool(4);
  const rows: FidelityRow[] = [];
  try {
    ensureDataFile(backing, FILE, SIZE);
    for (const mode of ['direct', 'parallel'] as const) {
      const server = await startServer({ backing, mountpoint: join(dir, 'mnt'), mode, backend: 'disk' });
      try {
        for (const jobs of [1, 4]) {
          const fio = (): FidelityWindow => {
            const f = runFio({ filename: join(server.mountpoint, FILE), rw: 'randwrite', bs: 4096, direct: true, numjobs: jobs, runtimeSec: seconds, rampSec: LEAD_IN_SEC, size: SIZE, thread: true });
            return { iops: f.iops, p50Ns: f.clatP50Ns };
          };
          const ours = async (): Promise<FidelityWindow> => {
            await harnessRandWrite(pool, server, FILE, SIZE, jobs, LEAD_IN_SEC);
            const h = await harnessRandWrite(pool, server, FILE, SIZE, jobs, seconds);
            return { iops: h.iops, p50Ns: h.p50Ns };
          };
          // Round 0 warms up the server's threads, the pool's workers and the file's pages; it is dropped.
          const kept: FidelityRound[] = [];
          for (let r = 0; r <= rounds; r++) {
            log(`${mode}, ${jobs} job(s), ${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}`);
            const fioBefore = fio();
            const o = await ours();
            const fioAfter = fio();
            if (r > 0) kept.push({ fioBefore, ours: o, fioAfter });
          }
          rows.push({ mode, jobs, rounds: kept, summary: summarizeFidelity(kept, `${mode}/${jobs}`) });
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await pool.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, goals: rows.flatMap(fidelityGoals) };
}

export function summarizeFidelity(rounds: FidelityRound[], salt: string): FidelitySummary {
  const ci = (xs: number[], what: string): RatioCI => bootstrapMedianCI(xs, DEFAULT_STATS, `${salt}/${what}`);
  const vsNeighbours = (k: keyof FidelityWindow): number[] => rounds.map((r) => r.ours[k] / Math.sqrt(r.fioBefore[k] * r.fioAfter[k]));
  const aa = (k: keyof FidelityWindow): number[] => rounds.map((r) => r.fioAfter[k] / r.fioBefore[k]);
  const fioAll = (k: keyof FidelityWindow): number[] => rounds.flatMap((r) => [r.fioBefore[k], r.fioAfter[k]]);
  return {
    iops: ci(vsNeighbours('iops'), 'iops'),
    p50: ci(vsNeighbours('p50Ns'), 'p50'),
    fioSelfIops: ci(aa('iops'), 'aa-iops'),
    fioSelfP50: ci(aa('p50Ns'), 'aa-p50'),
    fioIops: median(fioAll('iops')),
    oursIops: median(rounds.map((r) => r.ours.iops)),
    fioP50Ns: median(fioAll('p50Ns')),
    oursP50Ns: median(rounds.map((r) => r.ours.p50Ns)),
  };
}

// One round has no spread to resample (--rounds 1): the ratio alone, no interval.
const fmtCI = (c: RatioCI): string =>
  Number.isFinite(c.low) && Number.isFinite(c.high) ? `${c.ratio.toFixed(3)} [${c.low.toFixed(3)}, ${c.high.toFixed(3)}]` : `${c.ratio.toFixed(3)} [no interval]`;

export function fidelityGoals(row: FidelityRow): Goal[] {
  const s = row.summary;
  const name = `${row.mode} ${row.jobs} job(s)`;
  return [
    {
      name: `${name}: our IOPS / fio IOPS`,
      ratio: s.iops.ratio,
      goal: IOPS_GOAL,
      pass: s.iops.ratio >= IOPS_GOAL,
      shown: `${fmtCI(s.iops)} (goal ≥ ${IOPS_GOAL}×; fio against itself ${fmtCI(s.fioSelfIops)})`,
    },
    {
      name: `${name}: our p50 / fio clat p50`,
      ratio: s.p50.ratio,
      goal: P50_TOLERANCE,
      pass: Math.abs(s.p50.ratio - 1) <= P50_TOLERANCE,
      shown: `${fmtCI(s.p50)} (goal within ${P50_TOLERANCE * 100} %; fio against itself ${fmtCI(s.fioSelfP50)})`,
    },
  ];
}

export function formatFidelity(rows: FidelityRow[], seconds: number, rounds: number): string {
  const us = (ns: number): string => (ns / 1000).toFixed(2);
  return (
    textTable(
      ['mode', 'jobs', 'fio IOPS', 'ours IOPS', 'ours/fio [95 % CI]', 'fio/fio (A/A)', 'fio p50 µs', 'ours p50 µs', 'ours/fio [95 % CI]', 'fio/fio (A/A)'],
      rows.map(({ mode, jobs, summary: s }) => [
        mode,
        String(jobs),
        s.fioIops.toFixed(0),
        s.oursIops.toFixed(0),
        fmtCI(s.iops),
        fmtCI(s.fioSelfIops),
        us(s.fioP50Ns),
        us(s.oursP50Ns),
        fmtCI(s.p50),
        fmtCI(s.fioSelfP50),
      ]),
    ) +
    `(4 KiB O_DIRECT random pwrite, psync, disk backend, same mount and file; fio jobs as threads (--thread) like our workers; p50 is fio's clat p50.\n` +
    ` ${rounds} rounds of three ${seconds}s windows, each after a ${LEAD_IN_SEC}s unmeasured lead-in (fio --ramp_time): fio, ours, fio. ours/fio: ours against the geometric mean of its two neighbours; fio/fio: the second fio window against the first.\n` +
    ` Medians over rounds, with a 95 % bootstrap interval; an A/A interval as wide as the goal means this machine cannot resolve the goal right now: rerun.)\n`
  );
}
