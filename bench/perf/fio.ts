// Running fio as the reference load generator and reading its json output.
import { spawnSync } from 'node:child_process';
import { FailError } from '../cli/errors.js';

export interface FioJob {
  filename: string;
  rw: 'randwrite' | 'randread' | 'read' | 'write';
  bs: number;
  direct: boolean;
  numjobs: number;
  runtimeSec: number;
  /** Unmeasured lead-in before the window (fio --ramp_time). */
  rampSec?: number;
  size: number;
  ioengine?: string;
  /** Jobs as threads of one process (fio --thread), like our Piscina workers, instead of forked processes. */
  thread?: boolean;
}

export interface FioResult {
  iops: number;
  bwBytes: number;
  clatP50Ns: number;
  clatP99Ns: number;
  clatMeanNs: number;
  /** How long the group ran, ms (with group_reporting, the longest job's runtime). */
  runtimeMs: number;
}

export function haveFio(): boolean {
  return spawnSync('fio', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function runFio(j: FioJob): FioResult {
  const args = [
    '--name=fusebench',
    `--filename=${j.filename}`,
    `--rw=${j.rw}`,
    `--bs=${j.bs}`,
    `--direct=${j.direct ? 1 : 0}`,
    `--numjobs=${j.numjobs}`,
    `--ioengine=${j.ioengine ?? 'psync'}`,
    `--size=${j.size}`,
    '--time_based',
    // In milliseconds: fio reads a bare "0.3" as 0 s, drops time_based and writes the whole file instead.
    `--runtime=${Math.max(1, Math.round(j.runtimeSec * 1000))}ms`,
    `--ramp_time=${Math.round((j.rampSec ?? 0) * 1000)}ms`,
    // fio drops the file's page cache before a job by default: on the native side that sends buffered
    // reads to the disk, while on a FUSE mount it only drops the FUSE inode's pages. Keep both warm.
    '--invalidate=0',
    '--group_reporting',
    '--randrepeat=0',
    '--norandommap',
    '--output-format=json',
    ...(j.thread ? ['--thread'] : []),
  ];
  const r = spawnSync('fio', args, { encoding: 'utf8', timeout: (j.runtimeSec + 60) * 1000, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new FailError(`fio failed (${r.status}): ${r.stderr.slice(-1000)}`);
  // fio may print warnings before the JSON document.
  const doc = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as {
    jobs: Array<
      Record<'read' | 'write', { iops: number; bw_bytes: number; runtime: number; clat_ns: { mean: number; percentile?: Record<string, number> } }>
    >;
  };
  const job = doc.jobs[0]!;
  const side = j.rw.includes('write') ? job.write : job.read;
  // A window of another length than asked for makes every ratio against it wrong: refuse it.
  const askedMs = j.runtimeSec * 1000;
  if (Math.abs(side.runtime - askedMs) > Math.max(0.2 * askedMs, 50)) {
    throw new FailError(`fio ran for ${side.runtime} ms instead of ${askedMs} ms (${r.stderr.trim().slice(-300) || 'no message'})`);
  }
  const pct = side.clat_ns.percentile ?? {};
  return {
    iops: side.iops,
    bwBytes: side.bw_bytes,
    clatP50Ns: pct['50.000000'] ?? 0,
    clatP99Ns: pct['99.000000'] ?? 0,
    clatMeanNs: side.clat_ns.mean,
    runtimeMs: side.runtime,
  };
}
