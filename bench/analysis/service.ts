// The server's side of a cell's latency: fusebench-server's service-time histogram (from reading a
// request to writing its reply), merged over the repeats, set beside the client's latency. Where one
// call is one request, the client's latency minus the server's service time is what the kernel (and
// the wake-ups between it and the server) adds.
import type { ServiceTime } from '../results/schema.js';
import { okRepeats, type CellGroup } from './groups.js';
import { mergedLatency } from './latency.js';

export interface MergedService {
  /** Requests in the histograms. */
  requests: number;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
}

/**
 * The server's percentile rule (native/server/stats.c): the upper bound of the bucket where the
 * cumulative count reaches total − ⌊total·(100−p)/100⌋, capped at the largest value seen.
 */
function servicePercentile(buckets: ReadonlyArray<readonly [number, number]>, maxNs: number, p: number): number {
  const total = buckets.reduce((a, [, n]) => a + n, 0);
  if (total === 0) return 0;
  const want = total - Math.floor((total * (100 - p)) / 100);
  let seen = 0;
  for (const [upper, n] of buckets) {
    seen += n;
    if (seen >= want) return Math.min(upper, maxNs);
  }
  return maxNs;
}

/** Buckets of several histograms added (the bucket bounds are the same in every run of the server). */
export function mergeService(hs: readonly ServiceTime[]): MergedService | null {
  if (hs.length === 0) return null;
  const sum = new Map<number, number>();
  for (const h of hs) for (const [upper, n] of h.buckets) sum.set(upper, (sum.get(upper) ?? 0) + n);
  const buckets = [...sum].sort((a, b) => a[0] - b[0]);
  const maxNs = Math.max(...hs.map((h) => h.maxNs));
  return {
    requests: buckets.reduce((a, [, n]) => a + n, 0),
    p50Ns: servicePercentile(buckets, maxNs, 50),
    p99Ns: servicePercentile(buckets, maxNs, 99),
    maxNs,
  };
}

/** The opcode a client operation's calls turn into when they reach the server (by its name). */
function serverOpcodeOf(op: string): 'WRITE' | 'READ' | null {
  if (/write/i.test(op)) return 'WRITE';
  if (/read/i.test(op)) return 'READ';
  return null;
}

/** Requests per call within this of 1: one call was one request, so the two latencies line up. */
const ONE_TO_ONE = 0.1;

export interface ServiceShare {
  opcode: string;
  /** Server requests of that opcode per client call (0: the kernel served the calls without the server). */
  requestsPerCall: number;
  /** Null when no repeat carries the server's histogram (older files, other server kinds). */
  service: MergedService | null;
  /** Client p50/p99 minus the server's, when one call is one request; else null with `why`. */
  kernelP50Ns: number | null;
  kernelP99Ns: number | null;
  why: string | null;
}

/** The server's service time beside one client operation of a group; null when the op maps to no opcode. */
export function serviceShare(g: CellGroup, op: string, groupOps: readonly string[]): ServiceShare | null {
  const opcode = serverOpcodeOf(op);
  if (!opcode) return null;
  const ok = okRepeats(g).filter((c) => c.ops[op]);
  const requests = ok.reduce((a, c) => a + (c.serverStats[opcode]?.count ?? 0), 0);
  const client = mergedLatency(g, op);
  const service = mergeService(ok.map((c) => c.serverStats[opcode]?.service).filter((s): s is ServiceTime => s !== undefined));
  const requestsPerCall = client.count > 0 ? requests / client.count : 0;
  const share: ServiceShare = { opcode, requestsPerCall, service, kernelP50Ns: null, kernelP99Ns: null, why: null };
  if (groupOps.filter((o) => serverOpcodeOf(o) === opcode).length > 1) {
    share.why = `several operations of the cell send ${opcode}`;
  } else if (requests === 0) {
    share.why = `the server saw no ${opcode}: the kernel served the calls (passthrough or page cache)`;
  } else if (Math.abs(requestsPerCall - 1) > ONE_TO_ONE) {
    share.why = `${requestsPerCall.toFixed(2)} ${opcode} per call: calls and requests do not pair up`;
  } else if (!service) {
    share.why = 'no service-time histogram in these results';
  } else {
    share.kernelP50Ns = client.p50Ns - service.p50Ns;
    share.kernelP99Ns = client.p99Ns - service.p99Ns;
  }
  return share;
}
