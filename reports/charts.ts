// Charts as inline SVG, rendered in Node by Apache ECharts' server-side mode (no DOM, no script in the
// page). Every series marks at least one data element, which ECharts tags with `ecmeta_series_index`,
// so a test can count in the DOM that each chart really drew its series.
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';
import { html, trusted, type SafeHtml } from './html.js';

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TitleComponent, MarkAreaComponent, MarkLineComponent, SVGRenderer]);

// Without a canvas, ECharts guesses text width from narrow Helvetica-like metrics; browsers on Linux
// usually render the wider DejaVu Sans, and legend entries then overlap. A coarse per-class width model
// (em units, close to DejaVu Sans) errs on the wide side instead.
function charEm(ch: string): number {
  if (' '.includes(ch)) return 0.32;
  if ('ilj.,:;\'|!()[]{}`'.includes(ch)) return 0.34;
  if ('ftrI-/\\'.includes(ch)) return 0.42;
  if ('mwMW@%'.includes(ch)) return 0.95;
  if (ch >= '0' && ch <= '9') return 0.64;
  if (ch >= 'A' && ch <= 'Z') return 0.72;
  return 0.62;
}
echarts.setPlatformAPI({
  measureText: (text: string, font?: string) => {
    const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
    let em = 0;
    for (const ch of text ?? '') em += charEm(ch);
    return { width: em * size };
  },
});

export interface Chart {
  /** Stable id for tests and anchors (built by us from indices, never from results text). */
  id: string;
  kind: 'spectrum' | 'throughput' | 'lockpath' | 'timeseries';
  /** Number of series drawn, as the DOM must show them. */
  series: number;
  svg: string;
}

const WIDTH = 600;
const HEIGHT = 340;

const BANNED_TAGS = /^(script|foreignobject|iframe|object|embed|image|use|a|animate|set|handler|listener)$/i;

/**
 * ECharts escapes the text it writes (checked: `<`, `>`, `&`, quotes become entities), but the SVG is
 * put into the page as markup, so it is checked here too: no element that can run or load anything,
 * no event-handler or link attribute.
 */
export function checkSvg(svg: string): void {
  const tags = svg.matchAll(/<\/?([A-Za-z][\w:-]*)([^>]*)>/g);
  for (const m of tags) {
    const name = m[1]!;
    if (BANNED_TAGS.test(name)) throw new Error(`chart SVG contains a <${name}> element`);
    const attrs = (m[2] ?? '').replace(/"[^"]*"/g, '""');
    if (/(^|\s)(on[a-z]+|href|xlink:href|src)\s*=/i.test(attrs)) throw new Error(`chart SVG contains a forbidden attribute in <${name}>`);
  }
}

function render(option: EChartsCoreOption, width = WIDTH, height = HEIGHT): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
    const svg = chart.renderToSVGString();
    checkSvg(svg);
    return svg;
  } finally {
    chart.dispose();
  }
}

/** Line data whose last point carries a symbol, so the series leaves a tagged element in the SVG. */
function lineData(points: Array<[number, number]>): unknown[] {
  return points.map((p, i) => (i === points.length - 1 ? { value: p, symbol: 'circle', symbolSize: 5 } : p));
}

function lineSeries(name: string, points: Array<[number, number]>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'line',
    name,
    data: lineData(points),
    showSymbol: true,
    symbol: 'none',
    lineStyle: { width: 1.6 },
    emphasis: { disabled: true },
    ...extra,
  };
}

const legend = { type: 'plain', bottom: 0, left: 'center', itemWidth: 18, itemHeight: 10, textStyle: { fontSize: 11 } };

function fmtUs(v: number): string {
  if (v >= 1000) return `${+(v / 1000).toPrecision(3)} ms`;
  if (v >= 1) return `${+v.toPrecision(3)} µs`;
  return `${Math.round(v * 1000)} ns`;
}

function pctLabel(x: number): string {
  if (x <= 1) return '0%';
  const p = 100 * (1 - 1 / x);
  // 10 → 90%, 100 → 99%, 1000 → 99.9% …
  const digits = Math.max(0, Math.round(Math.log10(x)) - 2);
  return `${p.toFixed(digits)}%`;
}

export interface SpectrumSeries {
  name: string;
  /** (1/(1-p), latency µs) points. */
  points: Array<[number, number]>;
}

export function spectrumChart(id: string, title: string, series: SpectrumSeries[]): Chart {
  const svg = render({
    title: { text: title, left: 8, top: 4, textStyle: { fontSize: 13 } },
    legend,
    grid: { left: 70, right: 24, top: 40, bottom: 78 },
    xAxis: {
      type: 'log',
      name: 'percentile  (axis 1/(1−p), log)',
      nameLocation: 'middle',
      nameGap: 24,
      min: 1,
      axisLabel: { formatter: (v: number) => pctLabel(v), fontSize: 10 },
    },
    yAxis: {
      type: 'log',
      name: 'latency',
      nameLocation: 'middle',
      nameGap: 56,
      axisLabel: { formatter: (v: number) => fmtUs(v), fontSize: 10 },
    },
    series: series.map((s) => lineSeries(s.name, s.points, { step: 'end' })),
  });
  return { id, kind: 'spectrum', series: series.length, svg };
}

export interface BarGroup {
  name: string;
  values: number[];
}

/** Grouped bars: one category per mode, one series per group (operation, or max/mean). */
export function barChart(
  id: string,
  kind: 'throughput' | 'lockpath',
  title: string,
  categories: string[],
  groups: BarGroup[],
  yName: string,
  markAtOne = false,
): Chart {
  const rotate = categories.some((c) => c.length > 12) ? 20 : 0;
  // Room right of the plot for the label of the "exclusive = 1" line.
  const right = markAtOne ? 84 : 24;
  const svg = render({
    title: { text: title, left: 8, top: 4, textStyle: { fontSize: 13 } },
    legend,
    grid: { left: 70, right, top: 40, bottom: rotate ? 100 : 70 },
    xAxis: { type: 'category', data: categories, axisLabel: { interval: 0, rotate, fontSize: 10 } },
    yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameGap: 52, axisLabel: { fontSize: 10 } },
    series: groups.map((g, i) => ({
      type: 'bar',
      name: g.name,
      data: g.values,
      barMaxWidth: 28,
      emphasis: { disabled: true },
      ...(markAtOne && i === 0
        ? { markLine: { silent: true, symbol: 'none', lineStyle: { type: 'dashed', color: '#a3161a' }, label: { formatter: 'exclusive = 1', position: 'end', fontSize: 10 }, data: [{ yAxis: 1 }] } }
        : {}),
    })),
  });
  return { id, kind, series: groups.length, svg };
}

export interface TimeSeriesInput {
  tMs: number[];
  inFlightMax: number[];
  inFlightMean: number[];
  p50Us: number[];
  p99Us: number[];
  phases: Array<{ name: string; startMs: number; endMs: number }>;
}

export function timeSeriesChart(id: string, title: string, ts: TimeSeriesInput): Chart {
  const zip = (ys: number[]): Array<[number, number]> => ts.tMs.map((t, i) => [t, ys[i]!]);
  // An interval in which no operation completed has no latency (not 0 on a log axis): leave it out.
  const latency = (ys: number[]): Array<[number, number]> => zip(ys).filter(([, v]) => v > 0);
  // Alternate the band shade so neighbouring phases stay distinguishable.
  const areas = ts.phases.map((p, i) => [
    { name: p.name, xAxis: p.startMs, itemStyle: { color: i % 2 === 0 ? 'rgba(80,112,221,0.07)' : 'rgba(221,120,80,0.10)' } },
    { xAxis: p.endMs },
  ]);
  const svg = render(
    {
      title: { text: title, left: 8, top: 4, textStyle: { fontSize: 13 } },
      legend,
      grid: { left: 60, right: 80, top: 40, bottom: 70 },
      xAxis: { type: 'value', name: 'ms', nameLocation: 'middle', nameGap: 22, axisLabel: { fontSize: 10 } },
      yAxis: [
        { type: 'value', name: 'WRITEs in flight', nameLocation: 'middle', nameGap: 36, minInterval: 1, axisLabel: { fontSize: 10 } },
        { type: 'log', name: 'latency', nameLocation: 'middle', nameGap: 56, axisLabel: { formatter: (v: number) => fmtUs(v), fontSize: 10 }, splitLine: { show: false } },
      ],
      series: [
        lineSeries('max WRITEs in flight (inode)', zip(ts.inFlightMax), {
          step: 'end',
          markArea: { silent: true, label: { fontSize: 10, position: 'insideTop', color: '#444' }, data: areas },
        }),
        lineSeries('mean WRITEs in flight', zip(ts.inFlightMean)),
        lineSeries('p50 latency', latency(ts.p50Us), { yAxisIndex: 1, lineStyle: { width: 1.2, type: 'dashed' } }),
        lineSeries('p99 latency', latency(ts.p99Us), { yAxisIndex: 1, lineStyle: { width: 1.2, type: 'dashed' } }),
      ],
    },
    WIDTH * 2 + 12,
    HEIGHT + 20,
  );
  return { id, kind: 'timeseries', series: 4, svg };
}

/** The figure wrapper the report and the browser test rely on. */
export function figure(c: Chart, caption: string): SafeHtml {
  return html`<figure class="chart" id="${c.id}" data-chart-kind="${c.kind}" data-series="${c.series}">${trusted(c.svg)}<figcaption>${caption}</figcaption></figure>`;
}
