// The perf figures' goals: a ratio against its target, and the PASS/MISS lines.

export { median } from '../analysis/stats.js';

export interface Goal {
  name: string;
  ratio: number;
  goal: number;
  pass: boolean;
  /** Shown instead of "ratio× (goal ≥ goal×)": a two-sided goal, or a ratio with its interval. */
  shown?: string;
}

export function goalLines(goals: Goal[]): string {
  return goals.map((g) => `${g.pass ? 'PASS' : 'MISS'}  ${g.name}: ${g.shown ?? `${g.ratio.toFixed(2)}× (goal ≥ ${g.goal}×)`}`).join('\n') + '\n';
}
