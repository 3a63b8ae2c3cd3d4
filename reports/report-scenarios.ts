// Per scenario: the percentile spectrum of every mode (repeats merged exactly), throughput per mode,
// the lock path the server observed, the fallback time series, the cell table with .hgrm links, and the
// client's latency beside the server's service time. Every number comes from bench/analysis; this file
// only renders.
import type { Results } from '../bench/results/schema.js';
import { barChart, figure, spectrumChart, timeSeriesChart, type Chart } from './charts.js';
import { groupOps, groupStatus, lockSummary, okRepeats, serverBoundOf, variantLabel, type CellGroup } from '../bench/analysis/groups.js';
import { mergedLatency, throughput } from '../bench/analysis/latency.js';
import { summarizeCell, type CellSummary } from '../bench/analysis/cell-summary.js';
import { median } from '../bench/analysis/stats.js';
import { fmtBytesPerSec, fmtNs, fmtRate, fmtRatio } from '../bench/format.js';
import { html, type SafeHtml } from './html.js';
import { serverBoundNote } from '../bench/server/threads.js';

export interface ReportLinks {
  /** href for a cell's `.hgrm` path as stored in results, or null when it cannot be linked safely. */
  hgrm: (path: string) => string | null;
}

export class ChartIds {
  private n = 0;
  readonly charts: Chart[] = [];
  next(): string {
    return `chart-${++this.n}`;
  }
  add(c: Chart): Chart {
    this.charts.push(c);
    return c;
  }
}

/** A mode's name in charts: the server kind is added when the run used more than one, the transport when not /dev/fuse. */
function seriesLabel(g: CellGroup, multiServer: boolean): string {
  const tags = [...(multiServer && g.parts.server !== 'c' ? [g.parts.server] : []), ...(g.parts.transport !== 'dev' ? [g.parts.transport] : [])];
  return tags.length > 0 ? `${g.parts.mode} [${tags.join(', ')}]` : g.parts.mode;
}

interface Block {
  label: string;
  groups: CellGroup[];
}

/** Blocks of one scenario: same engine/jobs/block size/backend/delay, every mode and server kind. */
function blocks(groups: CellGroup[]): Block[] {
  const map = new Map<string, Block>();
  for (const g of groups) {
    const p = g.parts;
    const k = JSON.stringify([p.engine, p.jobs, p.blockSize, p.backend, p.delay]);
    let b = map.get(k);
    if (!b) {
      b = { label: variantLabel(p, ['server']), groups: [] };
      map.set(k, b);
    }
    b.groups.push(g);
  }
  return [...map.values()];
}

function spectrumFigure(ids: ChartIds, scenario: string, blockLabel: string, op: string, groups: CellGroup[], multiServer: boolean): SafeHtml | null {
  const series = [];
  for (const g of groups) {
    if (!groupOps(g).includes(op)) continue;
    const h = mergedLatency(g, op);
    if (h.count > 0) series.push({ name: seriesLabel(g, multiServer), points: h.points });
  }
  if (series.length === 0) return null;
  const c = ids.add(spectrumChart(ids.next(), `${scenario} · ${op} — latency by percentile`, series));
  return figure(c, `${blockLabel}. Histograms of all repeats merged; x axis 1/(1−p) on a log scale (HdrHistogram convention).`);
}

function throughputFigure(ids: ChartIds, scenario: string, blockLabel: string, ops: string[], groups: CellGroup[], multiServer: boolean): SafeHtml | null {
  const withOps = groups.filter((g) => groupOps(g).length > 0);
  if (withOps.length === 0 || ops.length === 0) return null;
  const cats = withOps.map((g) => seriesLabel(g, multiServer));
  const series = ops.map((op) => ({
    name: op,
    values: withOps.map((g) => {
      const t = throughput(g, op);
      return t.repeats > 0 ? Math.round(t.opsPerSec) : 0;
    }),
  }));
  const c = ids.add(barChart(ids.next(), 'throughput', `${scenario} — throughput (ops/s, median of repeats)`, cats, series, 'ops/s'));
  return figure(c, `${blockLabel}. Spread of the repeats in the table below.`);
}

function lockFigure(ids: ChartIds, scenario: string, blockLabel: string, groups: CellGroup[], multiServer: boolean): SafeHtml | null {
  const rows = groups.map((g) => ({ g, l: lockSummary(g) })).filter((x) => x.l !== null);
  if (rows.length === 0) return null;
  const cats = rows.map(({ g, l }) => `${seriesLabel(g, multiServer)} (${l!.verdict})`);
  const c = ids.add(
    barChart(
      ids.next(),
      'lockpath',
      `${scenario} — WRITEs in flight on the inode, seen by the server`,
      cats,
      [
        { name: 'max in flight', values: rows.map(({ l }) => l!.max) },
        { name: 'mean in flight', values: rows.map(({ l }) => +(l!.mean ?? 0).toFixed(2)) },
      ],
      'WRITEs',
      true,
    ),
  );
  return figure(c, `${blockLabel}. Max > 1 proves the shared (parallel) lock path; exactly 1 with several writers is the exclusive fallback.`);
}

function interval(t: number[]): string {
  const d = t.slice(1).map((x, i) => x - t[i]!);
  return d.length === 0 ? 'sampling' : `~${Math.round(median(d))} ms`;
}

function timeSeriesFigures(ids: ChartIds, scenario: string, groups: CellGroup[], multiServer: boolean): SafeHtml[] {
  const out: SafeHtml[] = [];
  for (const g of groups) {
    for (const c of okRepeats(g)) {
      const ts = c.timeSeries;
      if (!ts || ts.length === 0) continue;
      let phases = c.phases?.map((p) => ({ name: p.name, startMs: p.startMs, endMs: p.endMs })) ?? [];
      if (phases.length === 0) {
        // Derive the bands from the per-point phase names.
        for (let i = 0; i < ts.length; i++) {
          const p = ts[i]!;
          const last = phases[phases.length - 1];
          const end = ts[i + 1]?.tMs ?? p.tMs + (p.tMs - (ts[i - 1]?.tMs ?? p.tMs));
          if (last && last.name === p.phase) last.endMs = end;
          else phases.push({ name: p.phase, startMs: p.tMs, endMs: end });
        }
      }
      phases = phases.filter((p) => p.name !== '');
      const chart = ids.add(
        timeSeriesChart(ids.next(), `${scenario} · ${seriesLabel(g, multiServer)}${g.repeats.length > 1 ? ` · repeat ${c.repeat}` : ''} — over time`, {
          tMs: ts.map((p) => p.tMs),
          inFlightMax: ts.map((p) => p.writesInFlightMax),
          inFlightMean: ts.map((p) => +p.writesInFlightMean.toFixed(2)),
          p50Us: ts.map((p) => p.p50Ns / 1000),
          p99Us: ts.map((p) => p.p99Ns / 1000),
          phases,
        }),
      );
      out.push(
        figure(
          chart,
          `${variantLabel(g.parts)}. WRITEs in flight on the inode per ${interval(ts.map((p) => p.tMs))} interval (server samples) and the client's latency in it; shaded bands are the interferer's phases.`,
        ),
      );
    }
  }
  return out;
}

function spread(t: { repeats: number; opsPerSecMin: number; opsPerSecMax: number }): string {
  return t.repeats <= 1 ? '' : ` [${fmtRate(t.opsPerSecMin)}–${fmtRate(t.opsPerSecMax)}]`;
}

function statusCell(s: CellSummary, note: SafeHtml | ''): SafeHtml {
  if (s.status === 'ok') return html`<td class="ok">ok (${s.okRepeats}×)${note}</td>`;
  const of = s.okRepeats > 0 ? ` (${s.okRepeats} of ${s.group.repeats.length} ok)` : '';
  return html`<td class="${s.status}">${s.status}${of}${s.reason ? `: ${s.reason}` : ''}${note}</td>`;
}

function cellTable(summaries: CellSummary[], links: ReportLinks, multiServer: boolean): SafeHtml {
  const rows: SafeHtml[] = [];
  for (const s of summaries) {
    const lock = s.lock;
    const lockCell = lock
      ? html`<td class="${lock.verdict.includes('/') ? '' : lock.verdict}">${lock.verdict}</td><td class="num">${lock.max}</td><td class="num">${lock.mean === null ? '-' : lock.mean.toFixed(2)}</td>`
      : html`<td class="na">n/a</td><td class="num">-</td><td class="num">-</td>`;
    const errText = Object.entries(s.errors).map(([e, n]) => `${e}×${n}`).join(' ');
    const label = seriesLabel(s.group, multiServer);
    const srvRead = s.serverReads === null ? '-' : String(s.serverReads);
    const bound = serverBoundOf(s.group);
    const boundNote = bound
      ? html`<br><span class="bound" title="every server thread was busy at some moment: the counts and throughput may describe the server, not the kernel">${serverBoundNote(bound)}</span>`
      : '';
    if (s.ops.length === 0) {
      rows.push(
        html`<tr><td>${label}</td><td class="${s.status}" colspan="8">${s.status}${s.reason ? `: ${s.reason}` : ''}${boundNote}</td>${lockCell}<td class="num">${srvRead}</td><td>${errText}</td><td></td></tr>`,
      );
      continue;
    }
    for (const o of s.ops) {
      const h = o.latency;
      const hgrms = o.hgrms.map(({ repeat: r, path: p }) => {
        const href = links.hgrm(p);
        return href ? html`<a href="${href}">r${r}</a> ` : html`<span class="na" title="unsafe or missing path">r${r}</span> `;
      });
      // data-key/data-op name the row for tools (and the test that terminal and report agree).
      rows.push(html`<tr data-key="${s.group.key}" data-op="${o.op}"><td>${label}</td>${statusCell(s, boundNote)}<td class="mono">${o.op}</td>
<td class="num">${fmtNs(h.p50Ns)}</td><td class="num">${fmtNs(h.p99Ns)}</td><td class="num">${fmtNs(h.p999Ns)}</td><td class="num">${fmtNs(h.maxNs)}</td>
<td class="num">${fmtRate(o.throughput.opsPerSec)}${spread(o.throughput)}</td><td class="num">${fmtBytesPerSec(o.throughput.bytesPerSec)}</td>
${lockCell}<td class="num">${srvRead}</td><td>${errText}</td><td>${hgrms}</td></tr>`);
    }
  }
  return html`<table class="cells"><tr><th>mode</th><th>status</th><th>op</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>ops/s median [range]</th><th>bytes/s</th><th>lock path</th><th>max WRITEs in flight</th><th>mean</th><th>server READs</th><th>errors</th><th>.hgrm</th></tr>${rows}</table>`;
}

/** Client latency beside the server's service time of the opcode the calls became. */
function serviceTable(summaries: CellSummary[], multiServer: boolean): SafeHtml | null {
  const rows: SafeHtml[] = [];
  for (const s of summaries) {
    for (const o of s.ops) {
      const sv = o.service;
      if (!sv) continue;
      const srv = sv.service;
      rows.push(html`<tr><td>${seriesLabel(s.group, multiServer)}</td><td class="mono">${o.op}</td><td class="mono">${sv.opcode}</td><td class="num">${sv.requestsPerCall.toFixed(2)}</td>
<td class="num">${fmtNs(o.latency.p50Ns)}</td><td class="num">${srv ? fmtNs(srv.p50Ns) : '-'}</td><td class="num">${sv.kernelP50Ns === null ? '-' : fmtNs(sv.kernelP50Ns)}</td>
<td class="num">${fmtNs(o.latency.p99Ns)}</td><td class="num">${srv ? fmtNs(srv.p99Ns) : '-'}</td><td class="num">${sv.kernelP99Ns === null ? '-' : fmtNs(sv.kernelP99Ns)}</td><td class="muted">${sv.why ?? ''}</td></tr>`);
    }
  }
  if (rows.length === 0) return null;
  return html`<table class="service"><tr><th>mode</th><th>op</th><th>server opcode</th><th>requests per call</th><th>client p50</th><th>server p50</th><th>kernel p50</th><th>client p99</th><th>server p99</th><th>kernel p99</th><th>note</th></tr>${rows}</table>
<p class="note">Client: the syscall as the job timed it (histograms of the repeats merged). Server: fusebench-server's service time of that opcode, from reading the request to writing its reply (its histogram has 12.5 % buckets). Kernel = client − server, the kernel's share (request queueing, wake-ups, copies, locks), shown where one call is one request; a difference of percentiles, not a percentile of differences.</p>`;
}

export function scenarioSections(r: Results, groups: CellGroup[], links: ReportLinks, ids: ChartIds): SafeHtml[] {
  const multiServer = new Set(r.cells.map((c) => c.server)).size > 1;
  const scenarios = [...new Set(groups.map((g) => g.parts.scenario))];
  return scenarios.map((scenario, si) => {
    const sg = groups.filter((g) => g.parts.scenario === scenario);
    const parts = blocks(sg).map((b) => {
      const ops: string[] = [];
      for (const g of b.groups) for (const op of groupOps(g)) if (!ops.includes(op)) ops.push(op);
      const figs = [
        ...timeSeriesFigures(ids, scenario, b.groups, multiServer),
        ...ops.map((op) => spectrumFigure(ids, scenario, b.label, op, b.groups, multiServer)),
        throughputFigure(ids, scenario, b.label, ops, b.groups, multiServer),
        lockFigure(ids, scenario, b.label, b.groups, multiServer),
      ].filter((x): x is SafeHtml => x !== null);
      const summaries = b.groups.map(summarizeCell);
      return html`<h3>${b.label}</h3><div class="charts">${figs}</div>${cellTable(summaries, links, multiServer)}${serviceTable(summaries, multiServer) ?? ''}`;
    });
    return html`<section id="scenario-${si}"><h2>Scenario ${scenario}</h2>${parts}</section>`;
  });
}

/** Cells run on both server kinds: fuse-native (or any other kind) against the C server. */
export function serverKindsSection(groups: CellGroup[]): SafeHtml | null {
  const byKey = new Map<string, CellGroup[]>();
  for (const g of groups) {
    const k = JSON.stringify([g.parts.scenario, g.parts.mode, g.parts.engine, g.parts.jobs, g.parts.blockSize, g.parts.backend, g.parts.delay, g.parts.transport]);
    byKey.set(k, [...(byKey.get(k) ?? []), g]);
  }
  const rows: SafeHtml[] = [];
  for (const gs of byKey.values()) {
    const base = gs.find((g) => g.parts.server === 'c' && groupStatus(g).status === 'ok');
    if (!base) continue;
    for (const other of gs) {
      if (other === base || groupStatus(other).status !== 'ok') continue;
      for (const op of groupOps(base).filter((o) => groupOps(other).includes(o))) {
        const hb = mergedLatency(base, op);
        const ho = mergedLatency(other, op);
        const rate = (g: CellGroup): number => throughput(g, op).opsPerSec;
        const p50b = hb.p50Ns;
        const p50o = ho.p50Ns;
        const p99b = hb.p99Ns;
        const p99o = ho.p99Ns;
        rows.push(html`<tr><td>${base.parts.scenario}</td><td>${base.parts.mode}</td><td>${variantLabel(base.parts, ['server'])}</td><td class="mono">${op}</td><td>${other.parts.server}</td>
<td class="num">${fmtNs(p50b)}</td><td class="num">${fmtNs(p50o)}</td><td class="num">${fmtRatio(p50o / p50b)}×</td>
<td class="num">${fmtNs(p99b)}</td><td class="num">${fmtNs(p99o)}</td><td class="num">${fmtRatio(p99o / p99b)}×</td>
<td class="num">${fmtRate(rate(base))}</td><td class="num">${fmtRate(rate(other))}</td><td class="num">${fmtRatio(rate(other) / rate(base))}×</td></tr>`);
      }
    }
  }
  if (rows.length === 0) return null;
  return html`<section id="server-kinds"><h2>Server kinds side by side</h2>
<p class="note">The same cell served by fusebench's C server and by another server kind (e.g. fuse-native, JavaScript on libfuse 2). Ratios are other / C: latency above 1 and throughput below 1 mean the other server is slower.</p>
<table><tr><th>scenario</th><th>mode</th><th>variant</th><th>op</th><th>server</th><th>p50 C</th><th>p50 other</th><th>ratio</th><th>p99 C</th><th>p99 other</th><th>ratio</th><th>ops/s C</th><th>ops/s other</th><th>ratio</th></tr>${rows}</table></section>`;
}
