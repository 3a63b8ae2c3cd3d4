// Valid results documents without a mount: the default matrix's shape, real encoded HDR histograms
// drawn from a seeded distribution, a per-repeat run-to-run wobble, and an optional server-delay factor.
// For report and compare tests while (and after) `fusebench run` produces the real thing.
import { newHistogram, recordAll, summarize } from '../../bench/hist/histogram.js';
import { parseResults, SCHEMA_VERSION, type Cell, type Micro, type OpStats, type Probe, type Results, type ServerOpStats, type ServiceTime, type TimePoint } from '../../bench/results/schema.js';
import { prng } from '../../bench/analysis/stats.js';

export interface SyntheticOptions {
  seed?: number;
  kernelRelease?: string;
  kernelVersion?: string;
  hostname?: string;
  cpu?: string;
  toolVersion?: string;
  emulated?: boolean;
  repeats?: number;
  /** Latency of server-bound WRITEs is multiplied by this (an injected server delay). */
  delayFactor?: number;
  /** Samples per operation per repeat (real runs have far more; the shape is what matters). */
  samples?: number;
  /** Relative run-to-run wobble of a repeat's latency level (log-normal sigma). */
  repeatNoise?: number;
  scenarios?: string[];
  modes?: string[];
  /** Delay axis values as the runner records them ('none' or 'write=200us'). */
  delays?: string[];
  servers?: string[];
  backend?: string;
  jobs?: number;
  micro?: boolean;
  /** Changes some probe verdicts (a kernel that behaves differently). */
  probeFlip?: string[];
  initNegotiated?: string[];
}

const DEFAULT_SCENARIOS = ['dio-write', 'dio-write-extend', 'read', 'mmap', 'fallback'];
const DEFAULT_MODES = ['cached', 'direct', 'parallel', 'passthrough', 'passthrough-direct', 'passthrough-parallel', 'direct+allow-mmap'];

/** Operation names each scenario records, as the real scenarios name them. */
const SCENARIO_OPS: Record<string, string[]> = {
  'dio-write': ['write'],
  'dio-write-extend': ['write'],
  read: ['randread', 'seqread'],
  mmap: ['mmap-read', 'mmap-write'],
  fallback: ['write'],
};



function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

function fopenOf(mode: string): string[] {
  const m: Record<string, string[]> = {
    cached: [],
    direct: ['DIRECT_IO'],
    parallel: ['DIRECT_IO', 'PARALLEL_DIRECT_WRITES'],
    passthrough: ['PASSTHROUGH'],
    'passthrough-direct': ['PASSTHROUGH', 'DIRECT_IO'],
    'passthrough-parallel': ['PASSTHROUGH', 'DIRECT_IO', 'PARALLEL_DIRECT_WRITES'],
  };
  return m[mode] ?? [];
}

function applies(scenario: string, mode: string, init: string[]): boolean {
  const f = fopenOf(mode);
  if (init.includes('allow-mmap') && scenario !== 'mmap' && scenario !== 'fallback') return false;
  if (scenario === 'fallback') return f.includes('PARALLEL_DIRECT_WRITES') && !f.includes('PASSTHROUGH');
  if (scenario === 'dio-write-extend') return f.includes('DIRECT_IO') || mode === 'cached';
  return true;
}

interface OpModel {
  /** Median latency, ns. */
  baseNs: number;
  /** Whether the op reaches the server as WRITE (delay applies). */
  serverWrite: boolean;
  serverRead: boolean;
  bytes: number;
}

function opModel(scenario: string, op: string, mode: string, delayNs: number): OpModel {
  const f = fopenOf(mode);
  const pt = f.includes('PASSTHROUGH');
  const dio = f.includes('DIRECT_IO');
  if (op === 'randread' || op === 'seqread') {
    const seq = op === 'seqread';
    const base = pt && !dio ? (seq ? 30_000 : 4_000) : seq ? 90_000 : 25_000;
    return { baseNs: base, serverWrite: false, serverRead: !(pt && !dio), bytes: seq ? 131072 : 4096 };
  }
  if (op === 'mmap-read' || op === 'mmap-write') return { baseNs: pt ? 1_500 : 3_000, serverWrite: false, serverRead: !pt, bytes: 4096 };
  // Writes: passthrough without DIRECT_IO bypasses the server; the cache absorbs cached writes.
  const toServer = !(pt && !dio) && (dio || scenario === 'dio-write-extend');
  const base = pt && !dio ? 6_000 : mode === 'cached' ? 9_000 : 28_000;
  return { baseNs: base + (toServer ? delayNs : 0), serverWrite: toServer, serverRead: false, bytes: 4096 };
}

function parseDelayNs(delay: string): number {
  const m = /^write=(\d+)(us|ms|ns)$/.exec(delay);
  if (!m) return 0;
  const v = Number(m[1]);
  return m[2] === 'ms' ? v * 1e6 : m[2] === 'us' ? v * 1e3 : v;
}

function drawOp(r: () => number, baseNs: number, level: number, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    // A rare slow tail (0.2 %), so p99 sits in the body and p99.9 shows the tail.
    const tail = r() < 0.002 ? 8 + 20 * r() : 1;
    out[i] = baseNs * level * Math.exp(0.25 * gauss(r)) * tail;
  }
  return out;
}

/**
 * A service-time histogram as fusebench-server sends it (native/server/stats.c: 8 sub-buckets per
 * power of two, exact below 8 ns, buckets named by their largest value), for values in ns.
 */
function serviceTime(values: number[]): ServiceTime {
  const buckets = new Map<number, number>();
  let max = 0;
  for (const x of values) {
    const v = Math.max(0, Math.round(x));
    max = Math.max(max, v);
    let upper = v;
    if (v >= 8) {
      const msb = v.toString(2).length - 1;
      const sub = Math.floor(v / 2 ** (msb - 3)) & 7;
      upper = (8 + sub + 1) * 2 ** (msb - 3) - 1;
    }
    buckets.set(upper, (buckets.get(upper) ?? 0) + 1);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const at = (p: number): number => {
    const want = values.length - Math.floor((values.length * (100 - p)) / 100);
    let seen = 0;
    for (const [u, n] of sorted) if ((seen += n) >= want) return Math.min(u, max);
    return max;
  };
  return { p50Ns: at(50), p99Ns: at(99), maxNs: max, buckets: sorted };
}

function opStats(values: number[], jobs: number, bytes: number, serialised: boolean): { stats: OpStats; durationNs: number } {
  const h = newHistogram();
  recordAll(h, values);
  const meanNs = values.reduce((a, b) => a + b, 0) / values.length;
  // Closed loop: jobs in parallel unless serialised on the inode lock.
  const durationNs = (values.length * meanNs) / (serialised ? 1 : jobs);
  const stats = summarize({ histogram: h, durationNs, bytesPerOp: bytes });
  h.destroy();
  return { stats, durationNs };
}

function timeSeries(r: () => number, jobs: number, baseNs: number): { points: TimePoint[]; phases: Array<{ name: string; startMs: number; endMs: number }> } {
  const total = 3000;
  const phases = [
    { name: 'parallel', startMs: 0, endMs: 600 },
    { name: 'caching-open', startMs: 600, endMs: 1200 },
    { name: 'closed', startMs: 1200, endMs: 1800 },
    { name: 'mmap-shared', startMs: 1800, endMs: 2100 },
    { name: 'munmap-fd-open', startMs: 2100, endMs: 2400 },
    { name: 'fd-closed', startMs: 2400, endMs: total },
  ];
  const points: TimePoint[] = [];
  for (let t = 0; t < total; t += 100) {
    const phase = phases.find((p) => t >= p.startMs && t < p.endMs)!.name;
    const exclusive = phase === 'caching-open' || phase === 'mmap-shared' || phase === 'munmap-fd-open';
    const inflight = exclusive ? 1 : jobs;
    const lat = baseNs * (exclusive ? jobs : 1) * (1 + 0.1 * r());
    points.push({
      tMs: t,
      phase,
      writesInFlightMax: inflight,
      writesInFlightMean: exclusive ? 0.9 + 0.1 * r() : inflight * (0.85 + 0.1 * r()),
      opsPerSec: (inflight * 1e9) / lat,
      p50Ns: Math.round(lat),
      p99Ns: Math.round(lat * 2.5),
    });
  }
  return { points, phases };
}

export const PROBES: Probe[] = [
  { id: 'parallel-shared', rule: 'DIRECT_IO|PARALLEL_DIRECT_WRITES non-extending writes take the shared lock', expected: 'max WRITEs in flight > 1', observed: 'max 4', verdict: 'pass', changedIn: '6.2', reason: null },
  { id: 'direct-exclusive', rule: 'DIRECT_IO without PARALLEL_DIRECT_WRITES is exclusive', expected: 'max WRITEs in flight = 1', observed: 'max 1', verdict: 'pass', changedIn: null, reason: null },
  { id: 'caching-open-fallback', rule: 'a caching open forces later DIO writes exclusive until it closes', expected: '1 during, >1 after', observed: '1 during, 4 after', verdict: 'pass', changedIn: '6.9', reason: null },
  { id: 'mmap-after-munmap', rule: 'munmap does not leave caching mode; the fd close does', expected: '1 after munmap', observed: '1 after munmap', verdict: 'pass', changedIn: '6.9', reason: null },
  { id: 'passthrough-read-bypass', rule: 'passthrough reads never reach the server', expected: 'READ count 0', observed: 'READ count 0', verdict: 'pass', changedIn: '6.9', reason: null },
  { id: 'passthrough-mmap-enodev', rule: 'non-passthrough fd on a backed inode: mmap ENODEV', expected: 'ENODEV', observed: 'ENODEV', verdict: 'pass', changedIn: null, reason: null },
  { id: 'io-uring-offered', rule: 'FUSE over io_uring is offered when enable_uring=Y', expected: 'offered', observed: 'not enabled', verdict: 'unsupported', changedIn: '6.14', reason: 'enable_uring=N' },
];

function microEntries(r: () => number): Micro[] {
  const out: Micro[] = [];
  for (const name of ['stat', 'open+close', 'getxattr', 'pread 4k']) {
    const native = 400 + 1000 * r();
    for (const [server, mode, factor] of [['native', '-', 1], ['c', 'direct', 6 + r()], ['fuse-native', 'direct', 20 + 4 * r()]] as const) {
      const mean = native * factor;
      out.push({ name, server, mode, meanNs: mean, p50Ns: mean * 0.95, p99Ns: mean * 2, sdNs: mean * 0.1, rme: 0.8 + r(), samples: 5000, ratioToNative: server === 'native' ? 1 : factor, status: 'ok', reason: null });
    }
  }
  return out;
}

export function syntheticResults(o: SyntheticOptions = {}): Results {
  const seed = o.seed ?? 1;
  const r = prng(seed);
  const repeats = o.repeats ?? 3;
  const samples = o.samples ?? 2000;
  const jobs = o.jobs ?? 4;
  const delayFactor = o.delayFactor ?? 1;
  const noise = o.repeatNoise ?? 0.015;
  const servers = o.servers ?? ['c'];
  const cells: Cell[] = [];
  for (const scenario of o.scenarios ?? DEFAULT_SCENARIOS) {
    const usesDelay = scenario === 'dio-write' || scenario === 'dio-write-extend' || scenario === 'fallback';
    const delays = scenario === 'fallback' ? ['write=1ms'] : usesDelay ? (o.delays ?? ['none', 'write=200us']) : ['none'];
    for (const spec of o.modes ?? DEFAULT_MODES) {
      const [mode, ...initRaw] = spec.split('+');
      const init = scenario === 'fallback' && !initRaw.includes('allow-mmap') ? [...initRaw, 'allow-mmap'] : initRaw;
      if (!applies(scenario, mode!, initRaw)) continue;
      for (const server of servers) {
        for (const delay of delays) {
          for (let repeat = 0; repeat < (scenario === 'fallback' ? 1 : repeats); repeat++) {
            const key = `${scenario}/${[mode, ...init].join('+')}/psync/j${jobs}/bs4096/${o.backend ?? 'disk'}/${server}/${delay === 'none' ? 'nodelay' : delay}`;
            const base = {
              id: `${key}/r${repeat}`,
              scenario,
              mode: mode!,
              fopen: fopenOf(mode!),
              init,
              engine: scenario === 'mmap' ? 'mmap' : 'psync',
              jobs,
              blockSize: 4096,
              backend: o.backend ?? 'disk',
              server,
              delay,
              repeat,
            };
            const f = fopenOf(mode!);
            const pt = f.includes('PASSTHROUGH');
            if (server === 'fuse-native' && (pt || f.includes('PARALLEL_DIRECT_WRITES'))) {
              cells.push({ ...base, durationNs: 0, status: 'unsupported', reason: 'fuse-native (libfuse 2) knows neither passthrough nor parallel direct writes', lockPath: 'n/a', ops: {}, serverStats: {}, errors: {} });
              continue;
            }
            if (scenario === 'mmap' && f.includes('DIRECT_IO') && !pt && !init.includes('allow-mmap')) {
              cells.push({ ...base, durationNs: 0, status: 'unsupported', reason: 'ENODEV as the mode rules predict (docs/kernel-fuse.md "mmap rules")', lockPath: 'n/a', ops: {}, serverStats: {}, errors: { ENODEV: jobs }, expectedErrors: ['ENODEV'] });
              continue;
            }
            const level = Math.exp(noise * gauss(r)) * (server === 'fuse-native' ? 3 : 1);
            const delayNs = parseDelayNs(delay);
            const ops: Record<string, OpStats> = {};
            let durationNs = 0;
            const serverStats: Record<string, ServerOpStats> = {};
            const shared = f.includes('PARALLEL_DIRECT_WRITES') && f.includes('DIRECT_IO') && scenario !== 'dio-write-extend';
            for (const op of SCENARIO_OPS[scenario] ?? ['write']) {
              const m = opModel(scenario, op, mode!, delayNs);
              const factor = m.serverWrite ? delayFactor : 1;
              const serialised = m.serverWrite && !shared;
              const values = drawOp(r, m.baseNs * factor * (serialised && delayNs > 0 ? 1 : 1), level, samples);
              const { stats, durationNs: d } = opStats(values, jobs, m.bytes, serialised);
              ops[op] = stats;
              durationNs = Math.max(durationNs, d);
              if (m.serverWrite) {
                const prev = serverStats['WRITE'];
                serverStats['WRITE'] = {
                  count: (prev?.count ?? 0) + samples,
                  bytes: (prev?.bytes ?? 0) + samples * m.bytes,
                  maxInFlightPerInode: shared ? jobs : 1,
                  meanInFlight: shared ? jobs * (0.8 + 0.15 * r()) : 0.95,
                  // The server's part of each call: the delay it holds plus a share of the rest.
                  service: serviceTime(values.map((v) => delayNs + 0.5 * Math.max(0, v - delayNs))),
                };
              }
              if (m.serverRead) serverStats['READ'] = { count: samples, bytes: samples * m.bytes, maxInFlightPerInode: jobs, meanInFlight: jobs * 0.7, service: serviceTime(values.map((v) => 0.5 * v)) };
            }
            const w = serverStats['WRITE'];
            const lockPath = !w || w.count === 0 ? 'n/a' : w.maxInFlightPerInode > 1 ? 'shared' : jobs > 1 ? 'exclusive' : 'n/a';
            const cell: Cell = { ...base, durationNs, status: 'ok', reason: null, lockPath, ops, serverStats, errors: {} };
            if (scenario === 'fallback') {
              const ts = timeSeries(r, jobs, 28_000 + delayNs);
              cell.timeSeries = ts.points;
              cell.phases = ts.phases;
            }
            cells.push(cell);
          }
        }
      }
    }
  }
  const probes = PROBES.map((p) =>
    o.probeFlip?.includes(p.id) ? { ...p, verdict: p.verdict === 'pass' ? ('fail' as const) : ('pass' as const), observed: `flipped: ${p.observed}` } : { ...p },
  );
  const results: Results = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'fusebench', version: o.toolVersion ?? '0.1.0' },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:03:00.000Z',
    interrupted: false,
    loop: 'closed',
    host: {
      hostname: o.hostname ?? 'bench-host',
      kernelRelease: o.kernelRelease ?? '6.18.44',
      kernelVersion: o.kernelVersion ?? '#1 SMP PREEMPT_DYNAMIC Debian 6.18.44-1',
      emulated: o.emulated ?? false,
      cpu: o.cpu ?? 'AMD EPYC 7B13',
      cpus: 2,
      memBytes: 8 * 2 ** 30,
      root: true,
      config: { CONFIG_FUSE_FS: 'y', CONFIG_FUSE_PASSTHROUGH: 'y', CONFIG_FUSE_IO_URING: 'y' },
      moduleParams: { enable_uring: 'N', max_user_bgreq: '4096' },
      sysctls: { max_pages_limit: '256' },
    },
    fuse: {
      protocol: '7.45',
      initOffered: ['ASYNC_READ', 'ASYNC_DIO', 'PARALLEL_DIROPS', 'DIRECT_IO_ALLOW_MMAP', 'PASSTHROUGH', 'MAX_PAGES', 'WRITEBACK_CACHE', 'SPLICE_WRITE', 'OVER_IO_URING'],
      initNegotiated: o.initNegotiated ?? ['ASYNC_READ', 'PARALLEL_DIROPS', 'DIRECT_IO_ALLOW_MMAP', 'PASSTHROUGH', 'MAX_PAGES'],
      maxWrite: 1048576,
      maxPages: 256,
      passthroughUsable: true,
      passthroughReason: null,
      ioUringOffered: false,
    },
    config: { scenarios: o.scenarios ?? DEFAULT_SCENARIOS, repeats, durationMs: 700 },
    harness: { tasks: [{ name: 'clock pair', meanNs: 61, p50Ns: 60, p99Ns: 110, sdNs: 12, rme: 0.3, samples: 100000 }] },
    cells,
    probes,
    ...(o.micro ? { micro: microEntries(r) } : {}),
  };
  // Round trip through the schema: the helper must never hand a test an invalid document.
  return parseResults(JSON.parse(JSON.stringify(results)), 'synthetic results');
}

/** Markup a hostile results file puts in every string it can; the report must show it as text. */
export const HOSTILE = {
  hostname: '<script>alert("hostname")</script>',
  kernelRelease: '6.18<script>alert("release")</script>',
  kernelVersion: '"><img src=x onerror=alert("version")>',
  cpu: "</td><svg onload=alert('cpu')>",
  scenario: '<script>alert("scenario")</script>',
  mode: '<img src=x onerror=alert("mode")>',
  op: '<b onmouseover=alert("op")>w</b>',
  phase: '</text><script>alert("phase")</script>',
  probe: '<iframe src="https://evil.example/"></iframe>',
  reason: '<a href="javascript:alert(1)">x</a>',
  micro: '<style>body{display:none}</style>',
  configKey: '</pre><script>alert("config")</script>',
  terminal: '\u001b]0;pwned\u0007\u001b[2J',
} as const;

export function hostileResults(): Results {
  const r = JSON.parse(JSON.stringify(syntheticResults({ scenarios: ['dio-write', 'fallback', 'mmap'], repeats: 2, delays: ['none'], micro: true, samples: 500 }))) as Results;
  r.host.hostname = HOSTILE.hostname + HOSTILE.terminal;
  r.host.kernelRelease = HOSTILE.kernelRelease;
  r.host.kernelVersion = HOSTILE.kernelVersion;
  r.host.cpu = HOSTILE.cpu;
  r.host.moduleParams = { [HOSTILE.configKey.slice(0, 60)]: HOSTILE.configKey };
  r.fuse.initNegotiated = [...r.fuse.initNegotiated, '<script>x</script>'];
  r.config = { [HOSTILE.configKey.slice(0, 60)]: HOSTILE.configKey };
  for (const c of r.cells) {
    if (c.scenario === 'dio-write') c.scenario = HOSTILE.scenario;
    if (c.mode === 'direct') c.mode = HOSTILE.mode;
    if (c.status !== 'ok') c.reason = HOSTILE.reason;
    if (c.ops['write'] && c.scenario === HOSTILE.scenario) {
      c.ops[HOSTILE.op] = c.ops['write'];
      delete c.ops['write'];
    }
    const first = Object.values(c.ops)[0];
    if (first) first.hgrm = c.repeat === 0 ? 'javascript:alert("hgrm")' : '../../../etc/passwd';
    for (const p of c.phases ?? []) p.name = HOSTILE.phase;
    for (const t of c.timeSeries ?? []) t.phase = HOSTILE.phase;
  }
  r.probes[0]!.rule = HOSTILE.probe;
  r.probes[0]!.observed = HOSTILE.probe;
  r.probes[1]!.id = HOSTILE.scenario;
  for (const m of r.micro ?? []) m.name = HOSTILE.micro;
  return parseResults(JSON.parse(JSON.stringify(r)), 'hostile results');
}
