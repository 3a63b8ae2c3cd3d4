// A/B of two kernels (`kernels ab`): what behaves differently between the base and the test kernel,
// dimension by dimension, decided from the comparison of their two results. Timings are reported
// but never decide: under TCG they are the emulator's.
import type { Results } from '../bench/results/schema.js';
import type { BehaviourRow, CellBehaviour, Comparison, InitValue, ProbeValue } from '../bench/analysis/compare.js';

export interface BehaviourChange {
  key: string;
  label: string;
  /** How the row reads on each side ("—" where that side has no such row). */
  base: string;
  test: string;
}

export interface DimensionDiff {
  id: string;
  title: string;
  /** Rows present on either side. */
  compared: number;
  changes: BehaviourChange[];
}

/**
 * One kind of behaviour two kernels are compared on. Extension point: a new kind of result (the
 * lock-path lattice `fusebench sweep` writes) becomes one more entry in BEHAVIOUR_DIMENSIONS whose
 * `diff` reads it from the two results — one row per lattice cell, its verdict as the value — and
 * `kernels ab` then lists it, counts it towards exit status 3, and shows it in the report.
 */
export interface BehaviourDimension {
  id: string;
  title: string;
  diff(base: Results, test: Results, cmp: Comparison): { compared: number; changes: BehaviourChange[] };
}

const NONE = '\u2014';

/** Changes from a two-column behaviour matrix of `compare`: rows whose sides differ, or exist on one side only. */
function fromMatrix<T>(rows: Array<BehaviourRow<T>>, fmt: (v: T) => string, same: (a: T, b: T) => boolean): { compared: number; changes: BehaviourChange[] } {
  const changes: BehaviourChange[] = [];
  for (const r of rows) {
    const a = r.values[0] ?? null;
    const b = r.values[1] ?? null;
    if (a === null && b === null) continue;
    if (a !== null && b !== null && same(a, b)) continue;
    changes.push({ key: r.key, label: r.label, base: a === null ? NONE : fmt(a), test: b === null ? NONE : fmt(b) });
  }
  return { compared: rows.length, changes };
}

const cellText = (v: CellBehaviour): string =>
  v.status !== 'ok'
    ? v.status
    : `${v.lockPath ?? 'n/a'}${v.maxWritesInFlight !== null ? ` (max ${v.maxWritesInFlight} WRITEs in flight)` : ''}${v.serverReads === 0 ? ', no READ reached the server' : ''}`;

/** Capabilities that are the kernel's behaviour (not the machine's or the tool's). */
const BEHAVIOURAL_CAPABILITIES = new Set(['FUSE protocol', 'max_write', 'max_pages', 'passthrough usable', 'io_uring offered']);

export const BEHAVIOUR_DIMENSIONS: BehaviourDimension[] = [
  {
    id: 'probes',
    title: 'Probe verdicts',
    diff: (_a, _b, cmp) => fromMatrix<ProbeValue>(cmp.probes, (v) => v.verdict, (x, y) => x.verdict === y.verdict),
  },
  {
    id: 'lock-paths',
    title: 'Lock paths and cell status',
    // The same rule `compare` highlights by: status, lock path, and whether READs reach the server.
    diff: (_a, _b, cmp) => fromMatrix<CellBehaviour>(cmp.cells, cellText, (x, y) => x.status === y.status && x.lockPath === y.lockPath && (x.serverReads === 0) === (y.serverReads === 0)),
  },
  // The sweep's lattice cells go here (see BehaviourDimension).
  {
    id: 'init',
    title: 'INIT flags (offered / negotiated)',
    diff: (_a, _b, cmp) =>
      fromMatrix<InitValue>(
        cmp.init,
        (v) => (v.offered ? (v.negotiated ? 'offered, negotiated' : 'offered') : 'not offered'),
        (x, y) => x.offered === y.offered && x.negotiated === y.negotiated,
      ),
  },
  {
    id: 'capabilities',
    title: 'Protocol and limits',
    diff: (_a, _b, cmp) => fromMatrix<string>(cmp.capabilities.filter((r) => BEHAVIOURAL_CAPABILITIES.has(r.key)), (v) => v, (x, y) => x === y),
  },
];

export function behaviourDiff(base: Results, test: Results, cmp: Comparison, dims: readonly BehaviourDimension[] = BEHAVIOUR_DIMENSIONS): DimensionDiff[] {
  return dims.map((d) => ({ id: d.id, title: d.title, ...d.diff(base, test, cmp) }));
}

/** One side of an A/B: which kernel, how it was booted, how long it took. */
export interface AbSide {
  label: string;
  release: string;
  /** "Debian 6.1.176-1" or the image path. */
  source: string;
  sha256: string | null;
  config: string | null;
  append: string[];
  accel: string | null;
  bootMs: number | null;
  commandMs: number | null;
  results: string;
}

/** Exit status of `kernels ab` when the kernels behave differently (0: same, 1: failure). */
export const EXIT_BEHAVIOUR_CHANGED = 3;

export interface AbReport {
  tool: { name: 'fusebench'; kind: 'kernels-ab' };
  command: string[];
  base: AbSide;
  test: AbSide;
  verdict: 'unchanged' | 'changed';
  exitCode: 0 | typeof EXIT_BEHAVIOUR_CHANGED;
  dimensions: DimensionDiff[];
  timings: {
    /** Either side ran under TCG: its timings are the emulator's. */
    emulated: boolean;
    /** Verdict counts over the timed cells (none for probe-only commands). */
    cells: Comparison['summary'][number]['timing'] | null;
  };
  warnings: string[];
  /** The HTML report, once written. */
  html: string | null;
}

export function abReport(base: AbSide, test: AbSide, command: string[], a: Results, b: Results, cmp: Comparison): AbReport {
  const dimensions = behaviourDiff(a, b, cmp);
  const changed = dimensions.some((d) => d.changes.length > 0);
  return {
    tool: { name: 'fusebench', kind: 'kernels-ab' },
    command,
    base,
    test,
    verdict: changed ? 'changed' : 'unchanged',
    exitCode: changed ? EXIT_BEHAVIOUR_CHANGED : 0,
    dimensions,
    timings: { emulated: a.host.emulated || b.host.emulated, cells: cmp.timing.length > 0 ? (cmp.summary[0]?.timing ?? null) : null },
    warnings: cmp.warnings,
    html: null,
  };
}
