// One cell: fresh server (no iomode state leaks between cells), prepared files, the scenario's timed
// window, then the server is stopped and unmounted whatever happened.
import type { Piscina } from 'piscina';
import type { Cell } from '../results/schema.js';
import { scenarioByName } from '../scenarios/index.js';
import type { CellPlan, ScenarioOutput } from '../scenarios/types.js';
import { startServer, type ServerHandle } from '../server/process.js';
import type { MountedServer } from '../server/mounted.js';
import type { ReadyInfo } from '../server/types.js';
import { isServerBound, serverPoolFor } from '../server/threads.js';
import { lockVerdict } from './collect.js';
import { cellId } from './matrix.js';
import type { ModeSpec } from '../modes.js';

export interface RunEnv {
  pool: Piscina;
  backing: string;
  mountpoint: string;
  offer: ReadyInfo;
  /** Starts the JavaScript (fuse-native) server kind; null when that kind is not available. */
  startFuseNative?: (o: { backing: string; mountpoint: string; mode: 'cached' | 'direct'; delay: string }) => Promise<MountedServer>;
  fuseNativeUnsupported?: (mode: string) => string | null;
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
function transportUnsupported(plan: CellPlan, offer: ReadyInfo): string | null {
  if ((plan.transport ?? 'dev') === 'dev') return null;
  if (plan.server !== 'c') return `the ${plan.server} server has no io_uring transport`;
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

  const why = transportUnsupported(plan, env.offer) ?? scenario.unsupported(plan, env.offer) ?? (plan.server === 'fuse-native' ? (env.fuseNativeUnsupported?.(plan.spec.label) ?? (env.startFuseNative ? null : 'fuse-native server kind not available')) : null);
  if (why) return { ...unsupportedCell(plan, why), ...base };

  scenario.prepare(env.backing, plan);
  let server: MountedServer | null = null;
  let cServer: ServerHandle | null = null;
  let out: ScenarioOutput | null = null;
  let failure: string | null = null;
  let transportFailure: string | null = null;
  try {
    if (plan.server === 'c') {
      cServer = await startServer({
        backing: env.backing,
        mountpoint: env.mountpoint,
        mode: mountSpec.mode,
        fopen: mountSpec.fopen,
        init: mountSpec.init,
        delay,
        backend: plan.backend,
        // Each job blocks in one request at a time; the pool must never be what limits the cell.
        ...serverPoolFor(plan.jobs, plan.serverThreads),
        ...(plan.transport ? { transport: plan.transport } : {}),
      });
      server = cServer;
      const t = cServer.ready.transport;
      if (plan.transport === 'uring' && t?.active !== true) transportFailure = t?.reason ?? 'the server does not report its transport';
    } else {
      server = await env.startFuseNative!({
        backing: env.backing,
        mountpoint: env.mountpoint,
        mode: plan.spec.mode === 'direct' ? 'direct' : 'cached',
        delay,
      });
    }
    if (!transportFailure) out = await scenario.run({ plan, server, cServer, mountpoint: env.mountpoint, backing: env.backing, pool: env.pool });
  } catch (e) {
    failure = (e as Error).message;
  } finally {
    if (server) {
      const exit = await cServer?.stop();
      if (!cServer) await server.stop();
      if (exit && exit.reason === 'crashed' && !failure) failure = `server crashed: ${cServer?.stderr().slice(-500) ?? ''}`;
    }
  }
  if (transportFailure && !failure) return { ...unsupportedCell(plan, `io_uring transport unavailable: ${transportFailure}`), ...base };
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
