// fio on our mount against the same fio job on the backing directory itself, and against other FUSE
// servers (--vs-server) on the same backing directory. Targets alternate order every round so drift
// on this shared machine hits all of them alike; a server is compared with another by the median of
// its per-round ratios, each from two windows run back to back.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailError, UsageError } from '../cli/errors.js';
import type { Backend, Mode } from '../modes.js';
import { bootstrapMedianCI, DEFAULT_STATS, type RatioCI } from '../analysis/stats.js';
import { startServer } from '../server/process.js';
import { ensureDataFile } from '../scenarios/files.js';
import { runFio, type FioResult } from './fio.js';
import { startForeign, type ForeignSpec } from './foreign-server.js';
import { median, type Goal } from './goals.js';
import { textTable } from '../text-table.js';

type Target =
  | { name: string; kind: 'native' }
  | { name: string; kind: 'ours'; mode: Mode; backend: Backend }
  | { name: string; kind: 'foreign'; spec: ForeignSpec };

const OURS: Target[] = [
  { name: 'native', kind: 'native' },
  { name: 'direct', kind: 'ours', mode: 'direct', backend: 'disk' },
  { name: 'parallel', kind: 'ours', mode: 'parallel', backend: 'disk' },
  { name: 'passthrough', kind: 'ours', mode: 'passthrough', backend: 'disk' },
  { name: 'direct/null', kind: 'ours', mode: 'direct', backend: 'null' },
  { name: 'parallel/null', kind: 'ours', mode: 'parallel', backend: 'null' },
];
export const SERVER_TARGETS = OURS.map((t) => t.name);

/**
 * The targets of one run: `only` (names of OURS; all when empty), every foreign server, and for each
 * foreign server the mode of ours it stands against, on disk, when `only` left it out.
 */
function planTargets(only: readonly string[], foreign: readonly ForeignSpec[]): Target[] {
  for (const n of only) if (!SERVER_TARGETS.includes(n)) throw new UsageError(`unknown server target "${n}" (known: ${SERVER_TARGETS.join(', ')})`);
  const out = OURS.filter((t) => only.length === 0 || only.includes(t.name));
  for (const f of foreign) {
    if (f.ours && !out.some((t) => t.name === f.ours)) out.push({ name: f.ours, kind: 'ours', mode: f.ours, backend: 'disk' });
  }
  foreign.forEach((spec, i) => out.push({ name: `vs${i + 1}: ${spec.label}`, kind: 'foreign', spec }));
  return out;
}

const FILE = 'perf.dat';
const SIZE = 64 << 20;

type Job = 'randwrite' | 'seqread';

/** Ours against a foreign server, per job: the median of per-round IOPS ratios (ours / theirs). */
export interface VsServer {
  ours: Mode;
  theirs: string;
  command: string;
  ratios: Record<Job, RatioCI & { rounds: number }>;
}

export interface ServerPerf {
  backingFs: 'disk' | 'tmpfs';
  runtimeSec: number;
  rounds: number;
  /** Per target, one result per round in round order (a round a target could not run leaves null). */
  results: Record<string, { randwrite: Array<FioResult | null>; seqread: Array<FioResult | null> }>;
  vs: VsServer[];
  goals: Goal[];
}

export interface ServerPerfOptions {
  runtimeSec: number;
  rounds: number;
  backingFs?: 'disk' | 'tmpfs';
  /** Names of our targets to run (SERVER_TARGETS); all when empty. */
  only?: readonly string[];
  foreign?: readonly ForeignSpec[];
  log: (s: string) => void;
  /** Polled before each window: true stops the run (after cleanup) with a FailError. */
  interrupted?: () => boolean;
}

const ok = (xs: ReadonlyArray<FioResult | null>): FioResult[] => xs.filter((x): x is FioResult => x !== null);

/**
 * `tmpfs` puts the backing directory on a tmpfs of its own (mounted here, unmounted in `finally`), the
 * setting of the passthrough_hp reference figures in docs/kernel-fuse.md "Reference figures"; `disk` uses /tmp.
 */
export async function perfServerVsNative(o: ServerPerfOptions): Promise<ServerPerf> {
  const { runtimeSec, rounds, log } = o;
  const backingFs = o.backingFs ?? 'disk';
  const targets = planTargets(o.only ?? [], o.foreign ?? []);
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-perf-'));
  const backing = join(dir, 'backing');
  const results: ServerPerf['results'] = {};
  let tmpfsMounted = false;
  try {
    if (backingFs === 'tmpfs') {
      mkdirSync(backing);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512m', 'fusebench-perf', backing], { encoding: 'utf8' });
      if (m.status !== 0) throw new Error(`cannot mount a tmpfs for the backing directory: ${m.stderr.trim()}`);
      tmpfsMounted = true;
    }
    ensureDataFile(backing, FILE, SIZE);
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        if (o.interrupted?.()) throw new FailError('perf server: interrupted');
        log(`round ${round + 1}/${rounds}: ${t.name}`);
        const r = (results[t.name] ??= { randwrite: [], seqread: [] });
        r.randwrite[round] = r.seqread[round] = null;
        const run = (root: string): void => {
          const filename = join(root, FILE);
          r.randwrite[round] = runFio({ filename, rw: 'randwrite', bs: 4096, direct: true, numjobs: 4, runtimeSec, size: SIZE });
          r.seqread[round] = runFio({ filename, rw: 'read', bs: 128 * 1024, direct: false, numjobs: 1, runtimeSec, size: SIZE });
        };
        const mnt = join(dir, 'mnt');
        if (t.kind === 'native') {
          run(backing);
        } else if (t.kind === 'foreign') {
          mkdirSync(mnt, { recursive: true });
          const f = await startForeign(t.spec, backing, mnt);
          try {
            run(mnt);
          } finally {
            await f.stop();
          }
        } else {
          const server = await startServer({ backing, mountpoint: mnt, mode: t.mode, backend: t.backend });
          try {
            if (t.mode.startsWith('passthrough') && !server.ready.passthrough.usable) {
              log(`  passthrough unusable here: ${server.ready.passthrough.reason ?? ''}`);
              continue;
            }
            run(mnt);
          } finally {
            await server.stop();
          }
        }
      }
    }
  } finally {
    if (tmpfsMounted) spawnSync('umount', [backing]);
    rmSync(dir, { recursive: true, force: true });
  }
  const iops = (name: string, job: Job): number => median(ok(results[name]?.[job] ?? []).map((x) => x.iops));
  const goals: Goal[] = [];
  const vs: VsServer[] = [];
  targets.forEach((t) => {
    if (t.kind !== 'foreign' || !t.spec.ours) return;
    const ours = t.spec.ours;
    const ratio = (job: Job): RatioCI & { rounds: number } => {
      const mine = results[ours]?.[job] ?? [];
      const theirs = results[t.name]?.[job] ?? [];
      const rs = mine.flatMap((m, i) => (m && theirs[i] ? [m.iops / theirs[i]!.iops] : []));
      return { ...bootstrapMedianCI(rs, DEFAULT_STATS, `vs/${t.name}/${job}`), rounds: rs.length };
    };
    const v: VsServer = { ours, theirs: t.spec.label, command: t.spec.command, ratios: { randwrite: ratio('randwrite'), seqread: ratio('seqread') } };
    vs.push(v);
    // Our server must not be the bottleneck it claims to observe: at least as fast as the reference,
    // and `parallel` 10 % faster on the job it exists for.
    for (const job of ['randwrite', 'seqread'] as const) {
      const r = v.ratios[job];
      if (r.rounds === 0) continue;
      const goal = ours === 'parallel' && job === 'randwrite' ? 1.1 : 0.95;
      goals.push({
        name: `ours ${ours} vs ${v.theirs}, ${job === 'randwrite' ? '4 KiB O_DIRECT randwrite, 4 jobs' : '128 KiB sequential read'}`,
        ratio: r.ratio,
        goal,
        pass: r.ratio >= goal,
        shown: `${r.ratio.toFixed(2)}× [${fmtCI(r)}] over ${r.rounds} rounds (goal ≥ ${goal}×)`,
      });
    }
  });
  const pt = iops('passthrough', 'seqread');
  const nat = iops('native', 'seqread');
  if (pt > 0 && nat > 0) goals.push({ name: 'passthrough 128 KiB sequential read vs native', ratio: pt / nat, goal: 0.9, pass: pt / nat >= 0.9 });
  const pn = iops('parallel/null', 'randwrite');
  const dn = iops('direct/null', 'randwrite');
  if (pn > 0 && dn > 0) goals.push({ name: 'parallel vs direct, 4 KiB O_DIRECT randwrite, 4 jobs, null backend', ratio: pn / dn, goal: 1.5, pass: pn / dn >= 1.5 });
  return { backingFs, runtimeSec, rounds, results, vs, goals };
}

function fmtCI(r: RatioCI): string {
  return Number.isFinite(r.low) ? `${r.low.toFixed(2)}–${r.high.toFixed(2)}` : 'no interval';
}

export function formatServerPerf(p: ServerPerf): string {
  const nat = p.results['native'];
  const natW = median(ok(nat?.randwrite ?? []).map((x) => x.iops));
  const natR = median(ok(nat?.seqread ?? []).map((x) => x.iops));
  const rows = Object.entries(p.results).map(([name, r]) => {
    const w = median(ok(r.randwrite).map((x) => x.iops));
    const rd = median(ok(r.seqread).map((x) => x.iops));
    return [
      name,
      w.toFixed(0),
      natW > 0 ? (w / natW).toFixed(3) : '-',
      (median(ok(r.randwrite).map((x) => x.clatP50Ns)) / 1000).toFixed(1),
      rd.toFixed(0),
      natR > 0 ? (rd / natR).toFixed(3) : '-',
    ];
  });
  const vsRows = p.vs.map((v) => [v.ours, v.theirs, `${v.ratios.randwrite.ratio.toFixed(3)} [${fmtCI(v.ratios.randwrite)}]`, `${v.ratios.seqread.ratio.toFixed(3)} [${fmtCI(v.ratios.seqread)}]`]);
  return (
    textTable(['target', 'randwrite IOPS', '× native', 'clat p50 µs', 'seqread IOPS', '× native'], rows) +
    `(fio psync; randwrite: 4 KiB direct=1, 4 jobs on one pre-sized 64 MiB file; seqread: 128 KiB buffered, 1 job; backing on ${p.backingFs === 'tmpfs' ? 'a tmpfs' : '/tmp (disk)'}; ${p.runtimeSec}s each, median of ${p.rounds} rounds in alternating order)\n` +
    (vsRows.length
      ? '\n' +
        textTable(['ours', 'vs server', 'randwrite IOPS ratio [95 % CI]', 'seqread IOPS ratio [95 % CI]'], vsRows) +
        '(ours / theirs: the median of per-round ratios, each round running both back to back)\n'
      : '')
  );
}
