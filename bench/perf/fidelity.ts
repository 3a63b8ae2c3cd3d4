// Issue 3's figures: our harness against fio on the same mount and job (4 KiB O_DIRECT pwrite,
// psync, 1 and 4 jobs, direct and parallel, disk backend), alternating who goes first.
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

const FILE = 'fidelity.dat';
const SIZE = 64 << 20;

export interface FidelityRow {
  mode: Mode;
  jobs: number;
  fioIops: number[];
  oursIops: number[];
  fioP50: number[];
  oursP50: number[];
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
          const row: FidelityRow = { mode, jobs, fioIops: [], oursIops: [], fioP50: [], oursP50: [] };
          for (let r = 0; r < rounds; r++) {
            log(`${mode}, ${jobs} job(s), round ${r + 1}/${rounds}`);
            const fio = (): void => {
              const f = runFio({ filename: join(server.mountpoint, FILE), rw: 'randwrite', bs: 4096, direct: true, numjobs: jobs, runtimeSec: seconds, size: SIZE, thread: true });
              row.fioIops.push(f.iops);
              row.fioP50.push(f.clatP50Ns);
            };
            const ours = async (): Promise<void> => {
              const h = await harnessRandWrite(pool, server, FILE, SIZE, jobs, seconds);
              row.oursIops.push(h.iops);
              row.oursP50.push(h.p50Ns);
            };
            if (r % 2 === 0) {
              fio();
              await ours();
            } else {
              await ours();
              fio();
            }
          }
          rows.push(row);
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await pool.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const goals: Goal[] = [];
  for (const r of rows) {
    const { iopsRatio, p50Ratio } = pairedRatios(r);
    goals.push({ name: `${r.mode} ${r.jobs} job(s): our IOPS / fio IOPS`, ratio: iopsRatio, goal: 0.95, pass: iopsRatio >= 0.95 });
    // "within 5 %" is two-sided: report it as closeness, 1 - |ratio - 1|.
    goals.push({ name: `${r.mode} ${r.jobs} job(s): p50 closeness to fio clat p50 (ours/fio = ${p50Ratio.toFixed(3)})`, ratio: 1 - Math.abs(p50Ratio - 1), goal: 0.95, pass: Math.abs(p50Ratio - 1) <= 0.05 });
  }
  return { rows, goals };
}

/**
 * Each round runs fio and our harness back to back, so a round's ratio compares two windows a few
 * seconds apart; the median of the per-round ratios cancels the slow load swings of a shared machine
 * that a ratio of overall medians would keep.
 */
export function pairedRatios(r: FidelityRow): { iopsRatio: number; p50Ratio: number } {
  const n = Math.min(r.fioIops.length, r.oursIops.length);
  const iops = Array.from({ length: n }, (_, i) => r.oursIops[i]! / r.fioIops[i]!);
  const p50 = Array.from({ length: n }, (_, i) => r.oursP50[i]! / r.fioP50[i]!);
  return { iopsRatio: median(iops), p50Ratio: median(p50) };
}

export function formatFidelity(rows: FidelityRow[], seconds: number, rounds: number): string {
  return (
    textTable(
      ['mode', 'jobs', 'fio IOPS', 'ours IOPS', 'ratio', 'fio clat p50 µs', 'ours p50 µs', 'ratio'],
      rows.map((r) => {
        const { iopsRatio, p50Ratio } = pairedRatios(r);
        return [
          r.mode,
          String(r.jobs),
          median(r.fioIops).toFixed(0),
          median(r.oursIops).toFixed(0),
          iopsRatio.toFixed(3),
          (median(r.fioP50) / 1000).toFixed(2),
          (median(r.oursP50) / 1000).toFixed(2),
          p50Ratio.toFixed(3),
        ];
      }),
    ) + `(4 KiB O_DIRECT random pwrite, psync, disk backend, same mount and file; fio jobs as threads (--thread) like our workers; ${seconds}s windows; ratios are medians of per-round ratios over ${rounds} back-to-back rounds, alternating who goes first)\n`
  );
}
