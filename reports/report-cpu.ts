// CPU time per operation (server and client, as bench/runner/cpu.ts measures them), and the two
// transports (/dev/fuse, FUSE over io_uring) side by side for every cell that ran with both.
import type { Cell } from '../bench/results/schema.js';
import { fmtNs, fmtRate, fmtRatio } from '../bench/format.js';
import { groupOps, groupStatus, keyOf, okRepeats, variantLabel, type CellGroup } from '../bench/analysis/groups.js';
import { mergedLatency, throughput } from '../bench/analysis/latency.js';
import { median } from '../bench/analysis/stats.js';
import { html, type SafeHtml } from './html.js';

/** Median over the ok repeats of a CPU figure; NaN when no repeat has it. */
function cpuMedian(g: CellGroup, pick: (c: NonNullable<Cell['cpu']>) => number | null): number {
  const xs = okRepeats(g).flatMap((c) => {
    const v = c.cpu ? pick(c.cpu) : null;
    return v === null ? [] : [v];
  });
  return median(xs);
}

const serverPerOp = (g: CellGroup): number => cpuMedian(g, (c) => c.serverNsPerOp);
const clientPerOp = (g: CellGroup): number => cpuMedian(g, (c) => c.clientNsPerOp);

const CPU_NOTE =
  'CPU per operation = CPU time over the timed window / operations completed in it (medians over repeats). ' +
  'Server: utime+stime of all its threads from /proc/<pid>/stat (10 ms ticks), sampled at the start barrier and after the jobs return. ' +
  "Client: the benchmark process (getrusage): the jobs' loops including the kernel's work inside their syscalls, the main thread, " +
  'and the jobs building their histograms after the deadline (about 1 ms per job).';

export function cpuSection(groups: CellGroup[]): SafeHtml | null {
  const rows = groups
    .filter((g) => groupStatus(g).status === 'ok' && okRepeats(g).some((c) => c.cpu))
    .map((g) => {
      const s = serverPerOp(g);
      const c = clientPerOp(g);
      const ops = median(okRepeats(g).flatMap((x) => (x.cpu ? [x.cpu.ops] : [])));
      return html`<tr><td>${g.parts.scenario}</td><td>${g.parts.mode}</td><td>${variantLabel(g.parts)}</td><td class="num">${fmtRate(ops)}</td>
<td class="num">${fmtNs(s)}</td><td class="num">${fmtNs(c)}</td><td class="num">${fmtNs((Number.isFinite(s) ? s : 0) + c)}</td></tr>`;
    });
  if (rows.length === 0) return null;
  return html`<section id="cpu"><h2>CPU per operation</h2>
<p class="note">${CPU_NOTE}</p>
<table><tr><th>scenario</th><th>mode</th><th>variant</th><th>ops in window</th><th>server CPU/op</th><th>client CPU/op</th><th>total</th></tr>${rows}</table></section>`;
}

/** Throughput, p50 and CPU per op of every cell run over both transports; ratios are uring / dev. */
export function transportsSection(groups: CellGroup[]): SafeHtml | null {
  const byKey = new Map<string, { dev?: CellGroup; uring?: CellGroup }>();
  for (const g of groups) {
    if (groupStatus(g).status !== 'ok' || (g.parts.transport !== 'dev' && g.parts.transport !== 'uring')) continue;
    const k = keyOf(g.parts, ['transport']);
    const pair = byKey.get(k) ?? {};
    pair[g.parts.transport] = g;
    byKey.set(k, pair);
  }
  const p50 = (g: CellGroup, op: string): number => {
    const m = mergedLatency(g, op);
    return m.count ? m.p50Ns : NaN;
  };
  const rows: SafeHtml[] = [];
  for (const { dev, uring } of byKey.values()) {
    if (!dev || !uring) continue;
    const rate = (g: CellGroup, op: string): number => throughput(g, op).opsPerSec;
    const cpuCells = (f: (g: CellGroup) => number): SafeHtml =>
      html`<td class="num">${fmtNs(f(dev))}</td><td class="num">${fmtNs(f(uring))}</td><td class="num">${fmtRatio(f(uring) / f(dev))}×</td>`;
    for (const op of groupOps(dev).filter((o) => groupOps(uring).includes(o))) {
      rows.push(html`<tr><td>${dev.parts.scenario}</td><td>${dev.parts.mode}</td><td>${variantLabel(dev.parts, ['transport'])}</td><td class="mono">${op}</td>
<td class="num">${fmtRate(rate(dev, op))}</td><td class="num">${fmtRate(rate(uring, op))}</td><td class="num">${fmtRatio(rate(uring, op) / rate(dev, op))}×</td>
<td class="num">${fmtNs(p50(dev, op))}</td><td class="num">${fmtNs(p50(uring, op))}</td><td class="num">${fmtRatio(p50(uring, op) / p50(dev, op))}×</td>
${cpuCells(serverPerOp)}${cpuCells(clientPerOp)}</tr>`);
    }
  }
  if (rows.length === 0) return null;
  return html`<section id="transports"><h2>Transports side by side</h2>
<p class="note">The same cell served over /dev/fuse (read and writev) and over FUSE-over-io_uring (one io_uring_enter commits a reply and fetches the next request). Ratios are uring / dev: throughput above 1 and latency or CPU below 1 favour io_uring. CPU per op covers the whole cell (all its operations).</p>
<table><tr><th>scenario</th><th>mode</th><th>variant</th><th>op</th><th>ops/s dev</th><th>ops/s uring</th><th>ratio</th><th>p50 dev</th><th>p50 uring</th><th>ratio</th>
<th>server CPU/op dev</th><th>uring</th><th>ratio</th><th>client CPU/op dev</th><th>uring</th><th>ratio</th></tr>${rows}</table></section>`;
}
