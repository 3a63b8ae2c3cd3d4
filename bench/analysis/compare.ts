// Kernel-to-kernel comparison of N ≥ 2 results: behaviour as matrices (rows = INIT flags, probes,
// cells; columns = inputs, labelled by kernel release) and timings pairwise against the first input
// (the baseline), each ratio with a bootstrap confidence interval from the repeats.
import { basename } from 'node:path';
import type { Cell, Results } from '../results/schema.js';
import {
  groupCells,
  groupOps,
  groupStatus,
  ignoredFor,
  keyParts,
  lockSummary,
  VARIANT_AXES,
  type CellGroup,
  type KeyParts,
  type VariantAxis,
} from './groups.js';
import { fmtBlockSize, fmtBytes } from '../format.js';
import { diffLattices, type LatticeDiff } from '../lattice/diff.js';
import { mergedLatency, repeatSamples } from './latency.js';
import { bootstrapRatioCI, classify, DEFAULT_STATS, median, METHOD, type Classification, type StatsOptions } from './stats.js';

export class CompareError extends Error {}

export interface CompareInput {
  path: string;
  results: Results;
}

export interface CompareOptions extends StatsOptions {
  /** Axes left out of the cell key when matching cells across inputs (besides the automatic ones). */
  ignore: VariantAxis[];
  /** Column names, one per input (default: the kernel release, numbered when it repeats). */
  labels?: string[];
}

export const DEFAULT_COMPARE: CompareOptions = { ...DEFAULT_STATS, ignore: [] };

export interface InputInfo {
  index: number;
  label: string;
  file: string;
  kernelRelease: string;
  kernelVersion: string;
  hostname: string | null;
  emulated: boolean;
  cpu: string;
  cpus: number | null;
  toolVersion: string;
  backends: string[];
  servers: string[];
  engines: string[];
  maxRepeats: number;
  startedAt: string;
  interrupted: boolean;
  /** Timings of this input may be set against the baseline's (same emulated/native kind). */
  timingComparable: boolean;
}

export interface MetricResult {
  /** median(this input) / median(baseline). */
  ratio: number | null;
  low: number | null;
  high: number | null;
  class: Classification;
}

export type Verdict = Classification | 'mixed' | 'baseline';

export interface TimingValue {
  repeats: number;
  /** Medians over repeats of each repeat's own p50 / p99 / throughput: what the ratios compare. */
  p50Ns: number;
  p99Ns: number;
  opsPerSec: number;
  /** p50 / p99 of the repeats' histograms merged: the numbers `run` and `report` print for this cell. */
  mergedP50Ns: number;
  mergedP99Ns: number;
  p50?: MetricResult;
  p99?: MetricResult;
  throughput?: MetricResult;
  verdict: Verdict;
}

export interface TimingRow {
  key: string;
  label: string;
  scenario: string;
  mode: string;
  op: string;
  /** One per input; null where that input has no ok result for this cell and operation. */
  values: Array<TimingValue | null>;
}

export interface CellBehaviour {
  status: Cell['status'];
  reason: string | null;
  lockPath: string | null;
  maxWritesInFlight: number | null;
  meanWritesInFlight: number | null;
  serverReads: number | null;
}

export interface BehaviourRow<T> {
  key: string;
  label: string;
  values: Array<T | null>;
  /** Differs from the baseline in at least one input that has the row. */
  changed: boolean;
}

export interface ProbeValue {
  verdict: string;
  observed: string;
  rule: string;
}

export interface InitValue {
  offered: boolean;
  negotiated: boolean;
}

export interface MicroValue {
  meanNs: number;
  rme: number;
  ratio: number | null;
  changed: boolean;
}

export interface CandidateSummary {
  input: number;
  label: string;
  timing: Record<Verdict, number>;
  lockPathChanges: number;
  statusChanges: number;
  probeChanges: number;
  initChanges: number;
}

export interface Comparison {
  tool: { name: 'fusebench'; kind: 'compare' };
  method: typeof METHOD & { confidence: number; threshold: number; resamples: number; seed: number };
  baseline: number;
  inputs: InputInfo[];
  warnings: string[];
  /** Axes ignored when matching cells, per scenario (automatic and --ignore). */
  matchedIgnoring: Record<string, VariantAxis[]>;
  summary: CandidateSummary[];
  init: Array<BehaviourRow<InitValue>>;
  capabilities: Array<BehaviourRow<string>>;
  probes: Array<BehaviourRow<ProbeValue>>;
  cells: Array<BehaviourRow<CellBehaviour>>;
  timing: TimingRow[];
  micro: Array<BehaviourRow<MicroValue>>;
  /** Flag lattices side by side (null when no input has one): changed cells first. */
  lattice: LatticeDiff | null;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function labels(inputs: CompareInput[]): string[] {
  const base = inputs.map((i) => i.results.host.kernelRelease);
  return base.map((l, i) => (base.filter((x) => x === l).length > 1 ? `${l} #${base.slice(0, i + 1).filter((x) => x === l).length}` : l));
}

function inputInfo(inp: CompareInput, index: number, label: string, baseline: Results): InputInfo {
  const r = inp.results;
  const groups = groupCells(r.cells);
  return {
    index,
    label,
    file: inp.path,
    kernelRelease: r.host.kernelRelease,
    kernelVersion: r.host.kernelVersion,
    hostname: r.host.hostname ?? null,
    emulated: r.host.emulated,
    cpu: r.host.cpu,
    cpus: r.host.cpus ?? null,
    toolVersion: r.tool.version,
    backends: uniq(r.cells.map((c) => c.backend)),
    servers: uniq(r.cells.map((c) => c.server)),
    engines: uniq(r.cells.map((c) => c.engine)),
    maxRepeats: Math.max(0, ...groups.map((g) => g.repeats.length)),
    startedAt: r.startedAt,
    interrupted: r.interrupted,
    timingComparable: r.host.emulated === baseline.host.emulated,
  };
}

function axisValue(c: Cell, a: VariantAxis): string {
  return String(keyParts(c)[a]);
}

/**
 * Axes that hold a single value per input within a scenario but differ between inputs (a run with
 * `--delay write=200us` against one without): cells can only be matched by leaving them out.
 */
function autoIgnore(inputs: CompareInput[], explicit: VariantAxis[], warnings: string[]): Map<string, VariantAxis[]> {
  const scenarios = uniq(inputs.flatMap((i) => i.results.cells.map((c) => c.scenario)));
  const out = new Map<string, VariantAxis[]>();
  for (const s of scenarios) {
    const axes = [...explicit];
    for (const a of VARIANT_AXES) {
      if (axes.includes(a)) continue;
      const perInput = inputs
        .map((i) => uniq(i.results.cells.filter((c) => c.scenario === s).map((c) => axisValue(c, a))))
        .filter((v) => v.length > 0);
      if (perInput.length < 2 || perInput.some((v) => v.length !== 1)) continue;
      const vals = uniq(perInput.map((v) => v[0]!));
      if (vals.length > 1) {
        axes.push(a);
        warnings.push(`${s}: the inputs differ in ${a} (${perInput.map((v) => v[0]).join(' vs ')}); its cells are matched ignoring ${a}`);
      }
    }
    out.set(s, axes);
  }
  return out;
}

/** The short row label: scenario, mode, and only the axes that vary somewhere in the comparison. */
function labeller(all: CellGroup[], ignore: (s: string) => readonly VariantAxis[]): (p: KeyParts) => string {
  const varying = VARIANT_AXES.filter((a) => uniq(all.map((g) => String(g.parts[a]))).length > 1);
  return (p) => {
    const bits = [p.scenario, p.mode];
    for (const a of varying) {
      if (ignore(p.scenario).includes(a)) continue;
      const v = p[a];
      if (a === 'jobs') bits.push(`${v} jobs`);
      else if (a === 'blockSize') bits.push(`bs ${fmtBlockSize(v as number)}`);
      else if (a === 'delay') bits.push(v === 'none' ? 'no delay' : `delay ${v}`);
      else if (a === 'server') bits.push(`server ${v}`);
      else if (a === 'backend') bits.push(`${v} backend`);
      else if (a === 'transport') bits.push(`transport ${v}`);
      else bits.push(String(v));
    }
    return bits.join(' · ');
  };
}

function metric(base: number[], cand: number[], lowerIsBetter: boolean, o: StatsOptions, salt: string, comparable: boolean): MetricResult {
  const point = median(cand) / median(base);
  const ratio = Number.isFinite(point) ? point : null;
  if (!comparable) return { ratio, low: null, high: null, class: 'not comparable' };
  if (base.length < 2 || cand.length < 2) return { ratio, low: null, high: null, class: 'insufficient repeats' };
  const ci = bootstrapRatioCI(base, cand, o, salt);
  return {
    ratio,
    low: Number.isFinite(ci.low) ? ci.low : null,
    high: Number.isFinite(ci.high) ? ci.high : null,
    class: classify(ci, lowerIsBetter, o.threshold),
  };
}

function overall(ms: MetricResult[]): Verdict {
  const cls = ms.map((m) => m.class);
  if (cls.includes('not comparable')) return 'not comparable';
  const slower = cls.includes('slower');
  const faster = cls.includes('faster');
  if (slower && faster) return 'mixed';
  if (slower) return 'slower';
  if (faster) return 'faster';
  if (cls.every((c) => c === 'insufficient repeats')) return 'insufficient repeats';
  return 'no significant change';
}

function rowChanged<T>(values: Array<T | null>, same: (a: T, b: T) => boolean): boolean {
  const b = values[0];
  if (b === null || b === undefined) return values.some((v) => v !== null);
  return values.slice(1).some((v) => v !== null && !same(b, v));
}

function matrix<T>(keys: Array<{ key: string; label: string }>, get: (input: number, key: string) => T | null, n: number, same: (a: T, b: T) => boolean): Array<BehaviourRow<T>> {
  return keys.map(({ key, label }) => {
    const values = Array.from({ length: n }, (_, i) => get(i, key));
    return { key, label, values, changed: rowChanged(values, same) };
  });
}

function flat(r: Record<string, string> | undefined, prefix: string): Array<[string, string]> {
  return Object.entries(r ?? {}).map(([k, v]) => [`${prefix}${k}`, v]);
}

function capabilities(r: Results): Map<string, string> {
  const f = r.fuse;
  const m = new Map<string, string>([
    ['FUSE protocol', f.protocol],
    ['max_write', f.maxWrite !== undefined ? fmtBytes(f.maxWrite) : '-'],
    ['max_pages', f.maxPages !== undefined ? String(f.maxPages) : '-'],
    ['passthrough usable', f.passthroughUsable === undefined ? '-' : f.passthroughUsable ? 'yes' : `no (${f.passthroughReason ?? '?'})`],
    ['io_uring offered', f.ioUringOffered === undefined ? '-' : f.ioUringOffered ? 'yes' : 'no'],
    ['emulated', r.host.emulated ? 'yes' : 'no'],
    ['CPU', `${r.host.cpu}${r.host.cpus !== undefined ? ` × ${r.host.cpus}` : ''}`],
    ['tool version', r.tool.version],
    ['backend', uniq(r.cells.map((c) => c.backend)).join(', ')],
    ['server', uniq(r.cells.map((c) => c.server)).join(', ')],
    ...flat(r.host.config, ''),
    ...flat(r.host.moduleParams, 'fuse.'),
    ...flat(r.host.sysctls, 'fs.fuse.'),
  ]);
  return m;
}

function environmentWarnings(infos: InputInfo[], inputs: CompareInput[]): string[] {
  const w: string[] = [];
  const b = infos[0]!;
  for (const x of infos.slice(1)) {
    const d: string[] = [];
    if (x.cpu !== b.cpu) d.push(`CPU (${b.cpu} vs ${x.cpu})`);
    if (x.cpus !== b.cpus) d.push(`CPU count (${b.cpus ?? '?'} vs ${x.cpus ?? '?'})`);
    if (x.toolVersion !== b.toolVersion) d.push(`fusebench version (${b.toolVersion} vs ${x.toolVersion})`);
    if (x.emulated !== b.emulated) d.push(`emulated vs native (${b.emulated ? 'emulated' : 'native'} vs ${x.emulated ? 'emulated' : 'native'}): timings are not comparable, only behaviour is`);
    if (x.backends.join() !== b.backends.join()) d.push(`backend (${b.backends.join(',')} vs ${x.backends.join(',')})`);
    if (x.servers.join() !== b.servers.join()) d.push(`server kind (${b.servers.join(',')} vs ${x.servers.join(',')})`);
    const mb = inputs[0]!.results.host.memBytes;
    const mx = inputs[x.index]!.results.host.memBytes;
    if (mb !== undefined && mx !== undefined && Math.abs(mb - mx) > 0.05 * mb) d.push(`memory (${fmtBytes(mb)} vs ${fmtBytes(mx)})`);
    if (d.length > 0) w.push(`${x.label} differs from the baseline ${b.label} in more than the kernel: ${d.join('; ')}`);
    if (x.kernelRelease === b.kernelRelease && x.kernelVersion === b.kernelVersion) w.push(`${x.label} runs the same kernel as the baseline: differences are run-to-run noise or come from what else differs`);
    if (x.interrupted) w.push(`${x.label} was interrupted: only the cells it finished are compared`);
  }
  if (b.interrupted) w.push(`the baseline ${b.label} was interrupted: only the cells it finished are compared`);
  if (infos.length > 1 && infos.every((i) => i.emulated)) w.push('all inputs are emulated (QEMU TCG): timings are compared but carry the emulator\u2019s noise');
  return w;
}

export function compareResults(inputs: CompareInput[], o: CompareOptions = DEFAULT_COMPARE): Comparison {
  if (inputs.length < 2) throw new CompareError('compare needs at least two results files');
  const n = inputs.length;
  if (o.labels !== undefined && o.labels.length !== n) throw new CompareError(`${o.labels.length} labels for ${n} inputs`);
  const lbl = o.labels ?? labels(inputs);
  const infos = inputs.map((inp, i) => inputInfo(inp, i, lbl[i]!, inputs[0]!.results));
  const warnings = environmentWarnings(infos, inputs);
  const ignoreMap = autoIgnore(inputs, o.ignore, warnings);
  const ignore = (s: string): readonly VariantAxis[] => ignoreMap.get(s) ?? o.ignore;
  const grouped = inputs.map((inp) => groupCells(inp.results.cells, ignore));

  // Leaving an axis out must not fold two different cells of one input together.
  grouped.forEach((gs, i) => {
    for (const g of gs) {
      const reps = g.repeats.map((c) => c.repeat);
      if (new Set(reps).size !== reps.length) {
        const axes = ignoredFor(ignore, g.parts.scenario);
        throw new CompareError(
          `${basename(inputs[i]!.path)}: ignoring ${axes.join(', ')} folds different cells of ${g.parts.scenario} · ${g.parts.mode} together (the run has several values of it); drop it from --ignore`,
        );
      }
    }
  });

  const allGroups = grouped.flat();
  const label = labeller(allGroups, ignore);
  const keys: Array<{ key: string; label: string }> = [];
  const seen = new Set<string>();
  for (const g of allGroups) {
    if (seen.has(g.key)) continue;
    seen.add(g.key);
    keys.push({ key: g.key, label: label(g.parts) });
  }
  const index = grouped.map((gs) => new Map(gs.map((g) => [g.key, g])));

  // Behaviour: status and lock path per cell.
  const cells = matrix<CellBehaviour>(
    keys,
    (i, k) => {
      const g = index[i]!.get(k);
      if (!g) return null;
      const st = groupStatus(g);
      const l = lockSummary(g);
      const ok = g.repeats.filter((c) => c.status === 'ok');
      return {
        status: st.status,
        reason: st.reason,
        lockPath: l?.verdict ?? null,
        maxWritesInFlight: l?.max ?? null,
        meanWritesInFlight: l?.mean ?? null,
        serverReads: ok.length > 0 ? median(ok.map((c) => c.serverStats['READ']?.count ?? 0)) : null,
      };
    },
    n,
    (a, b) => a.status === b.status && a.lockPath === b.lockPath && (a.serverReads === 0) === (b.serverReads === 0),
  );

  // Timing: every cell × operation, each input against the baseline.
  const timing: TimingRow[] = [];
  for (const { key, label: l } of keys) {
    const ops = uniq(index.flatMap((m) => (m.get(key) ? groupOps(m.get(key)!) : [])));
    for (const op of ops) {
      const reps = index.map((m) => {
        const g = m.get(key);
        return g ? repeatSamples(g, op) : null;
      });
      if (reps.every((r) => r === null)) continue;
      const base = reps[0];
      const parts = (index.find((m) => m.get(key))!.get(key)!).parts;
      const values = reps.map((r, i): TimingValue | null => {
        if (!r) return null;
        const merged = mergedLatency(index[i]!.get(key)!, op);
        const v: TimingValue = {
          repeats: r.p50.length,
          p50Ns: median(r.p50),
          p99Ns: median(r.p99),
          opsPerSec: median(r.tput),
          mergedP50Ns: merged.p50Ns,
          mergedP99Ns: merged.p99Ns,
          verdict: 'baseline',
        };
        if (i === 0 || !base) {
          if (i !== 0) v.verdict = 'insufficient repeats';
          return v;
        }
        const cmp = infos[i]!.timingComparable;
        const salt = `${key}|${op}|${i}`;
        v.p50 = metric(base.p50, r.p50, true, o, salt + '|p50', cmp);
        v.p99 = metric(base.p99, r.p99, true, o, salt + '|p99', cmp);
        v.throughput = metric(base.tput, r.tput, false, o, salt + '|tput', cmp);
        // The cell verdict follows the central metrics; p99 keeps its own class (see METHOD).
        v.verdict = overall([v.p50, v.throughput]);
        return v;
      });
      timing.push({ key, label: l, scenario: parts.scenario, mode: parts.mode, op, values });
    }
  }

  // Probes.
  const probeIds = uniq(inputs.flatMap((i) => i.results.probes.map((p) => p.id)));
  const probes = matrix<ProbeValue>(
    probeIds.map((id) => ({ key: id, label: id })),
    (i, id) => {
      const p = inputs[i]!.results.probes.find((x) => x.id === id);
      return p ? { verdict: p.verdict, observed: p.observed, rule: p.rule } : null;
    },
    n,
    (a, b) => a.verdict === b.verdict,
  );

  // INIT flags and capabilities.
  const flags = uniq(inputs.flatMap((i) => [...i.results.fuse.initOffered, ...i.results.fuse.initNegotiated]));
  const init = matrix<InitValue>(
    flags.map((f) => ({ key: f, label: f })),
    (i, f) => ({ offered: inputs[i]!.results.fuse.initOffered.includes(f), negotiated: inputs[i]!.results.fuse.initNegotiated.includes(f) }),
    n,
    (a, b) => a.offered === b.offered && a.negotiated === b.negotiated,
  );
  const caps = inputs.map((i) => capabilities(i.results));
  const capNames = uniq(caps.flatMap((m) => [...m.keys()]));
  const capabilitiesRows = matrix<string>(capNames.map((c) => ({ key: c, label: c })), (i, c) => caps[i]!.get(c) ?? null, n, (a, b) => a === b);

  // Micro-benchmarks (tinybench): ratio of means; a change when it exceeds the threshold and both
  // sides' relative margins of error.
  const microKey = (m: { name: string; server: string; mode: string }): string => JSON.stringify([m.name, m.server, m.mode]);
  const microKeys = uniq(inputs.flatMap((i) => (i.results.micro ?? []).map(microKey)));
  const micro = matrix<MicroValue>(
    microKeys.map((k) => {
      const [name, server, mode] = JSON.parse(k) as [string, string, string];
      return { key: k, label: `${name} · ${server} · ${mode}` };
    }),
    (i, k) => {
      const m = (inputs[i]!.results.micro ?? []).find((x) => microKey(x) === k && (x.status ?? 'ok') === 'ok');
      if (!m) return null;
      const b = (inputs[0]!.results.micro ?? []).find((x) => microKey(x) === k && (x.status ?? 'ok') === 'ok');
      const ratio = b && b.meanNs > 0 ? m.meanNs / b.meanNs : null;
      const margin = b ? Math.max(o.threshold, (m.rme + b.rme) / 100) : Infinity;
      const changed = i > 0 && ratio !== null && infos[i]!.timingComparable && Math.abs(ratio - 1) > margin;
      return { meanNs: m.meanNs, rme: m.rme, ratio, changed };
    },
    n,
    (_a, b) => !b.changed,
  );

  const summary: CandidateSummary[] = infos.slice(1).map((x) => {
    const t: Record<Verdict, number> = { faster: 0, slower: 0, mixed: 0, 'no significant change': 0, 'insufficient repeats': 0, 'not comparable': 0, baseline: 0 };
    for (const row of timing) {
      const v = row.values[x.index];
      if (v && row.values[0]) t[v.verdict]++;
    }
    const changedAt = <T,>(rows: Array<BehaviourRow<T>>, same: (a: T, b: T) => boolean): number =>
      rows.filter((r) => r.values[0] && r.values[x.index] && !same(r.values[0], r.values[x.index]!)).length;
    return {
      input: x.index,
      label: x.label,
      timing: t,
      lockPathChanges: changedAt(cells, (a, b) => a.lockPath === b.lockPath),
      statusChanges: changedAt(cells, (a, b) => a.status === b.status),
      probeChanges: changedAt(probes, (a, b) => a.verdict === b.verdict),
      initChanges: changedAt(init, (a, b) => a.offered === b.offered && a.negotiated === b.negotiated),
    };
  });

  return {
    tool: { name: 'fusebench', kind: 'compare' },
    method: { ...METHOD, confidence: o.confidence, threshold: o.threshold, resamples: o.resamples, seed: o.seed },
    baseline: 0,
    inputs: infos,
    warnings,
    matchedIgnoring: Object.fromEntries([...ignoreMap].filter(([, a]) => a.length > 0)),
    summary,
    init,
    capabilities: capabilitiesRows,
    probes,
    cells,
    timing,
    micro,
    lattice: diffLattices(inputs.map((i) => i.results.lattice)),
  };
}

