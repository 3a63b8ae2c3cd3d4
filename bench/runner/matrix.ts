// Expands run options into the list of cells. Each scenario says which modes, delays and repeats it
// takes (its planning rules, applied with their defaults by scenarios/planning.ts): no scenario is named here.
import { parseModeSpec, type Backend } from '../modes.js';
import { SCENARIOS, scenarioByName } from '../scenarios/index.js';
import { modeApplies, plannedDelays, plannedRepeats, windowMs } from '../scenarios/planning.js';
import type { CellPlan, Scenario } from '../scenarios/types.js';
import type { ServerKind } from '../server/mounted.js';
import type { Transport } from '../server/types.js';
import { depthFor, type Engine } from '../../workers/task.js';

export interface MatrixOptions {
  scenarios: string[];
  modes: string[];
  jobs: number[];
  blockSize: number;
  durationMs: number;
  repeats: number;
  delays: string[];
  backends: Backend[];
  servers: ServerKind[];
  engines: Engine[] | null;
  /** In-flight I/Os per job for libaio and io_uring. */
  iodepth: number;
  /** Caps the C server's threads in every cell (to see a server-bound cell); absent: enough for each cell. */
  serverThreads?: number;
  /** Server transports: /dev/fuse and/or FUSE over io_uring (absent: /dev/fuse only). */
  transports?: Transport[];
}

const ALL_MODES = ['cached', 'direct', 'parallel', 'passthrough', 'passthrough-direct', 'passthrough-parallel'];

/** `npm run bench`: every scenario and mode, 4 jobs, with and without a write delay — ≤ 3 minutes here. */
export const DEFAULT_PRESET: MatrixOptions = {
  scenarios: SCENARIOS.map((s) => s.name),
  modes: [...ALL_MODES, 'direct+allow-mmap'],
  jobs: [4],
  blockSize: 4096,
  durationMs: 700,
  repeats: 3,
  delays: ['', 'write=200us'],
  backends: ['disk'],
  servers: ['c'],
  engines: null,
  iodepth: 8,
  transports: ['dev'],
};

/** `--quick`: one repeat, short windows, the delay that shows the lock — ≤ 60 s. */
export const QUICK_PRESET: MatrixOptions = {
  ...DEFAULT_PRESET,
  modes: [...ALL_MODES],
  durationMs: 300,
  repeats: 1,
  delays: ['write=200us'],
};

/** `--full`: every axis. */
export const FULL_PRESET: MatrixOptions = {
  ...DEFAULT_PRESET,
  modes: [...ALL_MODES, 'direct+allow-mmap', 'parallel+allow-mmap', 'direct+async-dio', 'parallel+async-dio', 'cached+writeback'],
  jobs: [1, 4, 8],
  durationMs: 2000,
  delays: ['', 'write=200us'],
  backends: ['disk', 'null'],
  engines: ['psync', 'libaio'],
};

/** The cells of a run; `catalogue` is where scenario names are looked up (the tests plug in their own). */
export function planMatrix(o: MatrixOptions, catalogue: readonly Scenario[] = SCENARIOS): CellPlan[] {
  const cells: CellPlan[] = [];
  for (const name of o.scenarios) {
    const s = catalogue.find((x) => x.name === name);
    if (!s) throw new Error(`unknown scenario "${name}" (known: ${catalogue.map((x) => x.name).join(', ')})`);
    const delays = plannedDelays(s, o.delays);
    const engines = (o.engines ?? [s.engines[0]!]).filter((e) => s.engines.includes(e));
    const repeats = plannedRepeats(s, o.repeats);
    for (const m of o.modes) {
      const spec = parseModeSpec(m);
      if (!modeApplies(s, spec)) continue;
      for (const engine of engines.length > 0 ? engines : [s.engines[0]!]) {
        for (const jobs of o.jobs) {
          for (const backend of o.backends) {
            for (const server of o.servers) {
              for (const delay of delays) {
                for (let repeat = 0; repeat < repeats; repeat++) {
                  // Transports innermost: the two of a pair run back to back, under the same load.
                  for (const transport of o.transports ?? ['dev' as const]) {
                    cells.push({
                      scenario: s.name,
                      spec,
                      engine,
                      iodepth: depthFor(engine, o.iodepth),
                      jobs,
                      blockSize: o.blockSize,
                      backend,
                      server,
                      transport,
                      delay,
                      repeat,
                      durationMs: o.durationMs,
                      ...(o.serverThreads !== undefined ? { serverThreads: o.serverThreads } : {}),
                    });
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return cells;
}

export function cellKey(p: CellPlan): string {
  const mode = [p.spec.label, ...p.spec.init].join('+');
  const engine = p.iodepth > 1 ? `${p.engine}-qd${p.iodepth}` : p.engine;
  // The transport shows only when it is not /dev/fuse, so keys of earlier results stay the same.
  const transport = p.transport && p.transport !== 'dev' ? `/${p.transport}` : '';
  return `${p.scenario}/${mode}/${engine}/j${p.jobs}/bs${p.blockSize}/${p.backend}/${p.server}/${p.delay === '' ? 'nodelay' : p.delay}${transport}`;
}

export function cellId(p: CellPlan): string {
  return `${cellKey(p)}/r${p.repeat}`;
}

/** Rough wall time of a cell, for the ETA before the first cells have run. */
export function estimateMs(p: CellPlan): number {
  const setup = 350;
  const s = scenarioByName(p.scenario);
  return setup + (s ? windowMs(s, p) : p.durationMs);
}
