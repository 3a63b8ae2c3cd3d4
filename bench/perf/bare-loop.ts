// The control of the fidelity figure: the harness's own pwrite loop (native/addon/io_loop.c) run by
// a plain C program, fusebench-loop, without Node or Piscina around it.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { FailError } from '../cli/errors.js';
import { loopBinary } from '../paths.js';

export interface BareLoopRun {
  ops: number;
  iops: number;
  p50Ns: number;
  meanNs: number;
}

/** `jobs` threads of 4 KiB O_DIRECT random pwrite over the whole file, each after an unmeasured lead-in. */
export function runBareLoop(file: string, jobs: number, leadInSec: number, seconds: number, seed: number): BareLoopRun {
  const bin = loopBinary();
  if (!existsSync(bin)) throw new FailError(`${bin} is missing: run npm install (it builds the native parts)`);
  const ms = (s: number): string => String(Math.max(0, Math.round(s * 1000)));
  const r = spawnSync(bin, [file, String(jobs), ms(leadInSec), ms(seconds), String(seed)], { encoding: 'utf8', timeout: (leadInSec + seconds + 60) * 1000 });
  if (r.status !== 0) throw new FailError(`fusebench-loop failed (${r.status ?? r.signal}): ${r.stderr.trim().slice(-500) || r.error?.message || 'no message'}`);
  let out: BareLoopRun;
  try {
    out = JSON.parse(r.stdout) as BareLoopRun;
  } catch {
    throw new FailError(`fusebench-loop printed no result line: ${JSON.stringify(r.stdout.slice(0, 200))}`);
  }
  if (out.ops === 0) throw new FailError(`fusebench-loop did no write on ${file} in ${seconds}s`);
  return out;
}
