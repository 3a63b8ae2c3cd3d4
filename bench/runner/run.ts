// The matrix runner: plan → one server per cell → results.json, .hgrm files, report, summary.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHost } from '../env/host.js';
import { fuseInfoFromReady } from '../env/fuse-info.js';
import { readKernelOffer } from '../env/kernel-offer.js';
import type { Lattice } from '../results/lattice-schema.js';
import { SCHEMA_VERSION, type Cell, type Probe, type Results } from '../results/schema.js';
import { toolVersion } from '../version.js';
import { forceUnmount } from '../server/mounts.js';
import { measureHarness } from './harness.js';
import { cellId, estimateMs, planMatrix, type MatrixOptions } from './matrix.js';
import { writeHgrms, writeResults } from './output.js';
import { createPool, warmPool } from './pool.js';
import { Progress } from './progress.js';
import { runCell, type RunEnv } from './run-cell.js';
import { cellLine } from './summary.js';

export interface RunOptions {
  matrix: MatrixOptions;
  outDir: string;
  /** Backing directory; a temporary one (removed afterwards) when null. */
  backing: string | null;
  /** Probes to include in results.json (run by the caller). */
  probes?: () => Promise<Probe[]>;
  measureHarness?: boolean;
  /** The flag lattice to sweep after the matrix and probes (`run --sweep`), into the same results. */
  lattice?: () => Promise<Lattice>;
  /** Set by the caller's SIGINT handler: finish the current cell, then stop. */
  stopSignal?: { stop: boolean };
  log?: (line: string) => void;
}

export async function runMatrix(o: RunOptions): Promise<{ results: Results; path: string }> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const plans = planMatrix(o.matrix);
  const work = mkdtempSync(join(tmpdir(), 'fusebench-run-'));
  const backing = o.backing ?? join(work, 'backing');
  const mountpoint = join(work, 'mnt');
  mkdirSync(backing, { recursive: true });
  mkdirSync(o.outDir, { recursive: true });

  const offer = await readKernelOffer();
  const results: Results = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'fusebench', version: toolVersion() },
    startedAt: new Date().toISOString(),
    finishedAt: null,
    interrupted: false,
    loop: 'closed',
    host: collectHost(),
    fuse: fuseInfoFromReady(offer),
    config: {
      scenarios: o.matrix.scenarios,
      modes: o.matrix.modes,
      jobs: o.matrix.jobs,
      blockSize: o.matrix.blockSize,
      durationMs: o.matrix.durationMs,
      repeats: o.matrix.repeats,
      delays: o.matrix.delays,
      backends: o.matrix.backends,
      servers: o.matrix.servers,
      engines: o.matrix.engines,
      serverThreads: o.matrix.serverThreads ?? 'per cell',
      transports: o.matrix.transports ?? ['dev'],
      backing: o.backing ?? '(temporary)',
    },
    cells: [],
    probes: [],
  };
  const maxJobs = Math.max(1, ...plans.map((p) => p.jobs));
  const pool = createPool(maxJobs);
  const env: RunEnv = { pool, backing, mountpoint, offer };
  const progress = new Progress(plans.length, plans.reduce((a, p) => a + estimateMs(p), 0));
  log(`fusebench: ${plans.length} cells, kernel ${results.host.kernelRelease}, output ${o.outDir}`);
  let path = '';
  try {
    if (maxJobs > 16) log(`fusebench: starting ${maxJobs} job threads`);
    await warmPool(pool, maxJobs);
    if (o.measureHarness !== false) results.harness = await measureHarness();
    for (const plan of plans) {
      if (o.stopSignal?.stop) {
        results.interrupted = true;
        break;
      }
      const label = cellId(plan);
      progress.start(label);
      const cell: Cell = await runCell(plan, env);
      writeHgrms(o.outDir, cell);
      results.cells.push(cell);
      progress.finish(label, estimateMs(plan), cellLine(cell));
    }
    progress.end();
    if (o.probes && !o.stopSignal?.stop) results.probes = await o.probes();
    if (o.lattice && !o.stopSignal?.stop) results.lattice = await o.lattice();
    if (o.stopSignal?.stop) results.interrupted = true;
  } finally {
    results.finishedAt = new Date().toISOString();
    path = writeResults(o.outDir, results);
    await pool.destroy();
    // Never recurse into a live mount: that would delete the backing files through it.
    forceUnmount(mountpoint, null);
    rmSync(work, { recursive: true, force: true });
  }
  return { results, path };
}
