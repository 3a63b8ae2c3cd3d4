// tinybench results → `micro` entries of results.json, and their ratio to the native floor.
import type { Task } from 'tinybench';
import type { Micro } from '../results/schema.js';
import type { Target } from './targets.js';

/** Which statistic `ratioToNative` compares (p50: robust against the outliers of a busy machine). */
export const RATIO_BASIS = 'p50';

const MS_TO_NS = 1e6;

export function emptyEntry(name: string, t: Target, status: 'unsupported' | 'error', reason: string): Micro {
  return { name, server: t.server, mode: t.mode, meanNs: 0, p50Ns: 0, p99Ns: 0, sdNs: 0, rme: 0, samples: 0, ratioToNative: null, status, reason };
}

export function entryFromTask(task: Task, t: Target): Micro {
  const r = task.result;
  if (r.state === 'errored') return emptyEntry(task.name, t, 'error', r.error.message);
  if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') {
    return emptyEntry(task.name, t, 'error', `tinybench task ${r.state}`);
  }
  const l = r.latency;
  const finite = (x: number): number => (Number.isFinite(x) && x >= 0 ? x : 0);
  return {
    name: task.name,
    server: t.server,
    mode: t.mode,
    meanNs: finite(l.mean * MS_TO_NS),
    p50Ns: finite(l.p50 * MS_TO_NS),
    p99Ns: finite(l.p99 * MS_TO_NS),
    sdNs: finite(l.sd * MS_TO_NS),
    rme: finite(l.rme),
    samples: l.samplesCount,
    ratioToNative: null,
    status: r.state === 'completed' ? 'ok' : 'error',
    reason: r.state === 'completed' ? null : 'aborted (Ctrl-C)',
  };
}

/** Fills `ratioToNative` of every ok entry from the native entry of the same task. */
export function addRatios(entries: Micro[]): void {
  const floor = new Map<string, number>();
  for (const e of entries) if (e.server === 'native' && e.status === 'ok' && e.p50Ns > 0) floor.set(e.name, e.p50Ns);
  for (const e of entries) {
    const f = floor.get(e.name);
    e.ratioToNative = e.status === 'ok' && f !== undefined ? e.p50Ns / f : null;
  }
}
