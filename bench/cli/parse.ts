// Parsers for option values; each throws UsageError naming the option and what is accepted.
import { DelayError, parseDelay } from '../delay.js';
import { UsageError } from './errors.js';
import { parseModeSpec } from '../modes.js';
import { SERVER_KIND_NAMES, type ServerKind } from '../server/mounted.js';

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `4k`, `128K`, `1m`, `4096` → bytes. */
export function parseSize(v: string, what = 'size'): number {
  const m = /^(\d+)\s*([bkmg]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new UsageError(`${what} "${v}" is not a size (e.g. 4k, 128k, 1m)`);
  const n = Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${what} "${v}" is out of range`);
  return n;
}

const TIME_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000 };

/** `2s`, `500ms`, `200us` → milliseconds. A bare number means seconds. */
export function parseDurationMs(v: string, what = 'duration'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m)?$/.exec(v.trim());
  if (!m) throw new UsageError(`${what} "${v}" is not a duration (e.g. 2s, 500ms, 200us)`);
  const ms = Number(m[1]) * TIME_UNITS[m[2] ?? 's']!;
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`${what} "${v}" is out of range`);
  return ms;
}

export function parseList(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parsePositiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} "${v}" must be a positive integer`);
  return n;
}

export function parseIntList(v: string, what: string): number[] {
  return parseList(v).map((s) => parsePositiveInt(s, what));
}

/** A server delay spec (`write=200us,read=1ms` or `none`), checked before any mount; '' for none. */
export function parseDelaySpec(v: string, what = '--delay'): string {
  try {
    return parseDelay(v).spec;
  } catch (e) {
    if (e instanceof DelayError) throw new UsageError(`${what}: ${e.message}`);
    throw e;
  }
}

/**
 * `--modes` and `--init` as `run` and `verify` take them: the mode specs (`mode[+init…]` or
 * `fopen:…`), each with the `--init` options appended, validated.
 */
export function parseModeList(modes: string[], init?: string): string[] {
  const extra = init ? parseList(init).join('+') : '';
  const out = extra ? modes.map((x) => `${x}+${extra}`) : [...modes];
  for (const x of out) {
    try {
      parseModeSpec(x);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return out;
}

/** `--server c,fuse-native`. */
export function parseServerList(v: string): ServerKind[] {
  const s = parseList(v);
  const known: readonly string[] = SERVER_KIND_NAMES;
  for (const x of s) if (!known.includes(x)) throw new UsageError(`--server: "${x}" is not ${SERVER_KIND_NAMES.join(' or ')}`);
  return s as ServerKind[];
}
