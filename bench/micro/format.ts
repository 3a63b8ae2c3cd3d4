// Terminal view of micro entries: one block per task, one row per target.
import type { Micro } from '../results/schema.js';
import { RATIO_BASIS } from './entries.js';

function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)}s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)}ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)}us`;
  return `${Math.round(ns)}ns`;
}

export function microTable(entries: Micro[], tasks: Record<string, string>): string {
  const out: string[] = [];
  const names = [...new Set(entries.map((e) => e.name))];
  const head = ['target', 'mean', 'p50', 'p99', 'sd', 'rme', 'samples', `×native (${RATIO_BASIS})`];
  for (const name of names) {
    out.push(`${name}: ${tasks[name] ?? ''}`);
    const rows: string[][] = [];
    const notes: string[] = [];
    for (const e of entries.filter((x) => x.name === name)) {
      const target = e.server === 'native' ? 'native' : `${e.server}/${e.mode}`;
      if (e.status && e.status !== 'ok') {
        rows.push([target, e.status, '', '', '', '', '', '']);
        notes.push(`  ${target}: ${e.reason ?? ''}`);
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
      ]);
    }
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]): string => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    out.push(line(head), ...rows.map(line), ...notes, '');
  }
  return out.join('\n');
}
