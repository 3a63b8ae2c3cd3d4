// The flag lattice: every combination of what the server replies to OPEN, what it negotiates at INIT,
// how the client opens and writes, and what else holds the inode. Names here are the ones results,
// tables and reports use.
import type { FopenFlag } from '../modes.js';

/** The FOPEN_* flags swept: every subset of these is one row of the table. */
const LATTICE_FOPEN = ['DIRECT_IO', 'PARALLEL_DIRECT_WRITES', 'PASSTHROUGH', 'KEEP_CACHE', 'NOFLUSH'] as const satisfies readonly FopenFlag[];
export type LatticeFopen = (typeof LATTICE_FOPEN)[number];

/** INIT options swept: `passthrough` = the server asks for PASSTHROUGH (its default), absent = `no-passthrough`. */
const LATTICE_INIT = ['passthrough', 'async-dio', 'allow-mmap', 'writeback'] as const;
export type LatticeInit = (typeof LATTICE_INIT)[number];

export const CLIENT_FLAGS = ['direct', 'direct-append', 'direct-dsync', 'buffered'] as const;
export type ClientFlags = (typeof CLIENT_FLAGS)[number];
/** What each client choice adds to O_RDWR (for tables and help). */
export const CLIENT_OPEN_TEXT: Record<ClientFlags, string> = {
  direct: 'O_DIRECT',
  'direct-append': 'O_DIRECT|O_APPEND',
  'direct-dsync': 'O_DIRECT|O_DSYNC',
  buffered: '(buffered)',
};

export const WRITE_KINDS = ['overwrite', 'extend'] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];

export const LATTICE_ENGINES = ['psync', 'libaio'] as const;
export type LatticeEngine = (typeof LATTICE_ENGINES)[number];

export const INTERFERERS = ['none', 'caching-open', 'mmap-shared'] as const;
export type Interferer = (typeof INTERFERERS)[number];

/** One point of the lattice. `fopen` and `init` are kept in the order of LATTICE_FOPEN / LATTICE_INIT. */
export interface Combo {
  fopen: LatticeFopen[];
  init: LatticeInit[];
  client: ClientFlags;
  write: WriteKind;
  engine: LatticeEngine;
  interferer: Interferer;
}

/** Which values of each dimension a sweep covers. */
export interface LatticeSpace {
  fopen: LatticeFopen[][];
  init: LatticeInit[][];
  client: ClientFlags[];
  write: WriteKind[];
  engine: LatticeEngine[];
  interferer: Interferer[];
}

/** Every subset of `items`, smallest first, each in the order of `items`. */
function subsets<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let mask = 0; mask < 1 << items.length; mask++) out.push(items.filter((_, i) => (mask & (1 << i)) !== 0));
  return out.sort((a, b) => a.length - b.length || order(items, a) - order(items, b));
}

function order<T>(items: readonly T[], set: T[]): number {
  return set.reduce((acc, x) => acc + (1 << items.indexOf(x)), 0);
}

/** The whole space: 32 × 16 × 4 × 2 × 2 × 3 = 24,576 combinations. */
export function fullSpace(): LatticeSpace {
  return {
    fopen: subsets(LATTICE_FOPEN),
    init: subsets(LATTICE_INIT),
    client: [...CLIENT_FLAGS],
    write: [...WRITE_KINDS],
    engine: [...LATTICE_ENGINES],
    interferer: [...INTERFERERS],
  };
}

/** The default subset: every FOPEN set × O_DIRECT overwrite/extend × psync, no interferer, the server's default INIT. */
export function defaultSpace(): LatticeSpace {
  return {
    fopen: subsets(LATTICE_FOPEN),
    init: [['passthrough']],
    client: ['direct'],
    write: [...WRITE_KINDS],
    engine: ['psync'],
    interferer: ['none'],
  };
}

export function spaceSize(s: LatticeSpace): number {
  return s.fopen.length * s.init.length * s.client.length * s.write.length * s.engine.length * s.interferer.length;
}

/** Every combination of the space, INIT set outermost (one mount each), FOPEN set next. */
export function combos(s: LatticeSpace): Combo[] {
  const out: Combo[] = [];
  for (const init of s.init)
    for (const fopen of s.fopen)
      for (const interferer of s.interferer)
        for (const engine of s.engine)
          for (const client of s.client) for (const write of s.write) out.push({ fopen, init, client, write, engine, interferer });
  return out;
}

/** `DIRECT_IO|PARALLEL_DIRECT_WRITES`, or `none`. */
export function fopenLabel(f: readonly string[]): string {
  return f.length ? f.join('|') : 'none';
}

/** `passthrough+async-dio`, or `none`. */
export function initLabel(i: readonly string[]): string {
  return i.length ? i.join('+') : 'none';
}

/** Parses `DIRECT_IO|KEEP_CACHE` / `none` into a set in canonical order; throws Error on unknown names. */
export function parseFopenSet(v: string): LatticeFopen[] {
  if (v.trim() === '' || v.trim() === 'none') return [];
  const want = v.split('|').map((x) => x.trim().toUpperCase().replace(/^FOPEN_/, ''));
  for (const w of want) {
    if (!(LATTICE_FOPEN as readonly string[]).includes(w)) throw new Error(`unknown FOPEN flag "${w}" in "${v}" (swept: ${LATTICE_FOPEN.join(', ')})`);
  }
  return LATTICE_FOPEN.filter((f) => want.includes(f));
}

/** Parses `passthrough+async-dio` / `none` into a set in canonical order; throws Error on unknown names. */
export function parseInitSet(v: string): LatticeInit[] {
  if (v.trim() === '' || v.trim() === 'none') return [];
  const want = v.split('+').map((x) => x.trim());
  for (const w of want) {
    if (!(LATTICE_INIT as readonly string[]).includes(w)) throw new Error(`unknown INIT option "${w}" in "${v}" (swept: ${LATTICE_INIT.join(', ')})`);
  }
  return LATTICE_INIT.filter((f) => want.includes(f));
}
