// `fusebench verify`: every requested mode on every requested server kind, each on a fresh mount in
// its own temporary directory, always unmounted and removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { specLabel, type ModeSpec } from '../modes.js';
import { Progress } from '../runner/progress.js';
import { forceUnmount, isMounted } from '../server/mounts.js';
import type { MountedServer, ServerKind } from '../server/mounted.js';
import { DEFAULT_CONFIG, type GeneratorConfig } from './generate.js';
import { mountForVerify } from './mount.js';
import { runSession } from './session.js';
import type { ModeRun, VerifyReport } from './types.js';

export interface VerifyOptions {
  specs: ModeSpec[];
  servers: ServerKind[];
  ops: number;
  seed: number;
  /** Self-test: the C server corrupts its Nth READ reply with data. */
  corruptRead?: number;
  /** Run the AddressSanitizer build of the C server (tests). */
  asan?: boolean;
  config?: GeneratorConfig;
  /** Whole-file check after every this many ops (default 256). */
  checkEvery?: number;
  /** Set by a SIGINT handler: the current run stops at its next yield, later ones do not start. */
  stopSignal?: { stop: boolean };
}

/** Rough cost per op on this kind of machine, only for the ETA. */
const MS_PER_OP = 1;

function summary(r: ModeRun): string {
  if (r.status === 'unsupported') return `unsupported: ${r.reason ?? ''}`;
  const base = `${r.executed} ops run, ${r.skipped} skipped, ${r.readsChecked} reads checked`;
  return r.status === 'pass' ? `pass (${base})` : `${r.status.toUpperCase()}: ${r.reason ?? ''} (${base})`;
}

async function maxWritesInFlight(server: MountedServer): Promise<number | null> {
  try {
    return (await server.stats())?.ops['WRITE']?.maxInFlightPerInode ?? null;
  } catch {
    return null;
  }
}

async function runOne(o: VerifyOptions, spec: ModeSpec, server: ServerKind, progress: Progress): Promise<ModeRun> {
  const label = specLabel(spec);
  const started = Date.now();
  const base: ModeRun = {
    mode: label,
    init: [...spec.init],
    server,
    status: 'unsupported',
    reason: null,
    seed: o.seed,
    ops: o.ops,
    drawn: 0,
    executed: 0,
    skipped: 0,
    readsChecked: 0,
    bytesChecked: 0,
    classes: {},
    negotiated: null,
    serverMaxWritesInFlight: null,
    serverExit: null,
    durationMs: 0,
    failure: null,
  };
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-verify-'));
  const backing = join(dir, 'backing');
  const mountpoint = join(dir, 'mnt');
  try {
    const outcome = await mountForVerify({
      server,
      spec,
      backing,
      mountpoint,
      ...(o.corruptRead !== undefined ? { corruptRead: o.corruptRead } : {}),
      ...(o.asan ? { asan: true } : {}),
    });
    if ('unsupported' in outcome) return { ...base, reason: outcome.unsupported, durationMs: Date.now() - started };
    const { mount } = outcome;
    let run: ModeRun = { ...base, status: 'fail', reason: 'the run ended with an error' };
    try {
      const s = await runSession({
        mnt: mountpoint,
        backing,
        ops: o.ops,
        seed: o.seed,
        config: o.config ?? DEFAULT_CONFIG,
        ctx: { server, spec, negotiated: mount.negotiated },
        replay: { mode: label, server, ...(o.corruptRead !== undefined ? { corruptRead: o.corruptRead } : {}) },
        checkEvery: o.checkEvery ?? 256,
        onProgress: (n) => progress.start(`${server} ${label}: ${n}/${o.ops} ops`),
        shouldStop: () => o.stopSignal?.stop === true,
        serverCorruption: mount.corruption,
      });
      const status = s.failure ? 'fail' : s.drawn < o.ops ? 'interrupted' : 'pass';
      run = {
        ...base,
        ...s,
        status,
        reason: s.failure ? s.failure.message : status === 'interrupted' ? `interrupted after ${s.drawn} ops` : null,
        negotiated: mount.negotiated,
        serverMaxWritesInFlight: await maxWritesInFlight(mount.server),
      };
    } finally {
      const exit = await mount.stop();
      run = { ...run, serverExit: { reason: exit.reason, code: exit.code, signal: exit.signal }, durationMs: Date.now() - started };
    }
    const e = run.serverExit!;
    if (run.status === 'pass' && (e.reason === 'crashed' || e.code !== 0)) {
      const tail = mount.stderr().trim().split('\n').slice(-5).join('\n');
      run = { ...run, status: 'fail', reason: `the server ended badly after the run (${e.reason}, ${e.signal ?? `exit ${String(e.code)}`})${tail ? `:\n${tail}` : ''}` };
    }
    return run;
  } finally {
    // Never recurse into a live mount: that would delete the backing files through it.
    forceUnmount(mountpoint, null);
    if (!isMounted(mountpoint)) rmSync(dir, { recursive: true, force: true });
  }
}

export async function runVerify(o: VerifyOptions): Promise<VerifyReport> {
  const plan = o.servers.flatMap((server) => o.specs.map((spec) => ({ server, spec })));
  const progress = new Progress(plan.length, plan.length * o.ops * MS_PER_OP);
  const runs: ModeRun[] = [];
  for (const { server, spec } of plan) {
    if (o.stopSignal?.stop) break;
    const label = `${server} ${specLabel(spec)}`;
    progress.start(label);
    const r = await runOne(o, spec, server, progress);
    runs.push(r);
    progress.finish(label, o.ops * MS_PER_OP, summary(r));
  }
  progress.end();
  return { seed: o.seed, ops: o.ops, runs, passed: runs.length === plan.length && runs.every((r) => r.status === 'pass' || r.status === 'unsupported') };
}
