// The server delay grammar, parsed once here for the CLI, the runner and the fuse-native server:
// `write=200us,read=1ms` — kernel opcode names (any case, `FUSE_` optional, from the server's table),
// durations with units ns|us|ms|s (µs too), a bare number is ns, at most an hour; `none`, `0` or an
// empty spec means no delay. fusebench-server parses the same grammar (native/server/README.md,
// `--delay`); checking it here means a typo is refused before anything is mounted.
import { FUSE_OPCODE_NAMES, opcodeByName, type FuseOpcode } from './fuse-opcodes.js';

export class DelayError extends Error {}

/** Longer is a typo, and would only hang the mount (the server's own limit). */
const MAX_DELAY_NS = 3600e9;

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 };

export interface Delays {
  /** The spec in the server's spelling (`write=200us`), '' for no delay. */
  spec: string;
  /** Nanoseconds per opcode, as given (zeros included). */
  ns: Partial<Record<FuseOpcode, number>>;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownOpcode(name: string, part: string): DelayError {
  const lower = FUSE_OPCODE_NAMES.map((n) => n.toLowerCase());
  const near = lower.filter((n) => editDistance(n, name.toLowerCase()) <= 2);
  return new DelayError(
    `unknown opcode "${name}" in delay "${part}"${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}; ` +
      `opcodes: ${lower.join(', ')}`,
  );
}

function parseDuration(text: string, part: string): { ns: number; text: string } {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s)?$/i.exec(text);
  if (!m) throw new DelayError(`bad duration "${text}" in delay "${part}": a number with unit ns, us, ms or s (e.g. 200us, 1ms; a bare number is ns)`);
  const unit = (m[2] ?? 'ns').toLowerCase();
  const ns = Number(m[1]) * UNIT_NS[unit]!;
  if (!(ns <= MAX_DELAY_NS)) throw new DelayError(`delay "${part}" is longer than an hour`);
  return { ns: Math.round(ns), text: `${m[1]}${unit === 'µs' ? 'us' : unit}` };
}

/** Parses a delay spec; throws DelayError saying what is wrong and what is accepted. */
export function parseDelay(text: string): Delays {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'none' || t === '0') return { spec: '', ns: {} };
  const ns: Partial<Record<FuseOpcode, number>> = {};
  const parts: string[] = [];
  for (const raw of t.split(',')) {
    const part = raw.trim();
    if (part === '') throw new DelayError(`empty entry in delay "${t}" (a comma too many?)`);
    const eq = part.indexOf('=');
    if (eq < 0) throw new DelayError(`delay "${part}" is not OPCODE=DURATION (e.g. write=200us)`);
    const name = part.slice(0, eq).trim();
    const op = opcodeByName(name);
    if (!op) throw unknownOpcode(name, part);
    if (ns[op] !== undefined) throw new DelayError(`delay for ${op.toLowerCase()} given twice in "${t}"`);
    const d = parseDuration(part.slice(eq + 1).trim(), part);
    ns[op] = d.ns;
    parts.push(`${op.toLowerCase()}=${d.text}`);
  }
  return { spec: parts.join(','), ns };
}
