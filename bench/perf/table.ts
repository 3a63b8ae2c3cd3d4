export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Goal {
  name: string;
  ratio: number;
  goal: number;
  pass: boolean;
}

export function goalLines(goals: Goal[]): string {
  return goals.map((g) => `${g.pass ? 'PASS' : 'MISS'}  ${g.name}: ${g.ratio.toFixed(2)}× (goal ≥ ${g.goal}×)`).join('\n') + '\n';
}
