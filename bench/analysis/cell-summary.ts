// One cell (a group of repeats) as every table shows it: the terminal summary of `fusebench run` and
// the report's cell tables render this and compute nothing of their own, so the two always print the
// same numbers for the same results.
import type { Cell } from '../results/schema.js';
import { groupOps, groupStatus, lockSummary, okRepeats, type CellGroup, type LockSummary } from './groups.js';
import { mergedLatency, throughput, type MergedLatency, type Throughput } from './latency.js';
import { serviceShare, type ServiceShare } from './service.js';
import { median } from './stats.js';

export interface OpSummary {
  op: string;
  latency: MergedLatency;
  throughput: Throughput;
  /** `.hgrm` paths of the ok repeats, as the results store them (untrusted: links are checked by the renderer). */
  hgrms: Array<{ repeat: number; path: string }>;
  service: ServiceShare | null;
}

export interface CellSummary {
  group: CellGroup;
  status: Cell['status'];
  reason: string | null;
  okRepeats: number;
  lock: LockSummary | null;
  /** Median over the ok repeats of the READ requests the server saw; null without an ok repeat. */
  serverReads: number | null;
  /** errno name → count over all repeats. */
  errors: Record<string, number>;
  ops: OpSummary[];
}

export function summarizeCell(g: CellGroup): CellSummary {
  const st = groupStatus(g);
  const ok = okRepeats(g);
  const errors: Record<string, number> = {};
  for (const c of g.repeats) for (const [e, n] of Object.entries(c.errors)) errors[e] = (errors[e] ?? 0) + n;
  const names = groupOps(g);
  const ops = names.map((op): OpSummary => ({
    op,
    latency: mergedLatency(g, op),
    throughput: throughput(g, op),
    hgrms: ok.flatMap((c) => {
      const p = c.ops[op]?.hgrm;
      return typeof p === 'string' ? [{ repeat: c.repeat, path: p }] : [];
    }),
    service: serviceShare(g, op, names),
  }));
  return {
    group: g,
    status: st.status,
    reason: st.reason,
    okRepeats: ok.length,
    lock: lockSummary(g),
    serverReads: ok.length > 0 ? median(ok.map((c) => c.serverStats['READ']?.count ?? 0)) : null,
    errors,
    ops,
  };
}
