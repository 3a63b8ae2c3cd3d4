// Cells repeat (`repeat` 0..N-1); everything else is the cell key. The terminal summary, the report
// and the comparison all group cells here, so they agree on what one cell is.
import type { Cell, ServerThreads } from '../results/schema.js';
import { fmtBlockSize } from '../format.js';
import { mean } from './stats.js';

/** The axes of a cell key other than scenario and mode (mode includes its INIT options). */
export const VARIANT_AXES = ['engine', 'jobs', 'blockSize', 'backend', 'server', 'delay', 'transport'] as const;
export type VariantAxis = (typeof VARIANT_AXES)[number];

export interface KeyParts {
  scenario: string;
  mode: string;
  engine: string;
  jobs: number;
  blockSize: number;
  backend: string;
  server: string;
  delay: string;
  /** dev or uring; cells from before the transport was recorded are dev. */
  transport: string;
}

/** `mode` plus INIT options, e.g. `direct+allow-mmap` (the name the CLI accepts). */
export function modeLabel(c: Pick<Cell, 'mode' | 'init'>): string {
  return [c.mode, ...c.init.filter((i) => !c.mode.split('+').includes(i))].join('+');
}

export function keyParts(c: Cell): KeyParts {
  return {
    scenario: c.scenario,
    mode: modeLabel(c),
    engine: c.engine,
    jobs: c.jobs,
    blockSize: c.blockSize,
    backend: c.backend,
    server: c.server,
    delay: c.delay,
    transport: c.transport ?? 'dev',
  };
}

/** A string key (JSON, so no separator inside a hostile name can make two keys collide). */
export function keyOf(p: KeyParts, ignore: readonly VariantAxis[] = []): string {
  return JSON.stringify([
    p.scenario,
    p.mode,
    ...VARIANT_AXES.map((a) => (ignore.includes(a) ? '*' : p[a])),
  ]);
}

export function variantLabel(p: KeyParts, ignore: readonly VariantAxis[] = []): string {
  const bits: string[] = [];
  if (!ignore.includes('engine')) bits.push(p.engine);
  if (!ignore.includes('jobs')) bits.push(`${p.jobs} job${p.jobs === 1 ? '' : 's'}`);
  if (!ignore.includes('blockSize')) bits.push(`bs ${fmtBlockSize(p.blockSize)}`);
  if (!ignore.includes('backend')) bits.push(`${p.backend} backend`);
  if (!ignore.includes('server')) bits.push(`server ${p.server}`);
  if (!ignore.includes('delay')) bits.push(p.delay === 'none' || p.delay === '' ? 'no delay' : `delay ${p.delay}`);
  if (!ignore.includes('transport') && p.transport !== 'dev') bits.push(`transport ${p.transport}`);
  return bits.join(' · ');
}

export function cellLabel(p: KeyParts, ignore: readonly VariantAxis[] = []): string {
  return `${p.scenario} · ${p.mode} · ${variantLabel(p, ignore)}`;
}

export interface CellGroup {
  key: string;
  parts: KeyParts;
  /** Sorted by repeat index. */
  repeats: Cell[];
}

/** Axes left out of the key, for all scenarios or per scenario. */
export type IgnoreSpec = readonly VariantAxis[] | ((scenario: string) => readonly VariantAxis[]);

export function ignoredFor(spec: IgnoreSpec, scenario: string): readonly VariantAxis[] {
  return typeof spec === 'function' ? spec(scenario) : spec;
}

/** Groups cells by key, keeping first-seen order (the run's order). */
export function groupCells(cells: Cell[], ignore: IgnoreSpec = []): CellGroup[] {
  const map = new Map<string, CellGroup>();
  for (const c of cells) {
    const parts = keyParts(c);
    const key = keyOf(parts, ignoredFor(ignore, c.scenario));
    let g = map.get(key);
    if (!g) {
      g = { key, parts, repeats: [] };
      map.set(key, g);
    }
    g.repeats.push(c);
  }
  for (const g of map.values()) g.repeats.sort((a, b) => a.repeat - b.repeat);
  return [...map.values()];
}

/** ok, or the first non-ok status of a group with its reason. */
export function groupStatus(g: CellGroup): { status: Cell['status']; reason: string | null } {
  const bad = g.repeats.find((c) => c.status !== 'ok');
  return bad ? { status: bad.status, reason: bad.reason } : { status: 'ok', reason: null };
}

/** Operation names of the group's ok repeats, in first-seen order. */
export function groupOps(g: CellGroup): string[] {
  const names: string[] = [];
  for (const c of okRepeats(g)) {
    for (const [op, o] of Object.entries(c.ops)) if (o.count > 0 && !names.includes(op)) names.push(op);
  }
  return names;
}

export function okRepeats(g: CellGroup): Cell[] {
  return g.repeats.filter((c) => c.status === 'ok');
}

export interface LockSummary {
  verdict: string;
  /** Max WRITEs in flight on one inode over the repeats. */
  max: number;
  mean: number | null;
}

/** The lock path the server saw over a group's ok repeats (verdicts joined when repeats disagree). */
export function lockSummary(g: CellGroup): LockSummary | null {
  const ok = okRepeats(g).filter((c) => (c.serverStats['WRITE']?.count ?? 0) > 0);
  if (ok.length === 0) return null;
  const verdicts = [...new Set(ok.map((c) => c.lockPath))];
  const means = ok.map((c) => c.serverStats['WRITE']?.meanInFlight).filter((v): v is number => v !== undefined);
  return {
    verdict: verdicts.join('/'),
    max: Math.max(...ok.map((c) => c.serverStats['WRITE']!.maxInFlightPerInode)),
    mean: means.length > 0 ? mean(means) : null,
  };
}

/** The server-bound repeat of a group with the most requests that found no free thread, or null. */
export function serverBoundOf(g: CellGroup): ServerThreads | null {
  let worst: ServerThreads | null = null;
  for (const c of g.repeats) if (c.serverBound && c.serverThreads && (!worst || c.serverThreads.allBusy > worst.allBusy)) worst = c.serverThreads;
  return worst;
}
