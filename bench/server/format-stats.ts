// Terminal table of server stats (`fusebench stats`, and `fusebench mount` on exit).
import type { ServerStats } from './types.js';
import { fmtNs } from '../format.js';

function fmtBytes(b: number | undefined): string {
  if (!b) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

export function formatStatsTable(s: ServerStats): string {
  const head = ['opcode', 'count', 'bytes', 'errors', 'maxInFlight/inode', 'meanInFlight', 'svc p50', 'svc p99', 'svc max'];
  const rows = Object.entries(s.ops)
    .sort((a, b) => b[1].count - a[1].count)
    .map(([op, o]) => [
      op,
      String(o.count),
      fmtBytes(o.bytes),
      String(o.errors ?? 0),
      String(o.maxInFlightPerInode),
      o.meanInFlight === undefined ? '-' : o.meanInFlight.toFixed(2),
      fmtNs(o.service?.p50Ns),
      fmtNs(o.service?.p99Ns),
      fmtNs(o.service?.maxNs),
    ]);
  if (rows.length === 0) return '(no requests since the last reset)\n';
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
