// The operation log kept for a failure report, the replay command, and the failure as text.
import type { ServerKind } from '../server/mounted.js';
import { hex } from './ops.js';
import type { LogEntry, VerifyFailure } from './types.js';

/** The last `capacity` entries, oldest first. */
export class OpLog {
  private readonly entries: LogEntry[] = [];

  constructor(private readonly capacity = 32) {}

  add(e: LogEntry): void {
    this.entries.push(e);
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** Replaces the outcome of the newest entry (an op's result is known after it is logged). */
  settle(outcome: string): void {
    const last = this.entries[this.entries.length - 1];
    if (last) last.outcome = outcome;
  }

  tail(): LogEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }
}

export interface ReplayArgs {
  mode: string;
  server: ServerKind;
  seed: number;
  ops: number;
  corruptRead?: number;
}

/** The command that runs exactly the same operations again. */
export function replayCommand(r: ReplayArgs): string {
  const parts = ['fusebench verify', `--modes ${r.mode}`, `--seed ${r.seed}`, `--ops ${r.ops}`];
  if (r.server !== 'c') parts.push(`--server ${r.server}`);
  if (r.corruptRead !== undefined) parts.push(`--corrupt-read ${r.corruptRead}`);
  return parts.join(' ');
}

export function hexBytes(b: Buffer): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** The failure as lines for a terminal: what, where, expected vs got, the log, the replay. */
export function formatFailure(mode: string, f: VerifyFailure): string {
  const lines: string[] = [];
  lines.push(`FAIL ${mode}: ${f.message}`);
  lines.push(`  during: ${f.opIndex !== null ? `op #${f.opIndex} ` : ''}${f.during}`);
  if (f.firstBadOffset !== null) {
    lines.push(`  first bad offset: ${hex(f.firstBadOffset)} (${f.firstBadOffset}) in ${f.file ?? '?'}, ${f.badBytes ?? '?'} bad byte(s) in the range compared`);
    lines.push(`  expected: ${f.expected ?? ''}`);
    lines.push(`  got:      ${f.got ?? ''}`);
  }
  if (f.diagnosis) lines.push(`  diagnosis: ${f.diagnosis}`);
  if (f.serverCorruption) lines.push(`  server says (--corrupt-read): ${JSON.stringify(f.serverCorruption)}`);
  lines.push(`  last ${f.log.length} operations:`);
  for (const e of f.log) lines.push(`    #${String(e.index).padStart(6)}  ${e.op}  → ${e.outcome}`);
  lines.push(`  replay: ${f.replay}`);
  return lines.join('\n') + '\n';
}
