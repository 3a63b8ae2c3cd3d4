// compare.html: the comparison as one self-contained page. One table per dimension — rows are INIT
// flags, capabilities, probes, cells — and one column per input, labelled by kernel release; changes
// against the baseline (first column) are highlighted. Timings: ratios with their interval.
import type { BehaviourRow, Comparison, MetricResult, TimingValue } from '../bench/analysis/compare.js';
import { fmtNs, fmtRate } from '../bench/format.js';
import { html, page, type SafeHtml } from './html.js';
import { latticeDiffHtml } from './lattice-diff-view.js';

function behaviourTable<T>(c: Comparison, rows: Array<BehaviourRow<T>>, cell: (v: T, i: number) => SafeHtml, same: (a: T, b: T) => boolean, firstCol: string): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">Nothing to compare.</p>`;
  return html`<table>${headWith(c, firstCol)}
${rows.map((r) => {
  const b = r.values[0] ?? null;
  return html`<tr class="${r.changed ? 'row-changed' : ''}"><td class="mono">${r.label}</td>${r.values.map((v, i) => {
    if (v === null) return html`<td class="na">—</td>`;
    const changed = i > 0 && (b === null || !same(b, v));
    return html`<td class="${changed ? 'changed' : ''}">${cell(v, i)}</td>`;
  })}</tr>`;
})}</table>`;
}

function headWith(c: Comparison, first: string): SafeHtml {
  return html`<tr><th>${first}</th>${c.inputs.map((i) => html`<th>${i.label}${i.index === 0 ? html` <span class="muted">(baseline)</span>` : ''}${i.timingComparable ? '' : html`<br><span class="muted">timings not comparable</span>`}</th>`)}</tr>`;
}

function cls(v: string): string {
  if (v === 'faster') return 'faster';
  if (v === 'slower') return 'slower';
  if (v === 'mixed') return 'warnc';
  return 'nc';
}

function ratioLine(name: string, m: MetricResult | undefined): SafeHtml {
  if (!m) return html``;
  const ci = m.low !== null && m.high !== null ? ` [${m.low.toFixed(2)}–${m.high.toFixed(2)}]` : '';
  return html`<div><span class="muted">${name}</span> ${m.ratio === null ? '-' : `${m.ratio.toFixed(3)}×`}${ci} <span class="${cls(m.class)}">${m.class === 'no significant change' ? '' : m.class}</span></div>`;
}

function absolute(v: TimingValue): SafeHtml {
  return html`<div>p50 ${fmtNs(v.mergedP50Ns)}</div><div>p99 ${fmtNs(v.mergedP99Ns)}</div><div>${fmtRate(v.opsPerSec)} ops/s</div><div class="muted">${v.repeats} repeats</div>`;
}

function timingCell(v: TimingValue, i: number): SafeHtml {
  if (i === 0) return absolute(v);
  // Emulated against native: the numbers are shown for what they are, never as a ratio.
  if (v.verdict === 'not comparable') return html`<div class="nc">not comparable</div>${absolute(v)}`;
  return html`<div class="${cls(v.verdict)}">${v.verdict}</div>${ratioLine('p50', v.p50)}${ratioLine('p99', v.p99)}${ratioLine('ops/s', v.throughput)}<div class="muted">${v.repeats} repeats</div>`;
}

function timingTable(c: Comparison): SafeHtml {
  if (c.timing.length === 0) return html`<p class="muted">No timed cells in common.</p>`;
  return html`<table class="timing">${headWith(c, 'cell · operation')}
${c.timing.map((r) => {
  const interesting = r.values.slice(1).some((v) => v && (v.verdict === 'faster' || v.verdict === 'slower' || v.verdict === 'mixed'));
  return html`<tr class="${interesting ? 'row-changed' : ''}"><td class="mono">${r.label}<br>${r.op}</td>${r.values.map((v, i) => {
    if (v === null) return html`<td class="na">—</td>`;
    const changed = i > 0 && (v.verdict === 'faster' || v.verdict === 'slower' || v.verdict === 'mixed');
    return html`<td class="${changed ? 'changed' : ''}">${timingCell(v, i)}</td>`;
  })}</tr>`;
})}</table>`;
}

const EXTRA_CSS = html`<style>.warnc{color:#8a5a00;font-weight:600}tr.row-changed td:first-child{border-left:3px solid #e6c200}table.timing td{font-size:12px}</style>`;

export interface CompareHtmlOptions {
  title?: string;
  /** Shown first, right under the title (kernels ab: what changed). */
  lead?: SafeHtml;
}

export function compareHtml(c: Comparison, opts: CompareHtmlOptions = {}): string {
  const labels = c.inputs.map((i) => i.label);
  const title = opts.title ?? `fusebench compare — ${labels.join(' vs ')}`;
  const summary = c.summary.map(
    (s) =>
      html`<li><b>${s.label}</b> vs ${labels[0]}: <span class="slower">${s.timing.slower} slower</span>, <span class="faster">${s.timing.faster} faster</span>, ${s.timing.mixed} mixed, ${s.timing['no significant change']} no significant change${s.timing['insufficient repeats'] ? `, ${s.timing['insufficient repeats']} insufficient repeats` : ''}${s.timing['not comparable'] ? `, ${s.timing['not comparable']} not comparable (emulated vs native)` : ''}; lock-path changes ${s.lockPathChanges}, status changes ${s.statusChanges}, probe changes ${s.probeChanges}, INIT flag changes ${s.initChanges}.</li>`,
  );
  const body = html`${EXTRA_CSS}<header><h1>${title}</h1>${opts.lead ?? ''}
<table><tr><th>input</th><th>file</th><th>kernel version</th><th>host</th><th>CPU</th><th>emulated</th><th>tool</th><th>backend</th><th>server</th><th>repeats</th><th>started</th></tr>
${c.inputs.map((i) => html`<tr><td>${i.label}${i.index === 0 ? ' (baseline)' : ''}</td><td class="mono">${i.file}</td><td>${i.kernelVersion}</td><td>${i.hostname ?? '-'}</td><td>${i.cpu}${i.cpus !== null ? ` × ${i.cpus}` : ''}</td><td>${i.emulated ? 'yes' : 'no'}</td><td>${i.toolVersion}</td><td>${i.backends.join(', ')}</td><td>${i.servers.join(', ')}</td><td class="num">${i.maxRepeats}</td><td>${i.startedAt}</td></tr>`)}</table>
${c.warnings.length > 0 ? html`<div class="warn"><b>Warnings</b><ul>${c.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>` : ''}
<ul>${summary}</ul>
<nav>${c.lattice ? html`<a href="#lattice">flag lattice</a>` : ''}<a href="#timing">timings</a><a href="#cells">lock path and status</a><a href="#probes">probes</a><a href="#init">INIT flags</a><a href="#capabilities">capabilities</a>${c.micro.length > 0 ? html`<a href="#micro">micro</a>` : ''}<a href="#method">method</a></nav>
</header>
${latticeDiffHtml(c)}
<section id="timing"><h2>Timings against the baseline${c.inputs.every((i) => i.emulated) ? ' — emulated (QEMU TCG), not native speeds' : ''}</h2>
<p class="note">Absolute p50 and p99 are read from the repeats' histograms merged, the numbers the run's report prints. Each column after the baseline shows median(this) / median(baseline) of the per-repeat values with its ${Math.round(c.method.confidence * 100)} % interval. Latency ratios above 1 and throughput ratios below 1 are slower. Each metric is classified only when its whole interval is beyond ±${(c.method.threshold * 100).toFixed(1)} %; the cell's verdict (first line) follows p50 and throughput, a p99 change is shown but does not decide it. See <a href="#method">method</a>.</p>
${timingTable(c)}</section>
<section id="cells"><h2>Lock path and status per cell</h2>
<p class="note">What the server observed: the lock-path verdict from the WRITEs in flight on one inode (max in brackets), the cell status, and whether the server saw READs (0 under working passthrough).</p>
${behaviourTable(
  c,
  c.cells,
  (v) =>
    v.status !== 'ok'
      ? html`<span class="${v.status}">${v.status}</span>${v.reason ? html`<br><span class="muted">${v.reason}</span>` : ''}`
      : html`<span class="${v.lockPath ?? 'na'}">${v.lockPath ?? 'n/a'}</span>${v.maxWritesInFlight !== null ? ` (max ${v.maxWritesInFlight}, mean ${v.meanWritesInFlight?.toFixed(2) ?? '-'})` : ''}${v.serverReads !== null ? html`<br><span class="muted">server READs ${v.serverReads}</span>` : ''}`,
  (a, b) => a.status === b.status && a.lockPath === b.lockPath && (a.serverReads === 0) === (b.serverReads === 0),
  'cell',
)}</section>
<section id="probes"><h2>Probe verdicts</h2>${behaviourTable(c, c.probes, (v) => html`<span class="${v.verdict}">${v.verdict}</span><br><span class="muted">${v.observed}</span>`, (a, b) => a.verdict === b.verdict, 'probe')}</section>
<section id="init"><h2>INIT flags</h2>${behaviourTable(
  c,
  c.init,
  (v) => html`${v.offered ? 'offered' : html`<span class="na">not offered</span>`}${v.negotiated ? ', negotiated' : ''}`,
  (a, b) => a.offered === b.offered && a.negotiated === b.negotiated,
  'flag',
)}</section>
<section id="capabilities"><h2>Capabilities and environment</h2>${behaviourTable(c, c.capabilities, (v) => html`${v}`, (a, b) => a === b, '')}</section>
${c.micro.length > 0 ? html`<section id="micro"><h2>Per-call costs (micro)</h2><p class="note">tinybench means; a change is marked when the ratio exceeds both the threshold and the two sides' relative margins of error.</p>${behaviourTable(c, c.micro, (v, i) => html`${fmtNs(v.meanNs)} ±${v.rme.toFixed(1)}%${i > 0 && v.ratio !== null ? ` (${v.ratio.toFixed(3)}×)` : ''}`, (_a, b) => !b.changed, 'call')}</section>` : ''}
<section id="method"><h2>Method</h2><p><b>${c.method.name}</b>: ${c.method.description}</p>
<p>Confidence ${Math.round(c.method.confidence * 100)} %, ${c.method.resamples} resamples, seed ${c.method.seed}, noise threshold ±${(c.method.threshold * 100).toFixed(1)} %.${Object.keys(c.matchedIgnoring).length > 0 ? ` Cells matched ignoring: ${Object.entries(c.matchedIgnoring).map(([s, a]) => `${s}: ${a.join(', ')}`).join('; ')}.` : ''}</p></section>`;
  return page(title, body);
}
