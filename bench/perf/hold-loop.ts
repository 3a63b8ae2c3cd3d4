// A control of `perf scale`: the server's hold of a delayed request alone, in a plain C program
// (fusebench-holdloop): no FUSE, no I/O, no server.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { FailError } from '../cli/errors.js';
import { holdLoopBinary } from '../paths.js';

export interface HoldLoopRun {
  holds: number;
  holdsPerSec: number;
  meanHoldNs: number;
  /** CPUs' worth of time the program used over the window. */
  cpus: number;
}

/** `threads` threads each holding `holdNs` back to back: `leadInSec` unmeasured, then `seconds` timed. */
export function runHoldLoop(threads: number, holdNs: number, leadInSec: number, seconds: number): HoldLoopRun {
  const bin = holdLoopBinary();
  if (!existsSync(bin)) throw new FailError(`${bin} is missing: run npm install (it builds the native parts)`);
  const ms = (s: number): string => String(Math.max(0, Math.round(s * 1000)));
  const r = spawnSync(bin, [String(threads), String(Math.max(1, Math.round(holdNs / 1000))), ms(leadInSec), ms(seconds)], {
    encoding: 'utf8',
    timeout: (leadInSec + seconds + 60) * 1000,
  });
  if (r.status !== 0) throw new FailError(`fusebench-holdloop failed (${r.status ?? r.signal}): ${r.stderr.trim().slice(-500) || r.error?.message || 'no message'}`);
  try {
    return JSON.parse(r.stdout) as HoldLoopRun;
  } catch {
    throw new FailError(`fusebench-holdloop printed no result line: ${JSON.stringify(r.stdout.slice(0, 200))}`);
  }
}
