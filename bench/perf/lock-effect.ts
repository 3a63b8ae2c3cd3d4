// Issue 3's lock figure: 8 writers with every WRITE held 1 ms by the server — the shared path
// should approach 8× the exclusive one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '../runner/pool.js';
import { ensureDataFile } from '../scenarios/files.js';
import { startServer } from '../server/process.js';
import { harnessRandWrite, type HarnessRun } from './harness-run.js';
import { median, type Goal } from './goals.js';
import { textTable } from '../text-table.js';

const FILE = 'lock.dat';
const SIZE = 64 << 20;
const JOBS = 8;

export async function perfLockEffect(seconds: number, rounds: number, log: (s: string) => void): Promise<{ runs: Record<string, HarnessRun[]>; goals: Goal[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-lock-'));
  const backing = join(dir, 'backing');
  const pool = createPool(JOBS);
  const runs: Record<string, HarnessRun[]> = { direct: [], parallel: [] };
  try {
    ensureDataFile(backing, FILE, SIZE);
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? (['direct', 'parallel'] as const) : (['parallel', 'direct'] as const)) {
        log(`${mode}, round ${r + 1}/${rounds}`);
        const server = await startServer({ backing, mountpoint: join(dir, 'mnt'), mode, delay: 'write=1ms', backend: 'null' });
        try {
          runs[mode]!.push(await harnessRandWrite(pool, server, FILE, SIZE, JOBS, seconds));
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await pool.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const ratio = median(runs['parallel']!.map((x) => x.iops)) / median(runs['direct']!.map((x) => x.iops));
  return { runs, goals: [{ name: 'parallel vs direct throughput, 8 writers, write=1ms', ratio, goal: 6, pass: ratio >= 6 }] };
}

export function formatLockEffect(runs: Record<string, HarnessRun[]>, seconds: number): string {
  return (
    textTable(
      ['mode', 'IOPS', 'p50 µs', 'p99 µs', 'max WRITEs in flight'],
      Object.entries(runs).map(([m, rs]) => [
        m,
        median(rs.map((x) => x.iops)).toFixed(0),
        (median(rs.map((x) => x.p50Ns)) / 1000).toFixed(0),
        (median(rs.map((x) => x.p99Ns)) / 1000).toFixed(0),
        String(Math.max(...rs.map((x) => x.maxWritesInFlight))),
      ]),
    ) + `(8 jobs, 4 KiB O_DIRECT random pwrite, server holds each WRITE 1 ms, null backend, ${seconds}s windows)\n`
  );
}
