// The sweep's command-line choices → the space to sweep and the settings (UsageError on bad input).
import { UsageError } from '../cli/errors.js';
import { parseDurationMs, parseList, parsePositiveInt } from '../cli/parse.js';
import {
  CLIENT_FLAGS,
  defaultSpace,
  fullSpace,
  INTERFERERS,
  LATTICE_ENGINES,
  parseFopenSet,
  parseInitSet,
  WRITE_KINDS,
  type LatticeSpace,
} from './space.js';
import { DEFAULT_SWEEP_SETTINGS, type SweepSettings } from './sweep.js';

export interface SweepFlags {
  full?: boolean;
  fopen?: string;
  init?: string;
  client?: string;
  write?: string;
  engine?: string;
  interferer?: string;
  delay?: string;
  rounds?: string;
  batch?: string;
  threads?: string;
}

function pick<T extends string>(v: string, known: readonly T[], what: string): T[] {
  if (v.trim() === 'all') return [...known];
  const out: T[] = [];
  for (const x of parseList(v)) {
    if (!(known as readonly string[]).includes(x)) throw new UsageError(`${what}: "${x}" is not one of ${known.join(', ')} (or all)`);
    if (!out.includes(x as T)) out.push(x as T);
  }
  if (out.length === 0) throw new UsageError(`${what} needs at least one value`);
  return out;
}

function sets<T>(v: string, all: T[][], parse: (s: string) => T[], what: string): T[][] {
  if (v.trim() === 'all') return all;
  const out: T[][] = [];
  for (const s of parseList(v)) {
    let set: T[];
    try {
      set = parse(s);
    } catch (e) {
      throw new UsageError(`${what}: ${(e as Error).message}`);
    }
    // Keep the canonical object from `all`, so every combination of one INIT set shares it.
    const canon = all.find((a) => a.length === set.length && a.every((x, i) => x === set[i]));
    if (canon && !out.includes(canon)) out.push(canon);
  }
  if (out.length === 0) throw new UsageError(`${what} needs at least one set`);
  return out.sort((a, b) => all.indexOf(a) - all.indexOf(b));
}

export function spaceFromFlags(f: SweepFlags): LatticeSpace {
  const s = f.full ? fullSpace() : defaultSpace();
  const all = fullSpace();
  if (f.fopen) s.fopen = sets(f.fopen, all.fopen, parseFopenSet, '--fopen');
  if (f.init) s.init = sets(f.init, all.init, parseInitSet, '--init');
  if (f.client) s.client = pick(f.client, CLIENT_FLAGS, '--client');
  if (f.write) s.write = pick(f.write, WRITE_KINDS, '--write');
  if (f.engine) s.engine = pick(f.engine, LATTICE_ENGINES, '--engine');
  if (f.interferer) s.interferer = pick(f.interferer, INTERFERERS, '--interferer');
  return s;
}

export function settingsFromFlags(f: SweepFlags): SweepSettings {
  const s = { ...DEFAULT_SWEEP_SETTINGS };
  if (f.delay) {
    s.writeDelayMs = parseDurationMs(f.delay, '--delay');
    if (s.writeDelayMs < 1 || s.writeDelayMs > 10_000) throw new UsageError('--delay must be between 1ms and 10s (the WRITE hold that makes overlap certain)');
  }
  if (f.rounds) s.rounds = Math.min(parsePositiveInt(f.rounds, '--rounds'), 64);
  if (f.threads) {
    s.threads = parsePositiveInt(f.threads, '--threads');
    if (s.threads > 1024 || s.threads < 16) throw new UsageError('--threads must be between 16 and 1024 (the server\'s limit)');
  }
  s.batch = Math.max(1, Math.min(s.batch, Math.floor((s.threads - 16) / s.writers)));
  if (f.batch) {
    const b = parsePositiveInt(f.batch, '--batch');
    if (b * s.writers > s.threads - 16) throw new UsageError(`--batch ${b} needs ${b * s.writers} held WRITEs: more than --threads ${s.threads} minus 16 spare`);
    s.batch = b;
  }
  return s;
}
