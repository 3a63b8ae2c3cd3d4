// Terminal table of server stats (`fusebench stats`, and `fusebench mount` on exit).
import type { ServerStats } from './types.js';
import { fmtBytes, fmtNs } from '../format.js';
import { textTable } from '../text-table.js';
import { isServerBound, serverBoundNote, serverThreadsOf } from './threads.js';

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
  const t = serverThreadsOf(s);
  const threads = t
    ? `threads: ${t.busyMax} busy at most, ${t.started} started, at most ${t.limit}` +
      (isServerBound(t) ? `\nWARNING ${serverBoundNote(t)}: requests waited in the kernel for a thread (a larger --threads lifts that)\n` : '\n')
    : '';
  const tr = s.transport;
  const transport = tr && tr.requested === 'uring'
    ? tr.active
      ? `(transport io_uring: ${tr.ringRequests ?? 0} requests over the ring since start, ${tr.queues ?? '?'} queues × ${tr.depth ?? '?'} entries)\n`
      : `(transport /dev/fuse: io_uring unavailable: ${tr.reason ?? ''})\n`
    : '';
  if (rows.length === 0) return '(no requests since the last reset)\n' + threads + transport;
  return textTable(head, rows) + threads + transport;
}
