// Issue 2's figures: fio on our mount against the same fio job on the backing directory itself.
// Targets alternate order every round so drift on this shared machine hits all of them alike.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, Mode } from '../modes.js';
import { startServer } from '../server/process.js';
import { ensureDataFile } from '../scenarios/files.js';
import { runFio, type FioResult } from './fio.js';
import { median, type Goal } from './goals.js';
import { textTable } from '../text-table.js';

interface Target {
  name: string;
  mode: Mode | null;
  backend: Backend;
}

const TARGETS: Target[] = [
  { name: 'native', mode: null, backend: 'disk' },
  { name: 'direct', mode: 'direct', backend: 'disk' },
  { name: 'parallel', mode: 'parallel', backend: 'disk' },
  { name: 'passthrough', mode: 'passthrough', backend: 'disk' },
  { name: 'direct/null', mode: 'direct', backend: 'null' },
  { name: 'parallel/null', mode: 'parallel', backend: 'null' },
];

const FILE = 'perf.dat';
const SIZE = 64 << 20;

export interface ServerPerf {
  backingFs: 'disk' | 'tmpfs';
  runtimeSec: number;
  rounds: number;
  results: Record<string, { randwrite: FioResult[]; seqread: FioResult[] }>;
  goals: Goal[];
}

/**
 * `tmpfs` puts the backing directory on a tmpfs of its own (mounted here, unmounted in `finally`), the
 * setting of the passthrough_hp reference figures in docs/kernel-fuse.md "Reference figures"; `disk` uses /tmp.
 */
export async function perfServerVsNative(runtimeSec: number, rounds: number, log: (s: string) => void, backingFs: 'disk' | 'tmpfs' = 'disk'): Promise<ServerPerf> {
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
      const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const t of order) {
        log(`round ${round + 1}/${rounds}: ${t.name}`);
        const r = (results[t.name] ??= { randwrite: [], seqread: [] });
        const run = (root: string): void => {
          const filename = join(root, FILE);
          r.randwrite.push(runFio({ filename, rw: 'randwrite', bs: 4096, direct: true, numjobs: 4, runtimeSec, size: SIZE }));
          r.seqread.push(runFio({ filename, rw: 'read', bs: 128 * 1024, direct: false, numjobs: 1, runtimeSec, size: SIZE }));
        };
        if (t.mode === null) {
          run(backing);
          continue;
        }
        const server = await startServer({ backing, mountpoint: join(dir, 'mnt'), mode: t.mode, backend: t.backend });
        try {
          if (t.mode.startsWith('passthrough') && !server.ready.passthrough.usable) {
            log(`  passthrough unusable here: ${server.ready.passthrough.reason ?? ''}`);
            continue;
          }
          run(join(dir, 'mnt'));
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    if (tmpfsMounted) spawnSync('umount', [backing]);
    rmSync(dir, { recursive: true, force: true });
  }
  const iops = (name: string, job: 'randwrite' | 'seqread'): number => median((results[name]?.[job] ?? []).map((x) => x.iops));
  const goals: Goal[] = [];
  const pt = iops('passthrough', 'seqread');
  const nat = iops('native', 'seqread');
  if (pt > 0 && nat > 0) goals.push({ name: 'passthrough 128 KiB sequential read vs native', ratio: pt / nat, goal: 0.9, pass: pt / nat >= 0.9 });
  const pn = iops('parallel/null', 'randwrite');
  const dn = iops('direct/null', 'randwrite');
  if (pn > 0 && dn > 0) goals.push({ name: 'parallel vs direct, 4 KiB O_DIRECT randwrite, 4 jobs, null backend', ratio: pn / dn, goal: 1.5, pass: pn / dn >= 1.5 });
  return { backingFs, runtimeSec, rounds, results, goals };
}

export function formatServerPerf(p: ServerPerf): string {
  const nat = p.results['native'];
  const natW = median((nat?.randwrite ?? []).map((x) => x.iops));
  const natR = median((nat?.seqread ?? []).map((x) => x.iops));
  const rows = Object.entries(p.results).map(([name, r]) => {
    const w = median(r.randwrite.map((x) => x.iops));
    const rd = median(r.seqread.map((x) => x.iops));
    return [
      name,
      w.toFixed(0),
      natW > 0 ? (w / natW).toFixed(3) : '-',
      (median(r.randwrite.map((x) => x.clatP50Ns)) / 1000).toFixed(1),
      rd.toFixed(0),
      natR > 0 ? (rd / natR).toFixed(3) : '-',
    ];
  });
  return textTable(['target', 'randwrite IOPS', '× native', 'clat p50 µs', 'seqread IOPS', '× native'], rows) +
    `(fio psync; randwrite: 4 KiB direct=1, 4 jobs on one pre-sized 64 MiB file; seqread: 128 KiB buffered, 1 job; backing on ${p.backingFs === 'tmpfs' ? 'a tmpfs' : '/tmp (disk)'}; ${p.runtimeSec}s each, median of ${p.rounds} rounds in alternating order)\n`;
}
