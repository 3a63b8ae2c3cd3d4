// Turns the jobs' packed results into per-operation stats: histograms merged exactly across jobs.
import { mergeEncoded, summarize } from '../hist/histogram.js';
import type { OpStats, ServerOpStats } from '../results/schema.js';
import type { ServerStats } from '../server/types.js';
import type { JobOutcome } from './jobs.js';

export interface Collected {
  ops: Record<string, OpStats>;
  errors: Record<string, number>;
  openErrors: Record<string, number>;
  durationNs: number;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function collect(outcomes: JobOutcome[], bytesPerOp: Record<string, number>): Collected {
  const byOp = new Map<string, { hists: string[]; start: number; end: number }>();
  const errors: Record<string, number> = {};
  const openErrors: Record<string, number> = {};
  for (const { result } of outcomes) {
    if (result.openError) {
      openErrors[result.openError] = (openErrors[result.openError] ?? 0) + 1;
      errors[result.openError] = (errors[result.openError] ?? 0) + 1;
    }
    for (const p of result.phases) {
      addCounts(errors, p.errors);
      const e = byOp.get(p.name) ?? { hists: [], start: Infinity, end: 0 };
      e.hists.push(p.histogram);
      e.start = Math.min(e.start, p.startNs);
      e.end = Math.max(e.end, p.endNs);
      byOp.set(p.name, e);
    }
  }
  const ops: Record<string, OpStats> = {};
  let durationNs = 0;
  for (const [name, e] of byOp) {
    const h = mergeEncoded(e.hists);
    const d = e.end > e.start ? e.end - e.start : 0;
    durationNs = Math.max(durationNs, d);
    ops[name] = summarize({ histogram: h, durationNs: d, bytesPerOp: bytesPerOp[name] ?? 0 });
    h.destroy();
  }
  return { ops, errors, openErrors, durationNs };
}

export function serverOpStats(s: ServerStats | null): Record<string, ServerOpStats> {
  const out: Record<string, ServerOpStats> = {};
  if (!s) return out;
  for (const [op, o] of Object.entries(s.ops)) {
    out[op] = {
      count: o.count,
      ...(o.bytes !== undefined ? { bytes: o.bytes } : {}),
      ...(o.errors !== undefined ? { errors: o.errors } : {}),
      maxInFlightPerInode: o.maxInFlightPerInode,
      ...(o.meanInFlight !== undefined ? { meanInFlight: o.meanInFlight } : {}),
      ...(o.maxInFlight !== undefined ? { maxInFlight: o.maxInFlight } : {}),
      ...(o.service ? { service: { p50Ns: o.service.p50Ns, p99Ns: o.service.p99Ns, maxNs: o.service.maxNs, buckets: o.service.buckets.map(([ns, n]) => [ns, n] as [number, number]) } } : {}),
    };
  }
  return out;
}

/**
 * The lock path the kernel took, from what the server saw: more than one WRITE in flight on one inode
 * can only happen on the shared path; exactly one with several writers is the exclusive fallback.
 */
export function lockVerdict(serverStats: Record<string, ServerOpStats>, jobs: number): 'shared' | 'exclusive' | 'n/a' {
  const w = serverStats['WRITE'];
  if (!w || w.count === 0) return 'n/a';
  if (w.maxInFlightPerInode > 1) return 'shared';
  if (w.maxInFlightPerInode === 1 && jobs > 1) return 'exclusive';
  return 'n/a';
}
