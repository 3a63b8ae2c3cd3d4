// Issue 18's figure: FUSE over io_uring against /dev/fuse, on the same mode (parallel), jobs and
// backends, with our harness: throughput, and CPU per operation of the server and of the client.
// Each round mounts every (backend, transport) once and runs the three jobs on it; the transports
// alternate order from round to round, and ratios are the median of per-round uring/dev ratios.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailError } from '../cli/errors.js';
import { fmtNs, fmtRate } from '../format.js';
import type { Backend } from '../modes.js';
import { O } from '../native/io.js';
import { createPool } from '../runner/pool.js';
import { ensureDataFile } from '../scenarios/files.js';
import { startServer } from '../server/process.js';
import type { Transport } from '../server/types.js';
import { textTable } from '../text-table.js';
import type { JobPhase } from '../../workers/task.js';
import { bootstrapMedianCI, DEFAULT_STATS, type RatioCI } from '../analysis/stats.js';
import { harnessWindow, type HarnessRun } from './harness-run.js';
import { median } from './goals.js';

/** The kernel (or enable_uring) rules the io_uring transport out: nothing to compare. */
export class TransportUnavailable extends FailError {}

const FILE = 'transport.dat';
const SIZE = 64 << 20;
const BACKENDS: Backend[] = ['null', 'disk'];
const LEAD_IN_SEC = 0.2;
const TRANSPORTS: Transport[] = ['dev', 'uring'];

interface TransportJob {
  name: string;
  jobs: number;
  openFlags: number;
  phase: JobPhase;
}

const JOBS: TransportJob[] = [
  { name: 'randwrite 4k, 1 job', jobs: 1, openFlags: O.RDWR | O.DIRECT, phase: { name: 'write', engine: 'psync', op: 'pwrite', blockSize: 4096, pattern: 'random', offset: 0, range: SIZE, share: 1 } },
  { name: 'randwrite 4k, 4 jobs', jobs: 4, openFlags: O.RDWR | O.DIRECT, phase: { name: 'write', engine: 'psync', op: 'pwrite', blockSize: 4096, pattern: 'random', offset: 0, range: SIZE, share: 1 } },
  { name: 'seqread 128k, 1 job', jobs: 1, openFlags: O.RDONLY, phase: { name: 'read', engine: 'psync', op: 'pread', blockSize: 128 * 1024, pattern: 'sequential', offset: 0, range: SIZE, share: 1 } },
];

export interface TransportRow {
  backend: Backend;
  job: string;
  /** One run per round, per transport (null: that round could not run it). */
  runs: Record<Transport, Array<HarnessRun | null>>;
  /** uring / dev, the median of per-round ratios with its 95 % bootstrap interval. */
  iops: RatioCI;
  serverCpuPerOp: RatioCI;
  clientCpuPerOp: RatioCI;
}

export interface TransportPerf {
  seconds: number;
  rounds: number;
  mode: 'parallel';
  uring: { queues: number | null; depth: number | null };
  rows: TransportRow[];
}

function pairedRatio(rows: Record<Transport, Array<HarnessRun | null>>, pick: (r: HarnessRun) => number | null, salt: string): RatioCI {
  const rs = rows.dev.flatMap((d, i) => {
    const u = rows.uring[i];
    const a = d ? pick(d) : null;
    const b = u ? pick(u) : null;
    return a !== null && b !== null && a > 0 ? [b / a] : [];
  });
  return bootstrapMedianCI(rs, DEFAULT_STATS, salt);
}

export async function perfTransport(seconds: number, rounds: number, log: (s: string) => void, interrupted: () => boolean = () => false): Promise<TransportPerf> {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-transport-'));
  const backing = join(dir, 'backing');
  const pool = createPool(Math.max(...JOBS.map((j) => j.jobs)));
  const runs = new Map<string, Record<Transport, Array<HarnessRun | null>>>();
  const uring: TransportPerf['uring'] = { queues: null, depth: null };
  try {
    ensureDataFile(backing, FILE, SIZE);
    for (let round = 0; round < rounds; round++) {
      for (const backend of BACKENDS) {
        for (const transport of round % 2 === 0 ? TRANSPORTS : [...TRANSPORTS].reverse()) {
          if (interrupted()) throw new FailError('perf transport: interrupted');
          log(`round ${round + 1}/${rounds}: ${backend} backend, ${transport}`);
          const server = await startServer({ backing, mountpoint: join(dir, 'mnt'), mode: 'parallel', backend, transport });
          try {
            const t = server.ready.transport;
            if (transport === 'uring') {
              if (t?.active !== true) {
                throw new TransportUnavailable(`perf transport: the io_uring transport is unavailable: ${t?.reason ?? 'the server does not report it'} (fusebench perf transport --enable-uring sets enable_uring for the run)`);
              }
              uring.queues = t.queues ?? null;
              uring.depth = t.depth ?? null;
            }
            // Unmeasured lead-in: the mount's threads (and, in the first round, the pool's) run their
            // first ~100 ms slower, whichever transport happens to come first.
            await harnessWindow(pool, server, FILE, JOBS[0]!.openFlags, JOBS[0]!.phase, Math.max(...JOBS.map((j) => j.jobs)), LEAD_IN_SEC);
            for (const job of JOBS) {
              const key = `${backend}\u0000${job.name}`;
              const r = runs.get(key) ?? { dev: [], uring: [] };
              runs.set(key, r);
              r[transport][round] = await harnessWindow(pool, server, FILE, job.openFlags, job.phase, job.jobs, seconds, 17 + round * 8);
            }
          } finally {
            await server.stop();
          }
        }
      }
    }
  } finally {
    await pool.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: TransportRow[] = [];
  for (const backend of BACKENDS) {
    for (const job of JOBS) {
      const r = runs.get(`${backend}\u0000${job.name}`);
      if (!r) continue;
      const salt = `transport/${backend}/${job.name}`;
      rows.push({
        backend,
        job: job.name,
        runs: r,
        iops: pairedRatio(r, (x) => x.iops, `${salt}/iops`),
        serverCpuPerOp: pairedRatio(r, (x) => x.cpu.serverNsPerOp, `${salt}/server`),
        clientCpuPerOp: pairedRatio(r, (x) => x.cpu.clientNsPerOp, `${salt}/client`),
      });
    }
  }
  return { seconds, rounds, mode: 'parallel', uring, rows };
}

function ci(r: RatioCI): string {
  return Number.isFinite(r.low) ? `${r.ratio.toFixed(2)} [${r.low.toFixed(2)}–${r.high.toFixed(2)}]` : `${r.ratio.toFixed(2)} [no interval]`;
}

export function formatTransportPerf(p: TransportPerf): string {
  const med = (xs: Array<HarnessRun | null>, pick: (r: HarnessRun) => number | null): number =>
    median(xs.flatMap((x) => (x && pick(x) !== null ? [pick(x)!] : [])));
  const rows = p.rows.map((r) => [
    r.backend,
    r.job,
    fmtRate(med(r.runs.dev, (x) => x.iops)),
    fmtRate(med(r.runs.uring, (x) => x.iops)),
    ci(r.iops),
    fmtNs(med(r.runs.dev, (x) => x.cpu.serverNsPerOp)),
    fmtNs(med(r.runs.uring, (x) => x.cpu.serverNsPerOp)),
    ci(r.serverCpuPerOp),
    fmtNs(med(r.runs.dev, (x) => x.cpu.clientNsPerOp)),
    fmtNs(med(r.runs.uring, (x) => x.cpu.clientNsPerOp)),
    ci(r.clientCpuPerOp),
    `${med(r.runs.dev, (x) => x.cpu.serverPreemptionsPerOp ?? null).toFixed(2)} / ${med(r.runs.uring, (x) => x.cpu.serverPreemptionsPerOp ?? null).toFixed(2)}`,
  ]);
  return (
    textTable(['backend', 'job', 'IOPS dev', 'IOPS uring', 'uring/dev [95 % CI]', 'srv CPU/op dev', 'uring', 'uring/dev', 'cli CPU/op dev', 'uring', 'uring/dev', 'srv preempt/op dev / uring'], rows, {
      numeric: (c) => c >= 2,
    }) +
    `(our harness, psync, mode parallel; randwrite: O_DIRECT at random offsets of a 64 MiB file; seqread: buffered 128 KiB preads, which DIRECT_IO sends to the server; ` +
    `io_uring: ${p.uring.queues ?? '?'} queues × ${p.uring.depth ?? '?'} entries; ${p.seconds}s windows after a ${LEAD_IN_SEC}s unmeasured lead-in per mount, ${p.rounds} rounds, transports in alternating order; ` +
    'ratios: median of per-round uring/dev ratios. CPU/op: server = its utime+stime (/proc/<pid>/stat, 10 ms ticks), client = this process (getrusage) over the window, per operation; srv preempt/op: involuntary context switches of the server threads per operation)\n'
  );
}
