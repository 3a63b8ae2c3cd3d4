// A scenario is one kind of load; the runner crosses it with modes, jobs, delays, backends, repeats.
import type { Piscina } from 'piscina';
import type { Backend, ModeSpec } from '../modes.js';
import type { CellCpu, OpStats, PhaseSchema, ServerOpStats, ServerThreads, TimePoint } from '../results/schema.js';
import type { MountedServer, ServerKind } from '../server/mounted.js';
import type { ServerHandle } from '../server/process.js';
import type { ReadyInfo, Transport } from '../server/types.js';
import type { Engine } from '../../workers/task.js';
import type { z } from 'zod';

export interface CellPlan {
  scenario: string;
  spec: ModeSpec;
  engine: Engine;
  /** I/Os each job keeps in flight with an async engine (libaio, io_uring); 1 for psync. */
  iodepth: number;
  jobs: number;
  blockSize: number;
  backend: Backend;
  server: ServerKind;
  /** How requests travel: /dev/fuse (absent = dev) or FUSE over io_uring (C server only). */
  transport?: Transport;
  /** Server delay spec (`write=200us`), '' for none. */
  delay: string;
  repeat: number;
  durationMs: number;
  /** The C server's --threads; absent: enough for the cell (serverThreadsFor). */
  serverThreads?: number;
}

export interface ScenarioContext {
  plan: CellPlan;
  server: MountedServer;
  /** The C server, when that is the kind running (policy changes need it). */
  cServer: ServerHandle | null;
  mountpoint: string;
  backing: string;
  pool: Piscina;
}

export interface ScenarioOutput {
  ops: Record<string, OpStats>;
  errors: Record<string, number>;
  durationNs: number;
  serverStats: Record<string, ServerOpStats>;
  /** The C server's threads over the window (absent for a server that does not report them). */
  serverThreads?: ServerThreads;
  /** Jobs whose open() failed, by errno (they still count towards `errors`). */
  openErrors?: Record<string, number>;
  timeSeries?: TimePoint[];
  phases?: Array<z.infer<typeof PhaseSchema>>;
  cpu?: CellCpu;
}

export interface Scenario {
  name: string;
  description: string;
  /** Whether the server delay axis changes anything here (read-only scenarios run with no delay). */
  usesWriteDelay: boolean;
  /** Whether its WRITEs are direct-I/O writes, so that WRITEs in flight tell the inode lock path. */
  dioWrites: boolean;
  /** Engines that make sense (the first one is the default). */
  engines: Engine[];
  /** Whether the load maps the file MAP_SHARED: only then do modes that change what mmap may do apply. */
  mapsShared: boolean;
  // Planning rules: runner/matrix.ts applies them through scenarios/planning.ts, which holds the
  // defaults of those a scenario leaves out.
  /** Whether a mode says anything about this load (default: every mode). */
  appliesTo?(spec: ModeSpec): boolean;
  /** The repeats to plan, given those asked for (default: as asked). */
  repeats?(asked: number): number;
  /** The server delays to plan, given those asked for (default: as asked if usesWriteDelay, else none). */
  delays?(asked: string[]): string[];
  /** The shortest timed window that shows what the scenario shows, whatever the plan asks. */
  minDurationMs?: number;
  /** Reason the cell cannot run on this kernel / with this mode, or null. */
  unsupported(plan: CellPlan, offer: ReadyInfo): string | null;
  /** Errors the mode rules predict (e.g. ENODEV for a shared mmap of a direct file without allow-mmap). */
  expectedErrors(plan: CellPlan): string[];
  /** The mode to mount with when the scenario needs its own (fallback), else the plan's. */
  mountSpec?(plan: CellPlan): ModeSpec;
  /** The delay to mount with when the scenario insists on one. */
  mountDelay?(plan: CellPlan): string;
  /** Creates the files the cell works on, in the backing directory, before the server starts. */
  prepare(backing: string, plan: CellPlan): void;
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}
