// The terminal summary of a run: one line per cell key, repeats merged by median.
import type { Cell } from '../results/schema.js';
import { fmtNs, fmtRate } from '../format.js';
import { textTable } from '../text-table.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)]!;
}

export function cellLine(c: Cell): string {
  if (c.status !== 'ok') return `${c.status}: ${c.reason ?? ''}`;
  const ops = Object.entries(c.ops)
    .map(([op, o]) => `${op} ${fmtRate(o.opsPerSec)} op/s p50 ${fmtNs(o.p50Ns)} p99 ${fmtNs(o.p99Ns)}`)
    .join('; ');
  const w = c.serverStats['WRITE'];
  const lock = c.lockPath !== 'n/a' ? ` lock ${c.lockPath} (max ${w?.maxInFlightPerInode ?? 0} WRITE in flight)` : '';
  const cpu = c.cpu ? `; CPU/op server ${fmtNs(c.cpu.serverNsPerOp ?? undefined)} client ${fmtNs(c.cpu.clientNsPerOp ?? undefined)}` : '';
  return ops + lock + cpu;
}

export function summaryTable(cells: Cell[]): string {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const key = c.id.replace(/\/r\d+$/, '');
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const head = ['scenario', 'mode', 'delay', 'jobs', 'op', 'ops/s', 'MB/s', 'p50', 'p99', 'p99.9', 'lock', 'maxWr', 'srvREAD', 'srvCPU/op', 'cliCPU/op', 'status'];
  const rows: string[][] = [];
  for (const cs of groups.values()) {
    const c0 = cs[0]!;
    const transport = c0.transport ?? 'dev';
    const mode = [c0.mode, ...c0.init].join('+') + (transport !== 'dev' ? ` [${transport}]` : '');
    const status = cs.every((c) => c.status === 'ok') ? 'ok' : `${cs.find((c) => c.status !== 'ok')!.status}`;
    const opNames = [...new Set(cs.flatMap((c) => Object.keys(c.ops)))];
    const locks = [...new Set(cs.map((c) => c.lockPath))].join('/');
    const maxWr = String(Math.max(0, ...cs.map((c) => c.serverStats['WRITE']?.maxInFlightPerInode ?? 0)));
    const srvRead = String(median(cs.map((c) => c.serverStats['READ']?.count ?? 0)));
    const cpuOf = (pick: (c: NonNullable<Cell['cpu']>) => number | null): string => {
      const xs = cs.flatMap((c) => (c.status === 'ok' && c.cpu && pick(c.cpu) !== null ? [pick(c.cpu)!] : []));
      return xs.length > 0 ? fmtNs(median(xs)) : '-';
    };
    const srvCpu = cpuOf((c) => c.serverNsPerOp);
    const cliCpu = cpuOf((c) => c.clientNsPerOp);
    if (opNames.length === 0) {
      rows.push([c0.scenario, mode, c0.delay, String(c0.jobs), '-', '-', '-', '-', '-', '-', locks, maxWr, srvRead, '-', '-', `${status}: ${(c0.reason ?? '').slice(0, 60)}`]);
      continue;
    }
    for (const op of opNames) {
      const os = cs.map((c) => c.ops[op]).filter((o) => o !== undefined);
      rows.push([
        c0.scenario,
        mode,
        c0.delay,
        String(c0.jobs),
        op,
        fmtRate(median(os.map((o) => o.opsPerSec))),
        (median(os.map((o) => o.bytesPerSec)) / 1e6).toFixed(1),
        fmtNs(median(os.map((o) => o.p50Ns))),
        fmtNs(median(os.map((o) => o.p99Ns))),
        fmtNs(median(os.map((o) => o.p999Ns))),
        locks,
        maxWr,
        srvRead,
        srvCpu,
        cliCpu,
        status,
      ]);
    }
  }
  const numeric = new Set(['ops/s', 'MB/s', 'p50', 'p99', 'p99.9', 'maxWr', 'srvREAD', 'srvCPU/op', 'cliCPU/op']);
  return textTable(head, rows, { numeric: (c) => numeric.has(head[c]!) }) +
    '(medians over repeats; lock = verdict from server-side WRITEs in flight per inode; maxWr = max WRITEs in flight on one inode; srvREAD = READ requests the server saw; srvCPU/op, cliCPU/op = CPU time of the server process and of this process over the window per operation of the cell; [uring] = FUSE over io_uring; closed-loop load)\n';
}
