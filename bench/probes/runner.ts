// Runs probes one after another on fresh mounts. A probe that throws or hangs is a `fail` with what
// happened in `observed`, never a crash of the table; its servers are always stopped (stacked mounts
// top first) and its temporary directories removed only once nothing is mounted there.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { isEmulated } from '../env/host.js';
import { readKernelOffer } from '../env/kernel-offer.js';
import type { Probe } from '../results/schema.js';
import { forceUnmount, isMounted, readMounts } from '../server/mounts.js';
import { startServer } from '../server/process.js';
import type { ReadyInfo } from '../server/types.js';
import { createPool } from '../runner/pool.js';
import { PROBES } from './catalogue.js';
import type { MountRequest, ProbeContext, ProbeDef, ProbeMount, ProbeOutcome } from './types.js';
import { WRITERS } from './writers.js';

/**
 * A probe that has not finished by then is aborted (its servers' connections are cut). Under a CPU
 * emulator (a `kernels run` guest under TCG) everything runs several times slower, and the first probe
 * that writes also pays for starting the worker pool: 30 s aborted it now and then, a false `fail`
 * that made the same kernel differ from itself.
 */
const PROBE_TIMEOUT_MS = isEmulated() ? 120_000 : 30_000;

export interface SuiteOptions {
  only?: string[];
  log?: (s: string) => void;
  /** Probe definitions to run instead of the catalogue (tests use this to break an expectation). */
  probes?: readonly ProbeDef[];
}

export interface SuiteResult {
  /** INIT of a plain server, or null when none could be mounted. */
  offer: ReadyInfo | null;
  offerError: string | null;
  probes: Probe[];
  durationMs: number;
}

export class UnknownProbeError extends Error {}

export function selectProbes(all: readonly ProbeDef[], only: string[] | undefined): ProbeDef[] {
  if (!only || only.length === 0) return [...all];
  const unknown = only.filter((id) => !all.some((p) => p.id === id));
  if (unknown.length > 0) {
    throw new UnknownProbeError(`unknown probe id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${all.map((p) => p.id).join(', ')})`);
  }
  return all.filter((p) => only.includes(p.id));
}

const clip = (s: string, n: number): string => (s.length <= n ? s : s.slice(0, n - 1) + '…');

function toProbe(def: ProbeDef, o: ProbeOutcome): Probe {
  return {
    id: def.id,
    rule: clip(def.rule, 1024),
    expected: clip(o.expected, 1024),
    observed: clip(o.observed, 4096),
    verdict: o.verdict,
    changedIn: def.changedIn,
    reason: o.reason === undefined || o.reason === null ? null : clip(o.reason, 4096),
  };
}

function unsupported(def: ProbeDef, reason: string): Probe {
  return toProbe(def, { expected: '-', observed: '-', verdict: 'unsupported', reason });
}

/**
 * Temporary directories of probes still running. If the process exits mid-probe (Ctrl-C), the server
 * registry's exit hook (registered earlier, so it runs first) unmounts; this one then removes the
 * directories that have nothing mounted below them any more.
 */
const liveDirs = new Set<string>();
let exitHooked = false;

function removeLiveDirsSync(): void {
  const mounts = readMounts();
  for (const dir of liveDirs) {
    if (!mounts.some((m) => m.target.startsWith(dir + '/'))) rmSync(dir, { recursive: true, force: true });
  }
  liveDirs.clear();
}

/** Mounts of one probe: created on demand, stopped in reverse order. */
class Scope {
  private readonly mounts: ProbeMount[] = [];
  private readonly stopped = new Set<ProbeMount>();
  private n = 0;
  private closed = false;
  constructor(readonly dir: string) {
    liveDirs.add(dir);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', removeLiveDirsSync);
    }
  }

  async mount(req: MountRequest): Promise<ProbeMount> {
    // A probe that timed out may still be running: it must not mount after its scope was torn down.
    if (this.closed) throw new Error('probe scope already closed');
    const i = this.n++;
    const { prepare, backing: given, ...opts } = req;
    const backing = given ?? join(this.dir, `backing${i}`);
    const mnt = join(this.dir, `mnt${i}`);
    if (!given) {
      mkdirSync(backing, { recursive: true });
      prepare?.(backing);
    }
    const server = await startServer({ readyTimeoutMs: 10_000, ...opts, backing, mountpoint: mnt });
    const m: ProbeMount = { server, mnt, backing, path: (name) => join(mnt, name) };
    this.mounts.push(m);
    return m;
  }

  async unmount(m: ProbeMount): Promise<void> {
    if (this.stopped.has(m)) return;
    this.stopped.add(m);
    await m.server.stop();
  }

  async close(): Promise<string[]> {
    this.closed = true;
    const problems: string[] = [];
    for (const m of [...this.mounts].reverse()) {
      try {
        await this.unmount(m);
      } catch (e) {
        problems.push(`stopping ${m.mnt}: ${(e as Error).message}`);
      }
      if (isMounted(m.mnt)) forceUnmount(m.mnt, m.server.ready.connection);
    }
    const left = this.mounts.filter((m) => isMounted(m.mnt));
    // Never recurse into a live mount: that would delete the backing files through it.
    if (left.length === 0) {
      rmSync(this.dir, { recursive: true, force: true });
      liveDirs.delete(this.dir);
    } else problems.push(`still mounted: ${left.map((m) => m.mnt).join(', ')}`);
    return problems;
  }
}

async function runOne(def: ProbeDef, offer: ReadyInfo, pool: () => Promise<Piscina>, log: (s: string) => void): Promise<Probe> {
  const why = def.unsupported?.(offer) ?? null;
  if (why) return unsupported(def, why);
  const scope = new Scope(mkdtempSync(join(tmpdir(), `fusebench-probe-${process.pid}-${def.id}-`)));
  const ctx: ProbeContext = {
    offer,
    pool,
    mount: (r) => scope.mount(r),
    unmount: (m) => scope.unmount(m),
    log,
  };
  let timer: NodeJS.Timeout | undefined;
  let outcome: ProbeOutcome;
  try {
    const running = def.run(ctx);
    running.catch(() => undefined);
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`probe did not finish within ${PROBE_TIMEOUT_MS / 1000} s (aborted)`)), PROBE_TIMEOUT_MS);
    });
    outcome = await Promise.race([running, timeout]);
  } catch (e) {
    const err = e as Error;
    outcome = { expected: 'the rule holds', observed: `error: ${err.message}`, verdict: 'fail' };
  } finally {
    clearTimeout(timer);
  }
  const problems = await scope.close();
  if (problems.length > 0) {
    outcome = { ...outcome, verdict: 'fail', observed: `${outcome.observed}; cleanup: ${problems.join('; ')}` };
  }
  return toProbe(def, outcome);
}

export async function runProbeSuite(o: SuiteOptions = {}): Promise<SuiteResult> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const defs = selectProbes(o.probes ?? PROBES, o.only);
  let offer: ReadyInfo | null = null;
  let offerError: string | null = null;
  try {
    offer = await readKernelOffer();
  } catch (e) {
    offerError = (e as Error).message;
  }
  const probes: Probe[] = [];
  if (offer === null) {
    for (const d of defs) probes.push(unsupported(d, `cannot mount a test server: ${offerError ?? 'unknown error'}`));
    return { offer, offerError, probes, durationMs: Date.now() - t0 };
  }
  let pool: Piscina | null = null;
  const getPool = async (): Promise<Piscina> => (pool ??= createPool(WRITERS));
  try {
    for (const d of defs) {
      const t = Date.now();
      const p = await runOne(d, offer, getPool, log);
      probes.push(p);
      log(`probe ${p.id}: ${p.verdict}${p.verdict === 'unsupported' ? ` (${p.reason ?? ''})` : ''} [${((Date.now() - t) / 1000).toFixed(1)} s]`);
    }
  } finally {
    if (pool) await (pool as Piscina).destroy();
  }
  return { offer, offerError, probes, durationMs: Date.now() - t0 };
}
