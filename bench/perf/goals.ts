// The perf figures' goals: a ratio against its target, and the PASS/MISS lines.

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
  /** Shown instead of "ratio× (goal ≥ goal×)" when the figure is not a ratio. */
  shown?: string;
}

export function goalLines(goals: Goal[]): string {
  return goals.map((g) => `${g.pass ? 'PASS' : 'MISS'}  ${g.name}: ${g.shown ?? `${g.ratio.toFixed(2)}× (goal ≥ ${g.goal}×)`}`).join('\n') + '\n';
}
