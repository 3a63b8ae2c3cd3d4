// The lattice sweep: one mount per INIT set, its combinations in batches (batch.ts), each cell's
// verdict from the counts beside the predictor's (predict.ts).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InitOption } from '../modes.js';
import { LATTICE_VERSION, type Lattice, type LatticeCell, type LatticeMount } from '../results/lattice-schema.js';
import { forceUnmount, isMounted } from '../server/mounts.js';
import { startServer, type ServerHandle } from '../server/process.js';
import type { ReadyInfo } from '../server/types.js';
import { runBatch, warmUp, type BatchSettings } from './batch.js';
import { initSetUnsupported, predict, termsFromReady, unsupportedReason, type KernelTerms } from './predict.js';
import { combos, fopenLabel, initLabel, type Combo, type LatticeInit, type LatticeSpace } from './space.js';
import { verdictOf, type Observation } from './verdict.js';

export interface SweepSettings {
  /** Writers per combination (2: the fewest that can show a shared lock). */
  writers: number;
  rounds: number;
  blockSize: number;
  /** How long the server holds each WRITE: long next to the start skew of two writers. */
  writeDelayMs: number;
  /** Combinations run at once in one mount. */
  batch: number;
  /** Server worker threads: every held WRITE takes one. */
  threads: number;
  /** max_background in the INIT reply: async DIO WRITEs are background requests, and a batch has many. */
  maxBackground: number;
}

export const DEFAULT_SWEEP_SETTINGS: SweepSettings = {
  writers: 2,
  rounds: 2,
  blockSize: 4096,
  writeDelayMs: 50,
  batch: 384,
  threads: 1024,
  maxBackground: 4096,
};

export interface SweepOptions {
  space: LatticeSpace;
  settings: SweepSettings;
  /** INIT of a plain mount on this kernel: decides which INIT sets are unsupported without mounting. */
  offer: ReadyInfo;
  stopSignal?: { stop: boolean };
  log?: (line: string) => void;
}

function cellOf(c: Combo, verdict: LatticeCell['verdict'], predicted: { verdict: string; why: string }, reason: string | null, o: Observation | null): LatticeCell {
  return {
    init: initLabel(c.init),
    fopen: fopenLabel(c.fopen),
    client: c.client,
    write: c.write,
    engine: c.engine,
    interferer: c.interferer,
    verdict,
    predicted: predicted.verdict,
    asPredicted: verdict === predicted.verdict,
    why: predicted.why,
    reason,
    counts: o ? { writes: o.writes, writesAfterClose: o.writesAfterClose, maxInFlight: o.maxInFlight, clientWrites: o.clientWrites } : null,
  };
}

function unsupportedCell(c: Combo, reason: string): LatticeCell {
  return cellOf(c, 'unsupported', { verdict: 'unsupported', why: reason }, reason, null);
}

function observedCell(c: Combo, terms: KernelTerms, o: Observation): LatticeCell {
  const v = verdictOf(o);
  const reason = o.refused ? `${o.refused.at} failed: ${o.refused.errno}` : o.writeError ? `write failed: ${o.writeError}` : null;
  return cellOf(c, v, predict(c, terms), reason, o);
}

/** Predictions for cells whose mount failed: shown beside the error, never matched. */
const NO_TERMS: KernelTerms = { asyncDio: false, allowMmap: false, writeback: false, passthrough: false, iomode: true };

function serverInit(init: LatticeInit[]): { init: InitOption[]; initExtra: string[] } {
  return {
    init: init.filter((x): x is InitOption => x !== 'passthrough'),
    initExtra: init.includes('passthrough') ? [] : ['no-passthrough'],
  };
}

function mountFor(init: LatticeInit[], s: SweepSettings, backing: string, mountpoint: string): Promise<ServerHandle> {
  return startServer({
    backing,
    mountpoint,
    mode: null,
    fopen: [],
    ...serverInit(init),
    delay: `write=${s.writeDelayMs}ms`,
    threads: s.threads,
    maxBackground: s.maxBackground,
    readyTimeoutMs: 10_000,
  });
}

/** Runs every combination of one INIT set on one mount. */
async function sweepInitSet(
  init: LatticeInit[],
  list: Combo[],
  o: SweepOptions,
  cells: LatticeCell[],
  firstIndex: number,
): Promise<LatticeMount> {
  const t0 = Date.now();
  const log = o.log ?? (() => undefined);
  const s = o.settings;
  const work = mkdtempSync(join(tmpdir(), `fusebench-sweep-${process.pid}-`));
  const backing = join(work, 'backing');
  const mnt = join(work, 'mnt');
  mkdirSync(backing);
  let server: ServerHandle | null = null;
  try {
    try {
      server = await mountFor(init, s, backing, mnt);
    } catch (e) {
      // One INIT set that cannot be mounted must not cost the others: its cells say why.
      const why = `mounting the server failed: ${(e as Error).message}`;
      for (const c of list) cells.push(cellOf(c, 'error:MOUNT', predict(c, NO_TERMS), why, null));
      log(`fusebench: sweep INIT ${initLabel(init)}: ${why}`);
      return { init: initLabel(init), negotiated: [], passthroughUsable: false, passthroughReason: null, cells: list.length, durationMs: Date.now() - t0, skipped: why };
    }
    const ready = server.ready;
    // A reply with FOPEN_PASSTHROUGH that the server cannot back still goes out, so the kernel's
    // own answer (EIO) is what the cell records.
    if (!ready.passthrough.usable) await server.setPolicy({ backingFailure: 'reply-anyway' });
    const terms = termsFromReady(ready);
    const runnable: Combo[] = [];
    for (const c of list) {
      const why = unsupportedReason(c, ready.init.offered);
      if (why) cells.push(unsupportedCell(c, why));
      else runnable.push(c);
    }
    const bs: BatchSettings = { blockSize: s.blockSize, rounds: s.rounds, writers: s.writers, fileSize: Math.max(64 << 10, s.writers * s.rounds * s.blockSize) };
    const m = { server, mnt, backing };
    if (runnable.length) await warmUp(m, Math.min(s.threads - 8, Math.min(runnable.length, s.batch) * s.writers), bs);
    for (let i = 0; i < runnable.length; i += s.batch) {
      if (o.stopSignal?.stop) break;
      const chunk = runnable.slice(i, i + s.batch);
      const obs = await runBatch(m, chunk, bs, firstIndex + i);
      chunk.forEach((c, k) => cells.push(observedCell(c, terms, obs[k]!)));
    }
    return {
      init: initLabel(init),
      negotiated: ready.init.negotiated,
      passthroughUsable: ready.passthrough.usable,
      passthroughReason: ready.passthrough.reason,
      cells: list.length,
      durationMs: Date.now() - t0,
      skipped: null,
    };
  } finally {
    if (server) await server.stop().catch((e: Error) => log(`fusebench: stopping the server of INIT ${initLabel(init)}: ${e.message}`));
    if (isMounted(mnt)) forceUnmount(mnt, server?.ready.connection ?? null);
    if (!isMounted(mnt)) rmSync(work, { recursive: true, force: true });
  }
}

export async function runSweep(o: SweepOptions): Promise<Lattice> {
  const log = o.log ?? (() => undefined);
  const startedAt = new Date();
  const all = combos(o.space);
  const cells: LatticeCell[] = [];
  const mounts: LatticeMount[] = [];
  let interrupted = false;
  let index = 0;
  for (const init of o.space.init) {
    const list = all.filter((c) => c.init === init);
    if (o.stopSignal?.stop) {
      interrupted = true;
      break;
    }
    const skip = initSetUnsupported(init, o.offer.init.offered);
    if (skip) {
      for (const c of list) cells.push(unsupportedCell(c, skip));
      mounts.push({ init: initLabel(init), negotiated: [], passthroughUsable: false, passthroughReason: null, cells: list.length, durationMs: 0, skipped: skip });
      log(`fusebench: sweep INIT ${initLabel(init)}: unsupported (${skip})`);
      continue;
    }
    const before = cells.length;
    const m = await sweepInitSet(init, list, o, cells, index);
    index += list.length;
    mounts.push(m);
    const done = cells.slice(before);
    const unexpected = done.filter((c) => !c.asPredicted).length;
    log(`fusebench: sweep INIT ${initLabel(init)}: ${done.length} cells in ${(m.durationMs / 1000).toFixed(1)} s${unexpected ? `, ${unexpected} UNEXPECTED` : ''}`);
    if (done.length < list.length) interrupted = true;
  }
  return {
    version: LATTICE_VERSION,
    space: {
      fopen: o.space.fopen.map(fopenLabel),
      init: o.space.init.map(initLabel),
      client: o.space.client,
      write: o.space.write,
      engine: o.space.engine,
      interferer: o.space.interferer,
    },
    settings: { ...o.settings },
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    interrupted,
    mounts,
    cells,
  };
}
