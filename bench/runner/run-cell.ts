// One cell: fresh server (no iomode state leaks between cells), prepared files, the scenario's timed
// window, then the server is stopped and unmounted whatever happened.
import type { Piscina } from 'piscina';
import type { Cell } from '../results/schema.js';
import { scenarioByName } from '../scenarios/index.js';
import type { CellPlan, ScenarioOutput } from '../scenarios/types.js';
import { SERVER_KINDS, type ServerKindOps, type StartedServer } from '../server/kinds.js';
import type { ReadyInfo } from '../server/types.js';
import { isServerBound, serverPoolFor } from '../server/threads.js';
import { lockVerdict } from './collect.js';
import { cellId } from './matrix.js';
import { specLabel, type ModeSpec } from '../modes.js';

export interface RunEnv {
  pool: Piscina;
  backing: string;
  mountpoint: string;
  offer: ReadyInfo;
}

function baseCell(plan: CellPlan, mountSpec: ModeSpec): Omit<Cell, 'status' | 'reason' | 'lockPath' | 'ops' | 'serverStats' | 'errors' | 'durationNs'> {
  return {
    id: cellId(plan),
    scenario: plan.scenario,
    mode: plan.spec.label,
    fopen: [...mountSpec.fopen],
    init: [...mountSpec.init],
    engine: plan.engine,
    iodepth: plan.iodepth,
    jobs: plan.jobs,
    blockSize: plan.blockSize,
    backend: plan.backend,
    server: plan.server,
    transport: plan.transport ?? 'dev',
    delay: plan.delay === '' ? 'none' : plan.delay,
    repeat: plan.repeat,
  };
}

export function unsupportedCell(plan: CellPlan, reason: string): Cell {
  return {
    ...baseCell(plan, plan.spec),
    durationNs: 0,
    status: 'unsupported',
    reason,
    lockPath: 'n/a',
    ops: {},
    serverStats: {},
    errors: {},
  };
}

/** Why a uring cell cannot run, decided before mounting from the server kind and the INIT offer. */
function transportUnsupported(plan: CellPlan, kind: ServerKindOps, offer: ReadyInfo): string | null {
  const transport = plan.transport ?? 'dev';
  if (transport === 'dev') return null;
  if (!kind.transports.includes(transport)) return `the ${plan.server} server has no io_uring transport`;
  if (!offer.init.offered.includes('OVER_IO_URING')) {
    return 'the kernel did not offer FUSE_OVER_IO_URING at INIT (enable_uring is N or fuse lacks CONFIG_FUSE_IO_URING; fusebench run --enable-uring sets it for the run)';
  }
  return null;
}

export async function runCell(plan: CellPlan, env: RunEnv): Promise<Cell> {
  const scenario = scenarioByName(plan.scenario);
  if (!scenario) throw new Error(`unknown scenario ${plan.scenario}`);
  const mountSpec = scenario.mountSpec?.(plan) ?? plan.spec;
  const delay = scenario.mountDelay?.(plan) ?? plan.delay;
  const base = baseCell(plan, mountSpec);
  if (delay !== plan.delay) base.delay = delay;

  const kind = SERVER_KINDS[plan.server];
  const why = transportUnsupported(plan, kind, env.offer) ?? scenario.unsupported(plan, env.offer) ?? kind.modeUnsupported(specLabel(plan.spec));
  if (why) return { ...unsupportedCell(plan, why), ...base };

  scenario.prepare(env.backing, plan);
  let started: StartedServer | null = null;
  let out: ScenarioOutput | null = null;
  let failure: string | null = null;
  try {
    started = await kind.start({
      backing: env.backing,
      mountpoint: env.mountpoint,
      spec: mountSpec,
      delay,
      ...(plan.transport ? { transport: plan.transport } : {}),
      // Each job blocks in one request at a time; the pool must never be what limits the cell.
      c: { backend: plan.backend, ...serverPoolFor(plan.jobs, plan.serverThreads) },
    });
    if (!started.unavailable) {
      out = await scenario.run({ plan, server: started.server, cServer: started.c, mountpoint: env.mountpoint, backing: env.backing, pool: env.pool });
    }
  } catch (e) {
    failure = (e as Error).message;
  } finally {
    const crash = await started?.stop();
    if (crash && !failure) failure = crash;
  }
  const transportFailure = started?.unavailable ?? null;
  if (transportFailure && !failure) return { ...unsupportedCell(plan, transportFailure), ...base };
  if (!out) {
    return { ...base, durationNs: 0, status: 'error', reason: failure ?? 'no result', lockPath: 'n/a', ops: {}, serverStats: {}, errors: {} };
  }
  const expected = scenario.expectedErrors(plan);
  const observed = Object.keys(out.errors);
  let status: Cell['status'] = 'ok';
  let reason: string | null = failure;
  const totalOps = Object.values(out.ops).reduce((a, o) => a + o.count, 0);
  if (expected.length > 0) {
    if (observed.some((e) => expected.includes(e)) && totalOps === 0) {
      status = 'unsupported';
      for (const [op, o] of Object.entries(out.ops)) if (o.count === 0) delete out.ops[op];
      reason = `${expected.join(', ')} as the mode rules predict (docs/kernel-fuse.md "mmap rules")`;
    } else {
      reason = `expected ${expected.join(', ')} but the operation ${totalOps > 0 ? 'succeeded' : `failed with ${observed.join(', ') || 'nothing'}`}`;
      status = 'error';
    }
  } else if (totalOps === 0) {
    status = 'error';
    reason = `no operation completed${observed.length ? `: ${observed.map((e) => `${e}×${out!.errors[e]}`).join(', ')}` : ''}`;
  }
  return {
    ...base,
    durationNs: out.durationNs,
    status,
    reason,
    // WRITEs from mmap writeback say nothing about the direct-I/O lock.
    lockPath: scenario.dioWrites ? lockVerdict(out.serverStats, plan.jobs) : 'n/a',
    ops: out.ops,
    serverStats: out.serverStats,
    errors: out.errors,
    ...(expected.length > 0 ? { expectedErrors: expected } : {}),
    ...(out.timeSeries ? { timeSeries: out.timeSeries } : {}),
    ...(out.phases ? { phases: out.phases } : {}),
    ...(out.serverThreads ? { serverThreads: out.serverThreads, serverBound: isServerBound(out.serverThreads) } : {}),
    ...(out.cpu ? { cpu: out.cpu } : {}),
  };
}
