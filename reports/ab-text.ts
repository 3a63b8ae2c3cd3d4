// `kernels ab` in the terminal: the verdict, what changed (one table per dimension), then timings,
// marked emulated when they are.
import type { AbReport, AbSide } from './ab.js';
import type { Comparison } from '../bench/analysis/compare.js';
import { sanitizeTerminal, timingTableText } from './compare-text.js';
import { textTable } from '../bench/text-table.js';

const secs = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

function side(s: AbSide): string {
  const bits = [s.source, ...(s.sha256 ? [`sha256 ${s.sha256.slice(0, 12)}`] : []), ...(s.append.length > 0 ? [`append ${s.append.join(' ')}`] : [])];
  return sanitizeTerminal(`${s.label} ${s.release} (${bits.join(', ')})`);
}

/** The timing note: what the numbers are worth. */
export function timingNote(r: AbReport): string {
  return r.timings.emulated
    ? 'emulated (QEMU TCG): these are the emulator\u2019s timings, not the kernels\u2019 native speed; behaviour above decides, timings do not'
    : 'under KVM: virtualised, not bare metal';
}

export function abText(r: AbReport, cmp: Comparison, o: { all?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`fusebench kernels ab: ${side(r.base)}`);
  out.push(`                  vs ${side(r.test)}`);
  out.push(`command: ${sanitizeTerminal(r.command.join(' '))}`);
  out.push(r.verdict === 'changed' ? `verdict: behaviour changed (exit ${r.exitCode})` : 'verdict: no behaviour changed (exit 0)');
  for (const w of r.warnings) out.push(`warning: ${sanitizeTerminal(w)}`);
  out.push('', 'What changed');
  for (const d of r.dimensions) {
    if (d.compared === 0) {
      out.push(`${d.title}: nothing to compare (the command produced none)`);
      continue;
    }
    out.push(`${d.title}: ${d.changes.length} of ${d.compared} changed`);
    if (d.changes.length > 0) {
      out.push(textTable(['', r.base.label, r.test.label], d.changes.map((c) => [c.label, c.base, c.test].map(sanitizeTerminal)), { numeric: () => false }).trimEnd());
    }
  }
  out.push('', `Timings \u2014 ${timingNote(r)}`);
  for (const s of [r.base, r.test]) out.push(`  ${sanitizeTerminal(s.label)}: boot ${secs(s.bootMs)}, command ${secs(s.commandMs)} (${s.accel ?? '-'})`);
  if (r.timings.cells) {
    const t = r.timings.cells;
    out.push(`  cells: ${t.slower} slower, ${t.faster} faster, ${t.mixed} mixed, ${t['no significant change']} no significant change${t['insufficient repeats'] ? `, ${t['insufficient repeats']} insufficient repeats` : ''}`);
    out.push(timingTableText(cmp, 1, o.all ?? false).trimEnd());
  } else {
    out.push('  no timed cells (the command ran no scenarios; -- run --quick would)');
  }
  if (r.html) out.push('', `report: ${r.html}`);
  return out.join('\n') + '\n';
}
