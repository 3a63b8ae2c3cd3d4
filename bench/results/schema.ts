// The results document (README "Results"). Files from other people are untrusted input:
// everything read back goes through `parseResults`, which names the first bad field.
import { z } from 'zod';
import { LatticeSchema } from './lattice-schema.js';

export const SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const ns = z.number().nonnegative();

const OpStatsSchema = z.object({
  count,
  p50Ns: ns,
  p90Ns: ns,
  p99Ns: ns,
  p999Ns: ns,
  maxNs: ns,
  meanNs: ns,
  opsPerSec: z.number().nonnegative(),
  bytesPerSec: z.number().nonnegative(),
  /** HdrHistogram V2 compressed, base64 (hdr-histogram-js encodeIntoCompressedBase64). */
  histogram: z.string().max(4_000_000),
  /** Relative path of the `.hgrm` file written beside results.json, if any. */
  hgrm: z.string().max(512).optional(),
});
export type OpStats = z.infer<typeof OpStatsSchema>;

/**
 * The server's service time of one opcode (its `read()` of the request until its reply is written),
 * as fusebench-server's stats send it: a log histogram with 8 sub-buckets per power of two.
 */
const ServiceTimeSchema = z.object({
  p50Ns: ns,
  p99Ns: ns,
  maxNs: ns,
  /** Non-empty buckets: [largest value in the bucket (ns), requests]. */
  buckets: z.array(z.tuple([ns, count])).max(1024),
});
export type ServiceTime = z.infer<typeof ServiceTimeSchema>;

const ServerOpStatsSchema = z.object({
  count,
  bytes: count.optional(),
  errors: count.optional(),
  maxInFlightPerInode: count,
  meanInFlight: z.number().nonnegative().optional(),
  maxInFlight: count.optional(),
  /** Absent in files written before it was recorded, and for server kinds that do not measure it. */
  service: ServiceTimeSchema.optional(),
});
export type ServerOpStats = z.infer<typeof ServerOpStatsSchema>;

/** The C server's worker threads over the cell's window (its stats: threads, threadsStarted, ...). */
const ServerThreadsSchema = z.object({
  /** The most threads the server could start (--threads). */
  limit: count,
  /** Threads it had started by the end of the window. */
  started: count,
  /** The most requests it held at once (one thread each). */
  busyMax: count,
  /** Requests that took the last free thread when no more could start: every thread was busy. */
  allBusy: count,
});
export type ServerThreads = z.infer<typeof ServerThreadsSchema>;

const TimePointSchema = z.object({
  /** Start of the interval, ms since the timed phase began. */
  tMs: z.number(),
  phase: z.string().max(64),
  writesInFlightMax: count,
  writesInFlightMean: z.number().nonnegative(),
  opsPerSec: z.number().nonnegative(),
  p50Ns: ns,
  p99Ns: ns,
});
export type TimePoint = z.infer<typeof TimePointSchema>;

export const PhaseSchema = z.object({
  name: z.string().max(64),
  startMs: z.number(),
  endMs: z.number(),
});

/** CPU time over the timed window (bench/runner/cpu.ts says what each side includes). */
const CellCpuSchema = z.object({
  /** Operations the jobs completed in the window (the divisor). */
  ops: count,
  /** Server process, utime + stime of all threads; null when /proc/<pid>/stat could not be read. */
  serverNs: ns.nullable(),
  /** This process (all threads: the jobs, their syscalls, the main thread). */
  clientNs: ns,
  serverNsPerOp: ns.nullable(),
  clientNsPerOp: ns.nullable(),
  /** Server threads' voluntary context switches (went to sleep) per operation. */
  serverSleepsPerOp: z.number().nonnegative().optional(),
  /** Server threads' involuntary context switches (preempted while runnable) per operation. */
  serverPreemptionsPerOp: z.number().nonnegative().optional(),
});
export type CellCpu = z.infer<typeof CellCpuSchema>;

const CellSchema = z.object({
  id: z.string().max(256),
  scenario: z.string().max(64),
  mode: z.string().max(128),
  fopen: z.array(z.string().max(32)).max(16),
  init: z.array(z.string().max(32)).max(16),
  engine: z.string().max(32),
  /** In-flight I/Os per job (libaio, io_uring); absent in results before it was recorded. */
  iodepth: z.number().int().positive().optional(),
  jobs: z.number().int().positive(),
  blockSize: z.number().int().positive(),
  backend: z.string().max(32),
  server: z.string().max(32),
  /** dev (/dev/fuse) or uring (FUSE over io_uring); absent in results before it was recorded (= dev). */
  transport: z.string().max(16).optional(),
  delay: z.string().max(128),
  repeat: z.number().int().nonnegative(),
  durationNs: ns,
  status: z.enum(['ok', 'unsupported', 'error']),
  reason: z.string().max(4096).nullable(),
  lockPath: z.enum(['shared', 'exclusive', 'n/a']),
  ops: z.record(z.string().max(64), OpStatsSchema),
  serverStats: z.record(z.string().max(64), ServerOpStatsSchema),
  errors: z.record(z.string().max(64), count),
  /** Errors the mode rules predict (e.g. ENODEV for a shared mmap of a direct file). */
  expectedErrors: z.array(z.string().max(64)).max(16).optional(),
  timeSeries: z.array(TimePointSchema).max(100_000).optional(),
  serverThreads: ServerThreadsSchema.optional(),
  /** Every server thread was busy at some moment: the counts and throughput may describe the server, not the kernel. */
  serverBound: z.boolean().optional(),
  phases: z.array(PhaseSchema).max(64).optional(),
  cpu: CellCpuSchema.optional(),
});
export type Cell = z.infer<typeof CellSchema>;

export const ProbeSchema = z.object({
  id: z.string().max(128),
  rule: z.string().max(1024),
  expected: z.string().max(1024),
  observed: z.string().max(4096),
  verdict: z.enum(['pass', 'fail', 'unsupported']),
  changedIn: z.string().max(64).nullable(),
  reason: z.string().max(4096).nullable().optional(),
});
export type Probe = z.infer<typeof ProbeSchema>;

const HostSchema = z.object({
  hostname: z.string().max(256).optional(),
  kernelRelease: z.string().max(256),
  kernelVersion: z.string().max(512),
  emulated: z.boolean(),
  cpu: z.string().max(256),
  cpus: z.number().int().nonnegative().optional(),
  memBytes: z.number().nonnegative().optional(),
  root: z.boolean().optional(),
  config: z.record(z.string().max(64), z.string().max(64)).optional(),
  moduleParams: z.record(z.string().max(64), z.string().max(256)).optional(),
  sysctls: z.record(z.string().max(64), z.string().max(256)).optional(),
});
export type Host = z.infer<typeof HostSchema>;

const FuseSchema = z.object({
  protocol: z.string().max(16),
  initOffered: z.array(z.string().max(48)).max(128),
  initNegotiated: z.array(z.string().max(48)).max(128),
  maxWrite: z.number().int().nonnegative().optional(),
  maxPages: z.number().int().nonnegative().optional(),
  passthroughUsable: z.boolean().optional(),
  passthroughReason: z.string().max(1024).nullable().optional(),
  ioUringOffered: z.boolean().optional(),
  getxattr: z.string().max(16).optional(),
});
export type Fuse = z.infer<typeof FuseSchema>;

const HarnessSchema = z.object({
  /** What one timed operation costs the harness itself (clock reads, recording), from tinybench. */
  tasks: z.array(
    z.object({
      name: z.string().max(128),
      meanNs: ns,
      p50Ns: ns,
      p99Ns: ns,
      sdNs: ns,
      rme: z.number().nonnegative(),
      samples: count,
    }),
  ).max(64),
});

const MicroSchema = z.object({
  name: z.string().max(128),
  server: z.string().max(32),
  mode: z.string().max(128),
  meanNs: ns,
  p50Ns: ns,
  p99Ns: ns,
  sdNs: ns,
  rme: z.number().nonnegative(),
  samples: count,
  ratioToNative: z.number().nonnegative().nullable(),
  status: z.enum(['ok', 'unsupported', 'error']).optional(),
  reason: z.string().max(4096).nullable().optional(),
});
export type Micro = z.infer<typeof MicroSchema>;

const ResultsSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.string().max(64), version: z.string().max(64) }),
  startedAt: z.string().max(64),
  finishedAt: z.string().max(64).nullable(),
  /** True when Ctrl-C stopped the run: the cells present finished, the rest did not run. */
  interrupted: z.boolean(),
  loop: z.enum(['closed']),
  host: HostSchema,
  fuse: FuseSchema,
  config: z.record(z.string().max(64), z.unknown()).optional(),
  harness: HarnessSchema.optional(),
  cells: z.array(CellSchema).max(100_000),
  probes: z.array(ProbeSchema).max(1000),
  micro: z.array(MicroSchema).max(10_000).optional(),
  /** `fusebench sweep`: the verdict of every open-flag combination (lattice-schema.ts). */
  lattice: LatticeSchema.optional(),
});
export type Results = z.infer<typeof ResultsSchema>;

export class ResultsError extends Error {}

/** Validates untrusted JSON; the error names the offending field path. */
export function parseResults(data: unknown, source = 'results'): Results {
  if (typeof data === 'object' && data !== null && 'schemaVersion' in data) {
    const v = (data as { schemaVersion: unknown }).schemaVersion;
    if (v !== SCHEMA_VERSION) {
      throw new ResultsError(
        `${source}: schemaVersion ${JSON.stringify(v)} is not supported (this fusebench reads schemaVersion ${SCHEMA_VERSION})`,
      );
    }
  }
  const r = ResultsSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue ? issue.path.map(String).join('.') || '(top level)' : '(unknown)';
    throw new ResultsError(`${source}: invalid field ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}
