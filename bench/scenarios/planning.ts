// A scenario's planning rules with their defaults, in one place: runner/matrix.ts asks here which
// modes, delays and repeats a scenario takes and how long its window lasts, and names no scenario.
import type { ModeSpec } from '../modes.js';
import type { CellPlan, Scenario } from './types.js';

/** Whether crossing the scenario with this mode says anything (default: every mode). */
export function modeApplies(s: Scenario, spec: ModeSpec): boolean {
  // A mode that only changes what mmap may do is noise for a load that maps nothing.
  if (spec.init.includes('allow-mmap') && !s.mapsShared) return false;
  return s.appliesTo?.(spec) ?? true;
}

/** The server delays to plan (default: those asked for when the scenario writes, else none). */
export function plannedDelays(s: Scenario, asked: string[]): string[] {
  return s.delays?.(asked) ?? (s.usesWriteDelay ? asked : ['']);
}

/** The repeats to plan (default: as many as asked for). */
export function plannedRepeats(s: Scenario, asked: number): number {
  return s.repeats?.(asked) ?? asked;
}

/** The timed window a cell of this scenario runs: the plan's, or the scenario's minimum if longer. */
export function windowMs(s: Scenario, plan: Pick<CellPlan, 'durationMs'>): number {
  return Math.max(plan.durationMs, s.minDurationMs ?? 0);
}
