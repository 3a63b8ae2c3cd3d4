// `fusebench micro`: tinybench per-call costs on the native floor and on each server kind × mode,
// into one results document (`micro` entries; host and fuse blocks as in `run`).
import { Bench } from 'tinybench';
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHost } from '../env/host.js';
import { fuseInfoFromReady, unknownFuse } from '../env/fuse-info.js';
import { SCHEMA_VERSION, type Micro, type Results } from '../results/schema.js';
import type { ReadyInfo } from '../server/types.js';
import { toolVersion } from '../version.js';
import { addRatios, emptyEntry, entryFromTask, RATIO_BASIS } from './entries.js';
import { createFixture } from './fixture.js';
import { bindTasks, probeTask, TASKS, type Io } from './tasks.js';
import { label, startTarget, type Target } from './targets.js';

export interface MicroPreset {
  /** tinybench: minimum timed ms and minimum samples per task (both must be reached). */
  timeMs: number;
  iterations: number;
  warmupTimeMs: number;
  warmupIterations: number;
}

export const QUICK: MicroPreset = { timeMs: 100, iterations: 16, warmupTimeMs: 20, warmupIterations: 4 };
export const FULL: MicroPreset = { timeMs: 500, iterations: 100, warmupTimeMs: 100, warmupIterations: 16 };

export interface MicroOptions {
  preset: MicroPreset;
  quick: boolean;
  servers: Array<'c' | 'fuse-native'>;
  modes: string[];
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Errnos the mode rules predict for a task: the cell is unsupported, not broken. */
const PREDICTED: Record<string, Record<string, string>> = {
  'mmap-first-touch': {
    ENODEV: 'ENODEV: a shared mmap of a DIRECT_IO file needs DIRECT_IO_ALLOW_MMAP (docs/kernel-fuse.md "mmap rules")',
  },
};

async function loadIo(): Promise<{ io: Io | null; why: string | null }> {
  try {
    return { io: await import('../native/io.js'), why: null };
  } catch (e) {
    return { io: null, why: (e as Error).message.split('\n')[0] ?? 'native I/O addon missing' };
  }
}

export async function runMicro(o: MicroOptions): Promise<Results> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  // tinybench adds one abort listener per task; dozens are expected here, not a leak.
  if (o.signal) setMaxListeners(0, o.signal);
  const startedAt = new Date().toISOString();
  const { io, why: ioWhy } = await loadIo();
  const work = mkdtempSync(join(tmpdir(), 'fusebench-micro-'));
  const backing = join(work, 'backing');
  const targets: Target[] = [{ server: 'native', mode: 'native' }];
  for (const server of o.servers) for (const mode of o.modes) targets.push({ server, mode });
  const entries: Micro[] = [];
  let cReady: ReadyInfo | null = null;
  let interrupted = false;
  try {
    createFixture(backing);
    for (const [i, t] of targets.entries()) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const started = await startTarget(t, backing, work, i);
      if (!started.ok) {
        log(`micro: ${label(t)}: ${started.status}: ${started.reason}`);
        for (const d of TASKS) entries.push(emptyEntry(d.name, t, started.status, started.reason));
        continue;
      }
      cReady ??= started.live.cReady;
      const bound = bindTasks(
        TASKS.filter((d) => !d.needsIo || io),
        started.live.root,
        started.live.expiredRoot,
        io,
      );
      try {
        if (!io) for (const d of TASKS.filter((x) => x.needsIo)) entries.push(emptyEntry(d.name, t, 'error', `native I/O addon unavailable: ${ioWhy}`));
        const bench = new Bench({
          name: label(t),
          time: o.preset.timeMs,
          iterations: o.preset.iterations,
          warmupTime: o.preset.warmupTimeMs,
          warmupIterations: o.preset.warmupIterations,
          timestampProvider: 'hrtimeNow',
          ...(o.signal ? { signal: o.signal } : {}),
        });
        const order: string[] = [];
        for (const b of bound) {
          const p = probeTask(b);
          if (!p.ok) {
            const predicted = PREDICTED[b.def.name]?.[p.code];
            entries.push(emptyEntry(b.def.name, t, predicted ? 'unsupported' : 'error', predicted ?? p.message));
            continue;
          }
          bench.add(b.def.name, b.fn, b.opts);
          order.push(b.def.name);
        }
        log(`micro: ${label(t)}: ${order.length} tasks`);
        bench.runSync();
        for (const task of bench.tasks) entries.push(entryFromTask(task, t));
        if (o.signal?.aborted) interrupted = true;
      } finally {
        for (const b of bound) b.dispose();
        await started.live.stop();
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Entries in a stable order: task, then target.
  const targetIndex = new Map(targets.map((t, i) => [`${t.server}/${t.mode}`, i]));
  const taskIndex = new Map(TASKS.map((d, i) => [d.name, i]));
  entries.sort(
    (a, b) =>
      (taskIndex.get(a.name) ?? 0) - (taskIndex.get(b.name) ?? 0) ||
      (targetIndex.get(`${a.server}/${a.mode}`) ?? 0) - (targetIndex.get(`${b.server}/${b.mode}`) ?? 0),
  );
  addRatios(entries);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'fusebench', version: toolVersion() },
    startedAt,
    finishedAt: new Date().toISOString(),
    interrupted,
    loop: 'closed',
    host: collectHost(),
    fuse: cReady
      ? fuseInfoFromReady(cReady)
      : unknownFuse(o.servers.includes('c') ? 'the C server did not start, so INIT flags are unknown' : 'only the fuse-native server ran: libfuse 2 does not report INIT flags'),
    config: {
      command: 'micro',
      quick: o.quick,
      servers: o.servers,
      modes: o.modes,
      timeMs: o.preset.timeMs,
      iterations: o.preset.iterations,
      warmupTimeMs: o.preset.warmupTimeMs,
      warmupIterations: o.preset.warmupIterations,
      timestampProvider: 'hrtimeNow',
      ratioBasis: RATIO_BASIS,
      backing: `temporary directory under ${tmpdir()}`,
      tasks: Object.fromEntries(TASKS.map((d) => [d.name, d.what])),
    },
    cells: [],
    probes: [],
    micro: entries,
  };
}
