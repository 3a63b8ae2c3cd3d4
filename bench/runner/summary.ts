// The terminal summary of a run: one line per cell and operation, rendered from the same cell
// summaries as the report's tables (bench/analysis), so both print the same numbers.
import type { Cell } from '../results/schema.js';
import { groupCells, serverBoundOf } from '../analysis/groups.js';
import { summarizeCell } from '../analysis/cell-summary.js';
import { median } from '../analysis/stats.js';
import { fmtNs, fmtRate } from '../format.js';
import { textTable } from '../text-table.js';
import { serverBoundNote } from '../server/threads.js';

/** The progress line of one finished cell (one repeat). */
export function cellLine(c: Cell): string {
  if (c.status !== 'ok') return `${c.status}: ${c.reason ?? ''}`;
  const ops = Object.entries(c.ops)
    .map(([op, o]) => `${op} ${fmtRate(o.opsPerSec)} op/s p50 ${fmtNs(o.p50Ns)} p99 ${fmtNs(o.p99Ns)}`)
    .join('; ');
  const w = c.serverStats['WRITE'];
  const lock = c.lockPath !== 'n/a' ? ` lock ${c.lockPath} (max ${w?.maxInFlightPerInode ?? 0} WRITE in flight)` : '';
  const bound = c.serverBound && c.serverThreads ? ` WARNING ${serverBoundNote(c.serverThreads)}` : '';
  const cpu = c.cpu ? `; CPU/op server ${fmtNs(c.cpu.serverNsPerOp ?? undefined)} client ${fmtNs(c.cpu.clientNsPerOp ?? undefined)}` : '';
  return ops + lock + cpu + bound;
}

/** A status with its reason on one line: a reason's first line is the one that says what happened. */
function statusText(status: string, reason: string | null): string {
  if (status === 'ok' || !reason) return status;
  const line = reason.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' / ');
  return `${status}: ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`;
}

const HEAD = ['scenario', 'mode', 'delay', 'jobs', 'engine', 'op', 'ops/s', 'MB/s', 'p50', 'p99', 'p99.9', 'lock', 'maxWr', 'srvREAD', 'srvCPU/op', 'cliCPU/op', 'status'];
const NUMERIC = new Set(['ops/s', 'MB/s', 'p50', 'p99', 'p99.9', 'maxWr', 'srvREAD', 'srvCPU/op', 'cliCPU/op']);

export function summaryTable(cells: Cell[]): string {
  const rows: string[][] = [];
  for (const g of groupCells(cells)) {
    const s = summarizeCell(g);
    const p = g.parts;
    const lock = s.lock?.verdict ?? 'n/a';
    const maxWr = s.lock ? String(s.lock.max) : '-';
    const srvRead = s.serverReads === null ? '-' : String(s.serverReads);
    const bound = serverBoundOf(g);
    const status = statusText(s.status, s.reason) + (bound ? ` ${serverBoundNote(bound)}` : '');
    const depth = g.repeats[0]?.iodepth ?? 1;
    const mode = p.mode + (p.transport !== 'dev' ? ` [${p.transport}]` : '');
    const head = [p.scenario, mode, p.delay, String(p.jobs), depth > 1 ? `${p.engine} qd${depth}` : p.engine];
    const cpuOf = (pick: (c: NonNullable<Cell['cpu']>) => number | null): string => {
      const xs = g.repeats.flatMap((c) => (c.status === 'ok' && c.cpu && pick(c.cpu) !== null ? [pick(c.cpu)!] : []));
      return xs.length > 0 ? fmtNs(median(xs)) : '-';
    };
    const cpu = [cpuOf((c) => c.serverNsPerOp), cpuOf((c) => c.clientNsPerOp)];
    if (s.ops.length === 0) {
      rows.push([...head, '-', '-', '-', '-', '-', '-', lock, maxWr, srvRead, '-', '-', status]);
      continue;
    }
    for (const o of s.ops) {
      rows.push([
        ...head,
        o.op,
        fmtRate(o.throughput.opsPerSec),
        (o.throughput.bytesPerSec / 1e6).toFixed(1),
        fmtNs(o.latency.p50Ns),
        fmtNs(o.latency.p99Ns),
        fmtNs(o.latency.p999Ns),
        lock,
        maxWr,
        srvRead,
        ...cpu,
        status,
      ]);
    }
  }
  return (
    textTable(HEAD, rows, { numeric: (c) => NUMERIC.has(HEAD[c]!) }) +
    '(p50/p99/p99.9 from the repeats\' histograms merged, as in the report; ops/s and MB/s medians over repeats; lock = verdict from ' +
    'server-side WRITEs in flight per inode; maxWr = max WRITEs in flight on one inode; srvREAD = READ requests the server saw; srvCPU/op, cliCPU/op = CPU time of the server process and of this process over the window per operation of the cell; ' +
    '[uring] = FUSE over io_uring; closed-loop load)\n' +
    (cells.some((c) => c.serverBound)
      ? 'WARNING: in cells marked server-bound every server thread was busy at some moment; their in-flight counts and throughput may describe the server, not the kernel\n'
      : '')
  );
}
