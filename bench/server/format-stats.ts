// Terminal table of server stats (`fusebench stats`, and `fusebench mount` on exit).
import type { ServerStats } from './types.js';
import { fmtBytes, fmtNs } from '../format.js';
import { textTable } from '../text-table.js';

export function formatStatsTable(s: ServerStats): string {
  const head = ['opcode', 'count', 'bytes', 'errors', 'maxInFlight/inode', 'meanInFlight', 'svc p50', 'svc p99', 'svc max'];
  const rows = Object.entries(s.ops)
    .sort((a, b) => b[1].count - a[1].count)
    .map(([op, o]) => [
      op,
      String(o.count),
      o.bytes ? fmtBytes(o.bytes) : '-',
      String(o.errors ?? 0),
      String(o.maxInFlightPerInode),
      o.meanInFlight === undefined ? '-' : o.meanInFlight.toFixed(2),
      fmtNs(o.service?.p50Ns),
      fmtNs(o.service?.p99Ns),
      fmtNs(o.service?.maxNs),
    ]);
  const t = s.transport;
  const transport = t && t.requested === 'uring'
    ? t.active
      ? `(transport io_uring: ${t.ringRequests ?? 0} requests over the ring since start, ${t.queues ?? '?'} queues × ${t.depth ?? '?'} entries)\n`
      : `(transport /dev/fuse: io_uring unavailable: ${t.reason ?? ''})\n`
    : '';
  if (rows.length === 0) return '(no requests since the last reset)\n' + transport;
  return textTable(head, rows) + transport;
}
