// Report sections that describe the run rather than measure it: environment, INIT flags, probes,
// micro-benchmarks, harness cost.
import type { Micro, Probe, Results } from '../bench/results/schema.js';
import { fmtBytes, fmtNs, fmtRatio } from '../bench/format.js';
import { html, joinHtml, type SafeHtml } from './html.js';

function kv(rows: Array<[string, string | SafeHtml]>): SafeHtml {
  return html`<table class="kv">${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>`;
}

function record(r: Record<string, string> | undefined): string {
  const e = Object.entries(r ?? {});
  return e.length === 0 ? '-' : e.map(([k, v]) => `${k}=${v}`).join('  ');
}

const CLOSED_LOOP_NOTE =
  'Load is closed-loop: each job issues its next I/O only when the previous one completed, so while the system stalls ' +
  'nothing is issued and the tail is under-reported (coordinated omission). Latencies are per call as the job saw them; ' +
  'compare tails between runs of the same loop type only.';

function usedAxis(r: Results, axis: 'backend' | 'server' | 'engine'): string[] {
  return [...new Set(r.cells.map((c) => c[axis]))];
}

export function environmentSection(r: Results): SafeHtml {
  const h = r.host;
  const f = r.fuse;
  const flags = [...new Set([...f.initOffered, ...f.initNegotiated])];
  const initTable = html`<table><tr><th>INIT flag</th><th>offered by the kernel</th><th>negotiated by our server</th></tr>
${flags.map((fl) => {
  const off = f.initOffered.includes(fl);
  const neg = f.initNegotiated.includes(fl);
  return html`<tr><td class="mono">${fl}</td><td>${off ? 'yes' : html`<span class="na">no</span>`}</td><td>${neg ? 'yes' : html`<span class="na">no</span>`}</td></tr>`;
})}</table>`;
  return html`<section id="environment"><h2>Environment</h2>
<div class="charts"><div>${kv([
    ['kernel release', h.kernelRelease],
    ['kernel version', h.kernelVersion],
    ['emulated', h.emulated ? 'yes — timings are not comparable with native runs' : 'no (native)'],
    ['host', h.hostname ?? '-'],
    ['CPU', `${h.cpu}${h.cpus !== undefined ? ` × ${h.cpus}` : ''}`],
    ['memory', h.memBytes !== undefined ? fmtBytes(h.memBytes) : '-'],
    ['root', h.root === undefined ? '-' : h.root ? 'yes' : 'no'],
    ['kernel config', record(h.config)],
    ['fuse module parameters', record(h.moduleParams)],
    ['fs.fuse sysctls', record(h.sysctls)],
    ['tool', `${r.tool.name} ${r.tool.version}`],
    ['backend', usedAxis(r, 'backend').join(', ') || '-'],
    ['server', usedAxis(r, 'server').join(', ') || '-'],
    ['engine', usedAxis(r, 'engine').join(', ') || '-'],
    ['started', r.startedAt],
    ['finished', r.finishedAt ?? '(not finished)'],
    ['load', `${r.loop}-loop`],
  ])}</div><div>${kv([
    ['FUSE protocol', f.protocol],
    ['max_write', f.maxWrite !== undefined ? fmtBytes(f.maxWrite) : '-'],
    ['max_pages', f.maxPages !== undefined ? String(f.maxPages) : '-'],
    ['passthrough', f.passthroughUsable === undefined ? '-' : f.passthroughUsable ? 'usable' : `not usable: ${f.passthroughReason ?? 'unknown'}`],
    ['io_uring offered', f.ioUringOffered === undefined ? '-' : f.ioUringOffered ? 'yes' : 'no'],
  ])}${initTable}</div></div>
<p class="note">${CLOSED_LOOP_NOTE}</p>
${r.config ? html`<details><summary>run configuration</summary><pre class="mono">${JSON.stringify(r.config, null, 1)}</pre></details>` : ''}
</section>`;
}

export function probeTable(probes: Probe[]): SafeHtml {
  if (probes.length === 0) return html`<p class="muted">No probes in this run.</p>`;
  const count = (v: Probe['verdict']): number => probes.filter((p) => p.verdict === v).length;
  return html`<p>${count('pass')} pass, ${count('fail')} fail, ${count('unsupported')} unsupported.</p>
<table><tr><th>probe</th><th>rule</th><th>expected</th><th>observed</th><th>verdict</th><th>changed in</th><th>reason</th></tr>
${probes.map(
  (p) =>
    html`<tr><td class="mono">${p.id}</td><td>${p.rule}</td><td>${p.expected}</td><td>${p.observed}</td><td class="${p.verdict}">${p.verdict}</td><td>${p.changedIn ?? '-'}</td><td>${p.reason ?? ''}</td></tr>`,
)}</table>`;
}

export function microTable(micro: Micro[]): SafeHtml {
  return html`<table><tr><th>call</th><th>server</th><th>mode</th><th>mean</th><th>p50</th><th>p99</th><th>sd</th><th>± (rme)</th><th>samples</th><th>× native</th><th>status</th></tr>
${micro.map(
  (m) =>
    html`<tr><td class="mono">${m.name}</td><td>${m.server}</td><td>${m.mode}</td><td class="num">${fmtNs(m.meanNs)}</td><td class="num">${fmtNs(m.p50Ns)}</td><td class="num">${fmtNs(m.p99Ns)}</td><td class="num">${fmtNs(m.sdNs)}</td><td class="num">${m.rme.toFixed(2)}%</td><td class="num">${m.samples}</td><td class="num">${m.ratioToNative === null ? '-' : fmtRatio(m.ratioToNative)}</td><td class="${m.status ?? 'ok'}">${m.status ?? 'ok'}${m.reason ? `: ${m.reason}` : ''}</td></tr>`,
)}</table>`;
}

export function harnessTable(r: Results): SafeHtml {
  if (!r.harness || r.harness.tasks.length === 0) return html``;
  return html`<h3>Harness cost</h3><p class="note">What one timed operation costs the harness itself (tinybench); latencies below this are the harness, not FUSE.</p>
<table><tr><th>task</th><th>mean</th><th>p50</th><th>p99</th><th>sd</th><th>± (rme)</th><th>samples</th></tr>
${joinHtml(
  r.harness.tasks.map(
    (t) =>
      html`<tr><td>${t.name}</td><td class="num">${fmtNs(t.meanNs)}</td><td class="num">${fmtNs(t.p50Ns)}</td><td class="num">${fmtNs(t.p99Ns)}</td><td class="num">${fmtNs(t.sdNs)}</td><td class="num">${t.rme.toFixed(2)}%</td><td class="num">${t.samples}</td></tr>`,
  ),
)}</table>`;
}
