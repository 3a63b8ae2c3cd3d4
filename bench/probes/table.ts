// The probe table for a terminal: fixed columns, long cells wrapped on word boundaries.
import type { Probe } from '../results/schema.js';

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (let word of para.split(/\s+/).filter(Boolean)) {
      while (word.length > width) {
        if (line) {
          out.push(line);
          line = '';
        }
        out.push(word.slice(0, width));
        word = word.slice(width);
      }
      if (!line) line = word;
      else if (line.length + 1 + word.length <= width) line += ' ' + word;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out.length ? out : [''];
}

interface Column {
  head: string;
  width: number;
  cell(p: Probe): string;
}

function verdictText(p: Probe): string {
  return p.verdict === 'pass' ? 'pass' : p.verdict === 'fail' ? 'FAIL' : 'unsupported';
}

export function formatProbeTable(probes: Probe[], termWidth = 160): string {
  const idW = Math.max(2, ...probes.map((p) => p.id.length));
  const fixed = idW + 11 + 12 + 5 * 2;
  const rest = Math.max(60, termWidth - fixed);
  const ruleW = Math.floor(rest * 0.3);
  const expW = Math.floor(rest * 0.3);
  const obsW = rest - ruleW - expW;
  const cols: Column[] = [
    { head: 'ID', width: idW, cell: (p) => p.id },
    { head: 'VERDICT', width: 11, cell: verdictText },
    { head: 'CHANGED IN', width: 12, cell: (p) => p.changedIn ?? '-' },
    { head: 'RULE', width: ruleW, cell: (p) => p.rule },
    { head: 'EXPECTED', width: expW, cell: (p) => p.expected },
    {
      head: 'OBSERVED',
      width: obsW,
      cell: (p) => (p.verdict === 'unsupported' ? `not run: ${p.reason ?? 'unsupported here'}` : p.observed),
    },
  ];
  const row = (cells: string[][]): string[] => {
    const h = Math.max(...cells.map((c) => c.length));
    const lines: string[] = [];
    for (let i = 0; i < h; i++) {
      lines.push(cols.map((c, j) => (cells[j]![i] ?? '').padEnd(c.width)).join('  ').trimEnd());
    }
    return lines;
  };
  const out: string[] = [];
  out.push(...row(cols.map((c) => [c.head])));
  out.push(cols.map((c) => '-'.repeat(c.width)).join('  '));
  for (const p of probes) {
    out.push(...row(cols.map((c) => wrap(c.cell(p), c.width))));
    out.push('');
  }
  return out.join('\n');
}

export function summaryLine(probes: Probe[], durationMs: number): string {
  const n = (v: Probe['verdict']): number => probes.filter((p) => p.verdict === v).length;
  const failed = probes.filter((p) => p.verdict === 'fail').map((p) => p.id);
  return (
    `${probes.length} probes: ${n('pass')} pass, ${n('fail')} fail, ${n('unsupported')} unsupported ` +
    `(${(durationMs / 1000).toFixed(1)} s)${failed.length ? ` — failed: ${failed.join(', ')}` : ''}`
  );
}
