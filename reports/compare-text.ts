// The terminal table of a comparison. Strings from results files are untrusted: control characters
// (terminal escape sequences) are replaced before printing.
import type { BehaviourRow, Comparison, MetricResult, TimingValue } from '../bench/analysis/compare.js';
import { fmtNs, fmtRate } from '../bench/format.js';
import { textTable } from '../bench/text-table.js';
import { latticeDiffText } from './lattice-diff-view.js';

import { sanitizeTerminal } from './terminal-text.js';
export { sanitizeTerminal };

// Text cells (ratios with their intervals, verdicts): all left-aligned.
const table = (head: string[], rows: string[][]): string => textTable(head, rows, { numeric: () => false });

function ratio(m: MetricResult | undefined): string {
  if (!m || m.ratio === null) return '-';
  const ci = m.low !== null && m.high !== null ? ` [${m.low.toFixed(2)}–${m.high.toFixed(2)}]` : '';
  const mark = m.class === 'slower' ? ' -' : m.class === 'faster' ? ' +' : '';
  return `${m.ratio.toFixed(3)}${ci}${mark}`;
}

function changedRows<T>(rows: Array<BehaviourRow<T>>, fmt: (v: T | null) => string, labels: string[]): string {
  const ch = rows.filter((r) => r.changed);
  if (ch.length === 0) return '  none\n';
  return table(['', ...labels], ch.map((r) => [sanitizeTerminal(r.label), ...r.values.map((v) => sanitizeTerminal(fmt(v)))]));
}

/**
 * The timed cells of input `index` against the baseline: by default only the ones whose verdict is
 * slower, faster or mixed; `all` lists every common cell.
 */
export function timingTableText(c: Comparison, index: number, all: boolean): string {
  const rows: string[][] = [];
  for (const r of c.timing) {
    const base = r.values[0];
    const v: TimingValue | null | undefined = r.values[index];
    if (!base || !v) continue;
    if (!all && v.verdict !== 'slower' && v.verdict !== 'faster' && v.verdict !== 'mixed') continue;
    rows.push([
      sanitizeTerminal(r.label),
      sanitizeTerminal(r.op),
      `${fmtNs(base.mergedP50Ns)} → ${fmtNs(v.mergedP50Ns)}`,
      ratio(v.p50),
      ratio(v.p99),
      `${fmtRate(base.opsPerSec)} → ${fmtRate(v.opsPerSec)}`,
      ratio(v.throughput),
      v.verdict,
    ]);
  }
  if (rows.length === 0) return all ? '  (no common timed cells)\n' : '  (no cell is significantly faster or slower; --all lists every cell)\n';
  return (
    '  (p50 of the merged repeats, as `run` and `report` print it; ratio = median over this side\'s repeats / the baseline\'s; a trailing - or + marks a metric whose interval says slower or faster; the verdict follows p50 and ops/s)\n' +
    table(['cell', 'op', 'p50', 'p50 ratio [CI]', 'p99 ratio [CI]', 'ops/s', 'ops/s ratio [CI]', 'verdict'], rows)
  );
}

export function compareText(c: Comparison, opts: { all?: boolean } = {}): string {
  const out: string[] = [];
  const labels = c.inputs.map((i) => sanitizeTerminal(i.label));
  const b = c.inputs[0]!;
  out.push(`fusebench compare: baseline ${labels[0]} (${sanitizeTerminal(b.file)})`);
  for (const x of c.inputs.slice(1)) out.push(`  vs ${labels[x.index]} (${sanitizeTerminal(x.file)})${x.timingComparable ? '' : ' — timings not comparable (emulated vs native)'}`);
  out.push(
    `method: ${c.method.name}, ${Math.round(c.method.confidence * 100)}% interval from ${c.method.resamples} resamples of the repeats, noise threshold ±${(c.method.threshold * 100).toFixed(1)}%`,
  );
  for (const w of c.warnings) out.push(`warning: ${sanitizeTerminal(w)}`);
  out.push('');
  // Behaviour first: a lattice cell whose verdict changed is the headline of a kernel comparison.
  if (c.lattice) out.push(latticeDiffText(c, labels));
  for (const x of c.inputs.slice(1)) {
    const s = c.summary.find((y) => y.input === x.index)!;
    out.push(
      `${labels[x.index]} vs ${labels[0]}: ${s.timing.slower} slower, ${s.timing.faster} faster, ${s.timing.mixed} mixed, ${s.timing['no significant change']} no significant change` +
        `${s.timing['insufficient repeats'] ? `, ${s.timing['insufficient repeats']} insufficient repeats` : ''}${s.timing['not comparable'] ? `, ${s.timing['not comparable']} not comparable` : ''}; ` +
        `lock-path changes ${s.lockPathChanges}, status changes ${s.statusChanges}, probe changes ${s.probeChanges}, INIT flag changes ${s.initChanges}`,
    );
    out.push(timingTableText(c, x.index, opts.all ?? false));
  }
  out.push('lock path / status changes:');
  out.push(changedRows(c.cells, (v) => (v === null ? '-' : v.status !== 'ok' ? v.status : `${v.lockPath ?? 'n/a'}${v.maxWritesInFlight !== null ? ` (max ${v.maxWritesInFlight})` : ''}`), labels));
  out.push('probe verdict changes:');
  out.push(changedRows(c.probes, (v) => (v === null ? '-' : v.verdict), labels));
  out.push('INIT flag differences (offered/negotiated):');
  out.push(changedRows(c.init, (v) => (v === null ? '-' : `${v.offered ? 'offered' : '-'}/${v.negotiated ? 'negotiated' : '-'}`), labels));
  out.push('capability and environment differences:');
  out.push(changedRows(c.capabilities, (v) => v ?? '-', labels));
  return out.join('\n');
}
