// Terminal view of micro entries: one block per task, one row per target.
import type { Micro } from '../results/schema.js';
import { RATIO_BASIS } from './entries.js';
import { fmtNs } from '../format.js';
import { textTable } from '../text-table.js';

export function microTable(entries: Micro[], tasks: Record<string, string>): string {
  const out: string[] = [];
  // Why a cell was not measured, once per target and reason (the same reason repeats for every task).
  const notMeasured = new Map<string, string[]>();
  const names = [...new Set(entries.map((e) => e.name))];
  const head = ['target', 'mean', 'p50', 'p99', 'sd', 'rme', 'samples', `×native (${RATIO_BASIS})`, '×c'];
  // The cost of serving from JavaScript: fuse-native against the C server in the same mode.
  const cP50 = new Map<string, number>();
  for (const e of entries) if (e.server === 'c' && e.status !== 'error' && e.status !== 'unsupported' && e.p50Ns > 0) cP50.set(`${e.name}/${e.mode}`, e.p50Ns);
  for (const name of names) {
    out.push(`${name}: ${tasks[name] ?? ''}`);
    const rows: string[][] = [];
    for (const e of entries.filter((x) => x.name === name)) {
      const target = e.server === 'native' ? 'native' : `${e.server}/${e.mode}`;
      if (e.status && e.status !== 'ok') {
        rows.push([target, e.status, '', '', '', '', '', '', '']);
        const key = `${target}: ${e.status}: ${e.reason ?? ''}`;
        notMeasured.set(key, [...(notMeasured.get(key) ?? []), name]);
        continue;
      }
      rows.push([
        target,
        fmtNs(e.meanNs),
        fmtNs(e.p50Ns),
        fmtNs(e.p99Ns),
        fmtNs(e.sdNs),
        `±${e.rme.toFixed(1)}%`,
        String(e.samples),
        e.ratioToNative === null ? '-' : `${e.ratioToNative.toFixed(2)}×`,
        e.server === 'fuse-native' && cP50.has(`${e.name}/${e.mode}`) ? `${(e.p50Ns / cP50.get(`${e.name}/${e.mode}`)!).toFixed(2)}×` : '',
      ]);
    }
    out.push(textTable(head, rows, { indent: '  ' }));
  }
  if (notMeasured.size > 0) {
    out.push('not measured:');
    for (const [why, tasks] of notMeasured) out.push(`  ${why}${tasks.length < names.length ? ` (${tasks.join(', ')})` : ''}`);
    out.push('');
  }
  return out.join('\n');
}
