// Lattices of several runs (kernels) side by side: every cell whose verdict differs from the baseline's
// comes first (cells where both kernels ran before those that only one kernel can express), then cells
// that agree between runs but disagree with the kernel's rules somewhere; agreeing cells are counted,
// not listed.
import type { Lattice, LatticeCell } from '../results/lattice-schema.js';
import { cellLabel } from './table.js';

export interface LatticeDiffValue {
  verdict: string;
  asPredicted: boolean;
  predicted: string;
  counts: LatticeCell['counts'];
}

export interface LatticeDiffRow {
  key: string;
  /** `INIT … · FOPEN … · O_DIRECT overwrite · psync · interferer none` */
  label: string;
  /** One per input; null where that input's sweep did not cover the cell. */
  values: Array<LatticeDiffValue | null>;
  /** The verdict differs from the baseline's in at least one input that has the cell. */
  changed: boolean;
  /** ... and one side of that change is `unsupported` (a capability difference, not a behaviour one). */
  capabilityOnly: boolean;
}

export interface LatticeDiff {
  /** Which inputs carry a lattice. */
  present: boolean[];
  /** Cells covered by every input that has a lattice. */
  common: number;
  changed: number;
  /** Per input: cells marked UNEXPECTED. */
  unexpected: number[];
  /** Changed rows first (behaviour changes, then capability-only ones), then unchanged rows with an UNEXPECTED cell. */
  rows: LatticeDiffRow[];
}

function cellKey(c: LatticeCell): string {
  return [c.init, c.fopen, c.client, c.write, c.engine, c.interferer].join(' ');
}

/** Null when no input has a lattice. */
export function diffLattices(lattices: Array<Lattice | undefined>): LatticeDiff | null {
  if (!lattices.some((l) => l)) return null;
  const maps = lattices.map((l) => new Map((l?.cells ?? []).map((c) => [cellKey(c), c])));
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const l of lattices) for (const c of l?.cells ?? []) if (!seen.has(cellKey(c)) && seen.add(cellKey(c))) keys.push(cellKey(c));
  const rows: LatticeDiffRow[] = [];
  let common = 0;
  for (const key of keys) {
    const cells = maps.map((m) => m.get(key) ?? null);
    if (lattices.every((l, i) => !l || cells[i])) common++;
    const base = cells[0];
    const changed = base !== null && cells.some((c) => c !== null && c.verdict !== base.verdict);
    const anyUnexpected = cells.some((c) => c !== null && !c.asPredicted);
    if (!changed && !anyUnexpected) continue;
    const first = cells.find((c) => c !== null)!;
    rows.push({
      key,
      label: cellLabel(first),
      values: cells.map((c) => (c ? { verdict: c.verdict, asPredicted: c.asPredicted, predicted: c.predicted, counts: c.counts } : null)),
      changed,
      capabilityOnly: changed && cells.some((c) => c?.verdict === 'unsupported'),
    });
  }
  const rank = (r: LatticeDiffRow): number => (r.changed ? (r.capabilityOnly ? 1 : 0) : 2);
  rows.sort((a, b) => rank(a) - rank(b));
  return {
    present: lattices.map((l) => l !== undefined),
    common,
    changed: rows.filter((r) => r.changed).length,
    unexpected: lattices.map((l) => (l?.cells ?? []).filter((c) => !c.asPredicted).length),
    rows,
  };
}

/** A verdict with its UNEXPECTED mark, for tables. */
export function diffValueText(v: LatticeDiffValue | null): string {
  if (!v) return '-';
  const n = v.counts && v.counts.clientWrites > 0 ? ` (${v.counts.writes}${v.counts.writesAfterClose ? `+${v.counts.writesAfterClose}` : ''}w, max ${v.counts.maxInFlight})` : '';
  return `${v.verdict}${n}${v.asPredicted ? '' : ` UNEXPECTED (rules: ${v.predicted})`}`;
}
