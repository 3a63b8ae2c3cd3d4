// `kernels ab` as one page: the comparison report of the two results (compare-html.ts), led by what
// changed between the kernels, and with the timings marked emulated when they are.
import type { AbReport, AbSide } from './ab.js';
import { timingNote } from './ab-text.js';
import type { Comparison } from '../bench/analysis/compare.js';
import { compareHtml } from './compare-html.js';
import { html, type SafeHtml } from './html.js';

const secs = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

function sideRow(s: AbSide): SafeHtml {
  return html`<tr><td><b>${s.label}</b></td><td class="mono">${s.release}</td><td class="mono">${s.source}${s.sha256 ? html`<br><span class="muted">sha256 ${s.sha256}</span>` : ''}${s.config ? html`<br><span class="muted">config ${s.config}</span>` : ''}</td><td class="mono">${s.append.join(' ') || '-'}</td><td>${s.accel ?? '-'}</td><td class="num">${secs(s.bootMs)}</td><td class="num">${secs(s.commandMs)}</td></tr>`;
}

function lead(r: AbReport): SafeHtml {
  const verdict =
    r.verdict === 'changed'
      ? html`<p><span class="fail">Behaviour changed</span> (exit ${r.exitCode}): ${r.dimensions.filter((d) => d.changes.length > 0).map((d) => `${d.title.toLowerCase()} ${d.changes.length}`).join(', ')}.</p>`
      : html`<p><span class="pass">No behaviour changed</span> (exit 0).</p>`;
  return html`<section id="changed"><h2>What changed</h2>
<table><tr><th></th><th>release</th><th>kernel</th><th>kernel parameters</th><th>accelerator</th><th>boot</th><th>command</th></tr>${sideRow(r.base)}${sideRow(r.test)}</table>
<p class="muted">Command in both guests: <code>fusebench ${r.command.join(' ')}</code></p>
${verdict}
${r.dimensions.map((d) =>
  d.compared === 0
    ? html`<h3>${d.title}</h3><p class="muted">Nothing to compare: the command produced none.</p>`
    : html`<h3>${d.title}: ${d.changes.length} of ${d.compared} changed</h3>${
        d.changes.length === 0
          ? ''
          : html`<table><tr><th></th><th>${r.base.label}</th><th>${r.test.label}</th></tr>${d.changes.map((c) => html`<tr><td class="mono">${c.label}</td><td>${c.base}</td><td class="changed">${c.test}</td></tr>`)}</table>`
      }`,
)}
<div class="warn"><b>Timings</b> (boot and command above, and the timings section below) are ${timingNote(r)}.</div>
</section>`;
}

export function abHtml(r: AbReport, cmp: Comparison): string {
  return compareHtml(cmp, { title: `fusebench kernels ab — ${r.base.label} ${r.base.release} vs ${r.test.label} ${r.test.release}`, lead: lead(r) });
}
