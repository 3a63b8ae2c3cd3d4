// N parallel writers while an interferer, part-way through, opens the same inode in caching mode and
// later closes it; then maps it MAP_SHARED (allow-mmap), unmaps, and closes. The time series shows the
// drop to the exclusive path and the recovery; the mmap phase shows that munmap is not enough.
import { open as openAsync, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModeSpec } from '../modes.js';
import { mapFile, monotonicNs, O, unmapFile } from '../native/io.js';
import { buildTimeSeries, type PhaseMark, type ServerSample } from '../runner/timeseries.js';
import { DATA_FILE_SIZE, ensureDataFile } from './files.js';
import { commonUnsupported } from './passthrough-support.js';
import { windowMs } from './planning.js';
import { sameFileJobs } from './jobs.js';
import { timedJobs } from './timed.js';
import type { Scenario, ScenarioContext } from './types.js';

const FILE = 'fallback.dat';
const SAMPLE_MS = 100;
/** Long enough that each phase holds several 100 ms samples. */
const MIN_DURATION_MS = 3000;
const DEFAULT_DELAY = 'write=1ms';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function interfere(ctx: ScenarioContext, startMs: number, totalMs: number, marks: PhaseMark[]): Promise<void> {
  const s = ctx.cServer!;
  const path = join(ctx.mountpoint, FILE);
  const at = async (frac: number): Promise<void> => {
    const wait = startMs + totalMs * frac - monotonicNs() / 1e6;
    if (wait > 0) await sleep(wait);
  };
  const mark = (name: string): void => {
    marks.push({ name, atNs: monotonicNs() });
  };
  let fh: FileHandle | null = null;
  let map: number | null = null;
  let mfh: FileHandle | null = null;
  try {
    await at(0.2);
    // A caching open: the server replies without DIRECT_IO to this one open only.
    await s.setPolicy({ mode: 'cached' });
    mark('caching-open');
    fh = await openAsync(path, 'r+');
    await s.setPolicy({ fopen: ctx.plan.spec.fopen });
    await at(0.4);
    await fh.close();
    fh = null;
    mark('closed');
    await at(0.6);
    mfh = await openAsync(path, O.RDWR);
    map = mapFile(mfh.fd, 1 << 20, { shared: true, write: false });
    mark('mmap-shared');
    await at(0.7);
    unmapFile(map);
    map = null;
    mark('munmap-fd-open');
    await at(0.8);
    await mfh.close();
    mfh = null;
    mark('fd-closed');
  } finally {
    if (map !== null) unmapFile(map);
    await fh?.close();
    await mfh?.close();
  }
}

export const fallback: Scenario = {
  name: 'fallback',
  description:
    'parallel writers while an interferer opens the inode in caching mode, closes it, then maps it MAP_SHARED, unmaps and closes: WRITEs in flight per 100 ms',
  dioWrites: true,
  usesWriteDelay: true,
  engines: ['psync'],
  // The interferer maps the file MAP_SHARED.
  mapsShared: true,
  // It shows the drop from the shared path, which only PARALLEL_DIRECT_WRITES without passthrough takes.
  appliesTo: (spec) => spec.fopen.includes('PARALLEL_DIRECT_WRITES') && !spec.fopen.includes('PASSTHROUGH'),
  // A time series: one run of it says what it has to say, under the one delay that shows the lock.
  repeats: () => 1,
  delays: (asked) => [asked.find((d) => d !== '') ?? ''],
  minDurationMs: MIN_DURATION_MS,
  unsupported(plan, offer) {
    if (plan.server !== 'c') return 'needs the C server (policy changes between opens)';
    if (!plan.spec.fopen.includes('DIRECT_IO') || !plan.spec.fopen.includes('PARALLEL_DIRECT_WRITES')) {
      return 'fallback shows the drop from the shared path: it needs DIRECT_IO|PARALLEL_DIRECT_WRITES';
    }
    if (plan.spec.fopen.includes('PASSTHROUGH')) return 'a passthrough inode refuses caching opens (EIO) instead of falling back';
    return commonUnsupported({ ...plan, spec: this.mountSpec!(plan) }, offer);
  },
  expectedErrors: () => [],
  mountSpec(plan): ModeSpec {
    const init = plan.spec.init.includes('allow-mmap') ? plan.spec.init : [...plan.spec.init, 'allow-mmap' as const];
    return { ...plan.spec, init };
  },
  mountDelay(plan) {
    return plan.delay === '' ? DEFAULT_DELAY : plan.delay;
  },
  prepare(backing) {
    ensureDataFile(backing, FILE);
  },
  async run(ctx) {
    const { plan } = ctx;
    const total = windowMs(fallback, plan);
    const jobs = sameFileJobs(ctx, FILE, O.RDWR | O.DIRECT, 5000, () => [
      { name: 'write', engine: 'psync', op: 'pwrite', blockSize: plan.blockSize, pattern: 'random', offset: 0, range: DATA_FILE_SIZE, share: 1 },
    ]);
    const samples: ServerSample[] = [];
    const marks: PhaseMark[] = [];
    let sampler: NodeJS.Timeout | null = null;
    let interferer: Promise<void> | null = null;
    let windowStart = 0;
    const takeSample = async (): Promise<void> => {
      const w = await ctx.server.window();
      const wr = w?.ops['WRITE'];
      samples.push({ atNs: monotonicNs(), writesInFlightMax: wr?.maxInFlightPerInode ?? 0, writesInFlightMean: wr?.meanInFlight ?? 0 });
    };
    try {
      const out = await timedJobs(ctx, jobs, { write: plan.blockSize }, {
        recordStarts: true,
        durationNs: total * 1e6,
        hooks: {
          atBarrier: async () => {
            await ctx.server.window();
          },
          started: (startNs) => {
            windowStart = startNs;
            marks.push({ name: 'baseline', atNs: startNs });
            let busy = false;
            sampler = setInterval(() => {
              if (busy) return;
              busy = true;
              void takeSample().finally(() => (busy = false));
            }, SAMPLE_MS);
            interferer = interfere(ctx, startNs / 1e6, total, marks);
          },
        },
      });
      if (sampler) clearInterval(sampler);
      sampler = null;
      await interferer;
      await takeSample();
      // The last sample closes the window; anything after the deadline is not part of the story.
      const timeSeries = buildTimeSeries(out.window.outcomes, samples, marks, windowStart).filter((p) => p.tMs < total);
      const phases = marks.map((m, i) => ({
        name: m.name,
        startMs: (m.atNs - windowStart) / 1e6,
        endMs: ((marks[i + 1]?.atNs ?? windowStart + total * 1e6) - windowStart) / 1e6,
      }));
      return { ...out.out, timeSeries, phases };
    } finally {
      if (sampler) clearInterval(sampler);
      await interferer;
    }
  },
};

