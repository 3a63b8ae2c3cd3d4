// The lattice diff of a comparison, for the terminal and for compare.html: changed cells first.
import type { Comparison } from '../bench/analysis/compare.js';
import { diffValueText, type LatticeDiff, type LatticeDiffRow } from '../bench/lattice/diff.js';
import { html, type SafeHtml } from './html.js';
import { textTable } from '../bench/text-table.js';
import { sanitizeTerminal } from './terminal-text.js';

/** The terminal lists at most this many rows per kind; compare.html and --json have them all. */
const TEXT_ROWS = 60;
/** compare.html lists at most this many rows (a 24k-cell lattice against one without passthrough changes thousands). */
const HTML_ROWS = 5000;

function headline(d: LatticeDiff, labels: string[]): string {
  const missing = d.present.map((p, i) => (p ? null : labels[i])).filter((x) => x !== null);
  const behaviour = d.rows.filter((r) => r.changed && !r.capabilityOnly).length;
  const capability = d.rows.filter((r) => r.capabilityOnly).length;
  return (
    `flag lattice: ${d.common} cells in common, ${behaviour} verdict changes, ${capability} changes to or from unsupported; ` +
    `UNEXPECTED per input: ${d.unexpected.map((n, i) => `${labels[i]} ${n}`).join(', ')}` +
    (missing.length ? ` (no lattice in ${missing.join(', ')})` : '')
  );
}

function textRows(rows: LatticeDiffRow[], labels: string[], title: string): string {
  if (rows.length === 0) return '';
  const shown = rows.slice(0, TEXT_ROWS);
  const more = rows.length - shown.length;
  return (
    `${title} (${rows.length}):\n` +
    textTable(['cell', ...labels], shown.map((r) => [sanitizeTerminal(r.label), ...r.values.map((v) => sanitizeTerminal(diffValueText(v)))]), { numeric: () => false }) +
    (more > 0 ? `  … ${more} more in compare.html and --json\n` : '')
  );
}

export function latticeDiffText(c: Comparison, labels: string[]): string {
  const d = c.lattice;
  if (!d) return '';
  return [
    headline(d, labels),
    textRows(d.rows.filter((r) => r.changed && !r.capabilityOnly), labels, 'verdict changed between runs'),
    textRows(d.rows.filter((r) => r.capabilityOnly), labels, 'unsupported in some runs'),
    textRows(d.rows.filter((r) => !r.changed), labels, 'same verdict everywhere, but UNEXPECTED somewhere'),
  ]
    .filter((s) => s !== '')
    .join('\n');
}

function valueHtml(r: LatticeDiffRow, i: number): SafeHtml {
  const v = r.values[i] ?? null;
  if (!v) return html`<td class="na">—</td>`;
  const base = r.values[0] ?? null;
  const changed = i > 0 && base !== null && base.verdict !== v.verdict;
  return html`<td class="${changed ? 'changed' : ''}">${v.verdict}${v.counts ? html`<br><span class="muted">${v.counts.writes}${v.counts.writesAfterClose ? `+${v.counts.writesAfterClose}` : ''} WRITEs, max ${v.counts.maxInFlight}</span>` : ''}${v.asPredicted ? '' : html`<br><span class="fail">UNEXPECTED</span> <span class="muted">(rules: ${v.predicted})</span>`}</td>`;
}

export function latticeDiffHtml(c: Comparison): SafeHtml {
  const d = c.lattice;
  if (!d) return html``;
  const labels = c.inputs.map((i) => i.label);
  const rows = d.rows.slice(0, HTML_ROWS);
  const kind = (r: LatticeDiffRow): string => (r.changed ? (r.capabilityOnly ? 'unsupported in some runs' : 'verdict changed') : 'UNEXPECTED somewhere');
  return html`<section id="lattice"><h2>Flag lattice</h2><p>${headline(d, labels)}.</p>
<p class="note">Cells whose verdict differs from the baseline's come first, then those where one side is <code>unsupported</code> (the kernel did not offer what the cell needs at INIT), then cells that agree between runs but not with the kernel's rules. Cells that agree everywhere are not listed.${d.rows.length > rows.length ? ` Only the first ${rows.length} of ${d.rows.length} rows are shown; --json has them all.` : ''}</p>
${rows.length === 0 ? html`<p class="pass">Every common cell has the same verdict in every run, and every cell is as predicted.</p>` : html`<table><tr><th>cell</th><th>kind</th>${labels.map((l, i) => html`<th>${l}${i === 0 ? html` <span class="muted">(baseline)</span>` : ''}</th>`)}</tr>
${rows.map((r) => html`<tr class="${r.changed ? 'row-changed' : ''}"><td class="mono">${r.label}</td><td>${kind(r)}</td>${r.values.map((_v, i) => valueHtml(r, i))}</tr>`)}</table>`}</section>`;
}
