// The flag lattice as a heat-map: per INIT set, rows = FOPEN set, columns = engine/interferer groups of
// client flags × write kind; each cell coloured by its verdict and showing the counts behind it, so no
// tooltip (the page has no script) is needed. UNEXPECTED cells get a red frame and are listed first.
import type { Lattice, LatticeCell } from '../bench/results/lattice-schema.js';
import { CLIENT_OPEN_TEXT, type ClientFlags } from '../bench/lattice/space.js';
import { describeCell } from '../bench/lattice/table.js';
import { VERDICT_LETTERS, verdictLetter } from '../bench/lattice/verdict.js';
import { html, joinHtml, trusted, type SafeHtml } from './html.js';

const CSS = `
table.lattice{font-size:11px}
table.lattice td.lv{text-align:center;min-width:30px;padding:1px 2px;line-height:1.15}
table.lattice td.lv b{display:block;font-size:12px}
table.lattice td.lv small{display:block;color:#333}
table.lattice th.grp{text-align:center}
.lv-S{background:#b7e4c7}.lv-X{background:#ffd6a5}.lv-B{background:#bde0fe}.lv-D{background:#e2d4f0}
.lv-R{background:#d9d9d9}.lv-E{background:#ffadad}.lv-U{background:#f4f4f4;color:#888}.lv-none{background:#fff}
td.lv.unexpected{outline:3px solid #a3161a;outline-offset:-3px}
.unexpected-list{border:2px solid #a3161a;padding:8px 12px;background:#fff0f0}
`;

/** The counts of a cell in a few characters: WRITEs (+ written back at close) / max in flight. */
function countsText(c: LatticeCell): string {
  if (c.verdict.startsWith('refused:') || c.verdict.startsWith('error:')) return c.verdict.split(':')[1] ?? '';
  if (!c.counts) return '';
  const after = c.counts.writesAfterClose ? `+${c.counts.writesAfterClose}` : '';
  return `${c.counts.writes}${after}w·${c.counts.maxInFlight}`;
}

function cellTd(c: LatticeCell | undefined): SafeHtml {
  if (!c) return html`<td class="lv lv-none">·</td>`;
  const letter = verdictLetter(c.verdict);
  return html`<td class="lv lv-${letter}${c.asPredicted ? '' : ' unexpected'}"><b>${letter}${c.asPredicted ? '' : '!'}</b><small>${countsText(c)}</small></td>`;
}

function block(l: Lattice, init: string, index: Map<string, LatticeCell>): SafeHtml {
  const groups = l.space.engine.flatMap((e) => l.space.interferer.map((i) => ({ e, i })));
  const sub = l.space.client.flatMap((cl) => l.space.write.map((w) => ({ cl, w })));
  const head1 = html`<tr><th rowspan="2">FOPEN</th>${groups.map((g) => html`<th class="grp" colspan="${sub.length}">${g.e} · ${g.i}</th>`)}</tr>`;
  const head2 = html`<tr>${groups.map(() => sub.map((s) => html`<th>${CLIENT_OPEN_TEXT[s.cl as ClientFlags]}<br>${s.w}</th>`))}</tr>`;
  const rows = l.space.fopen.map(
    (f) => html`<tr><th>${f}</th>${groups.map((g) => sub.map((s) => cellTd(index.get([init, f, g.e, g.i, s.cl, s.w].join(' ')))))}</tr>`,
  );
  return html`<table class="lattice">${head1}${head2}${rows}</table>`;
}

function legend(l: Lattice): SafeHtml {
  const rows = VERDICT_LETTERS.filter((v) => v.letter !== '.').map(
    (v) => html`<tr><td class="lv lv-${v.letter}"><b>${v.letter}</b></td><td>${v.verdict}</td><td>${v.meaning}</td></tr>`,
  );
  return html`<table class="lattice"><tr><th>cell</th><th>verdict</th><th>meaning</th></tr>${rows}
<tr><td class="lv unexpected"><b>X!</b></td><td>UNEXPECTED</td><td>the kernel's rules (bench/lattice/predict.ts) predicted another verdict</td></tr></table>
<p class="note">Small print in a cell: WRITEs the server received while the files were open (+ written back at close) · the maximum in flight on the inode at once; for refused/error cells the errno.
Each cell: ${l.settings.writers} writers × ${l.settings.rounds} writes of ${l.settings.blockSize} B on a fresh file, every WRITE held ${l.settings.writeDelayMs} ms by the server; ${l.cells.length} cells in ${(l.durationMs / 1000).toFixed(1)} s.</p>`;
}

function unexpectedCells(l: Lattice): LatticeCell[] {
  return l.cells.filter((c) => !c.asPredicted);
}

export function latticeSection(l: Lattice): SafeHtml {
  const index = new Map(l.cells.map((c) => [[c.init, c.fopen, c.engine, c.interferer, c.client, c.write].join(' '), c]));
  const bad = unexpectedCells(l);
  const seen = new Map<string, string>();
  const blocks: SafeHtml[] = [];
  for (const init of l.space.init) {
    const mount = l.mounts.find((m) => m.init === init);
    const key = JSON.stringify(l.cells.filter((c) => c.init === init).map((c) => [c.fopen, c.client, c.write, c.engine, c.interferer, c.verdict, c.asPredicted, countsText(c)]));
    const same = seen.get(key);
    const note = mount?.skipped ? html` <span class="muted">— not mounted: ${mount.skipped}</span>` : mount ? html` <span class="muted">— negotiated ${mount.negotiated.join(', ') || 'nothing'}${mount.passthroughUsable ? '' : `; passthrough not usable${mount.passthroughReason ? `: ${mount.passthroughReason}` : ''}`}</span>` : '';
    if (same !== undefined) {
      blocks.push(html`<h3>INIT ${init}${note}</h3><p>Same cells and counts as INIT ${same}.</p>`);
      continue;
    }
    seen.set(key, init);
    blocks.push(html`<h3>INIT ${init}${note}</h3>${block(l, init, index)}`);
  }
  const top = bad.length
    ? html`<div class="unexpected-list"><strong>UNEXPECTED: ${bad.length} of ${l.cells.length} cells disagree with the kernel's rules</strong><ul>${bad.map((c) => html`<li>${describeCell(c)}<br><span class="muted">predicted ${c.predicted}: ${c.why}</span></li>`)}</ul></div>`
    : html`<p class="pass">All ${l.cells.length} cells as predicted by the kernel's rules.</p>`;
  return html`<section id="lattice"><h2>Flag lattice</h2>${trusted(`<style>${CSS}</style>`)}
${l.interrupted ? html`<div class="warn">The sweep was interrupted: only the cells shown ran.</div>` : ''}
${top}${legend(l)}${joinHtml(blocks)}</section>`;
}
