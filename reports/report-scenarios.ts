// Per scenario: the percentile spectrum of every mode (repeats merged exactly), throughput per mode,
// the lock path the server observed, the fallback time series, and the cell table with .hgrm links.
import type { Cell, Results } from '../bench/results/schema.js';
import { barChart, figure, spectrumChart, timeSeriesChart, type Chart } from './charts.js';
import {
  groupOps,
  groupStatus,
  lockSummary,
  median,
  mergedHistogram,
  variantLabel,
  type CellGroup,
} from './cells.js';
import { fmtBytesPerSec, fmtNs, fmtRate, fmtRatio } from '../bench/format.js';
import { html, type SafeHtml } from './html.js';
import { spectrumPoints } from './spectrum.js';

interface MergedSummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  points: Array<[number, number]>;
}

const mergedCache = new WeakMap<CellGroup, Map<string, MergedSummary>>();

/** Exact merge of the repeats' histograms, read once per group and operation (decoding is the cost). */
function merged(g: CellGroup, op: string): MergedSummary {
  let m = mergedCache.get(g);
  if (!m) {
    m = new Map();
    mergedCache.set(g, m);
  }
  let s = m.get(op);
  if (!s) {
    const h = mergedHistogram(g, op);
    try {
      const n = h.totalCount;
      s = {
        count: n,
        p50: n ? h.getValueAtPercentile(50) : 0,
        p99: n ? h.getValueAtPercentile(99) : 0,
        p999: n ? h.getValueAtPercentile(99.9) : 0,
        max: n ? h.maxValue : 0,
        points: spectrumPoints(h),
      };
    } finally {
      h.destroy();
    }
    m.set(op, s);
  }
  return s;
}

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

function okRepeats(g: CellGroup): Cell[] {
  return g.repeats.filter((c) => c.status === 'ok');
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
    const h = merged(g, op);
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
      const v = okRepeats(g).map((c) => c.ops[op]?.opsPerSec).filter((x): x is number => x !== undefined);
      return v.length > 0 ? Math.round(median(v)) : 0;
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

function spread(xs: number[], f: (n: number) => string): string {
  if (xs.length <= 1) return '';
  return ` [${f(Math.min(...xs))}–${f(Math.max(...xs))}]`;
}

function cellTable(groups: CellGroup[], links: ReportLinks, multiServer: boolean): SafeHtml {
  const rows: SafeHtml[] = [];
  for (const g of groups) {
    const st = groupStatus(g);
    const lock = lockSummary(g);
    const lockCell = lock
      ? html`<td class="${lock.verdict.includes('/') ? '' : lock.verdict}">${lock.verdict}</td><td class="num">${lock.max}</td><td class="num">${lock.mean === null ? '-' : lock.mean.toFixed(2)}</td>`
      : html`<td class="na">n/a</td><td class="num">-</td><td class="num">-</td>`;
    const srvRead = median(okRepeats(g).map((c) => c.serverStats['READ']?.count ?? 0));
    const errs = new Map<string, number>();
    for (const c of g.repeats) for (const [e, n] of Object.entries(c.errors)) errs.set(e, (errs.get(e) ?? 0) + n);
    const errText = [...errs].map(([e, n]) => `${e}×${n}`).join(' ');
    const ops = groupOps(g);
    const label = seriesLabel(g, multiServer);
    if (st.status !== 'ok' || ops.length === 0) {
      rows.push(
        html`<tr><td>${label}</td><td class="${st.status}" colspan="8">${st.status}${st.reason ? `: ${st.reason}` : ''}</td>${lockCell}<td class="num">-</td><td>${errText}</td><td></td></tr>`,
      );
      continue;
    }
    for (const op of ops) {
      const h = merged(g, op);
      const ok = okRepeats(g).filter((c) => c.ops[op]);
      const rates = ok.map((c) => c.ops[op]!.opsPerSec);
      const bytes = ok.map((c) => c.ops[op]!.bytesPerSec);
      const hgrms = ok
        .map((c) => ({ r: c.repeat, p: c.ops[op]!.hgrm }))
        .filter((x): x is { r: number; p: string } => typeof x.p === 'string')
        .map(({ r, p }) => {
          const href = links.hgrm(p);
          return href ? html`<a href="${href}">r${r}</a> ` : html`<span class="na" title="unsafe or missing path">r${r}</span> `;
        });
      rows.push(html`<tr><td>${label}</td><td class="ok">ok (${ok.length}×)</td><td class="mono">${op}</td>
<td class="num">${fmtNs(h.p50)}</td><td class="num">${fmtNs(h.p99)}</td><td class="num">${fmtNs(h.p999)}</td><td class="num">${fmtNs(h.max)}</td>
<td class="num">${fmtRate(median(rates))}${spread(rates, fmtRate)}</td><td class="num">${fmtBytesPerSec(median(bytes))}</td>
${lockCell}<td class="num">${srvRead}</td><td>${errText}</td><td>${hgrms}</td></tr>`);
    }
  }
  return html`<table class="cells"><tr><th>mode</th><th>status</th><th>op</th><th>p50</th><th>p99</th><th>p99.9</th><th>max</th><th>ops/s median [range]</th><th>bytes/s</th><th>lock path</th><th>max WRITEs in flight</th><th>mean</th><th>server READs</th><th>errors</th><th>.hgrm</th></tr>${rows}</table>`;
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
      return html`<h3>${b.label}</h3><div class="charts">${figs}</div>${cellTable(b.groups, links, multiServer)}`;
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
        const hb = merged(base, op);
        const ho = merged(other, op);
        const rate = (g: CellGroup): number => median(okRepeats(g).map((c) => c.ops[op]?.opsPerSec ?? 0));
        const p50b = hb.p50;
        const p50o = ho.p50;
        const p99b = hb.p99;
        const p99o = ho.p99;
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
