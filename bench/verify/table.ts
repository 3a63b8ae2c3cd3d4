// The terminal summary of a verify report: one row per run, the skip reasons, then each failure.
import { fmtBytes } from '../format.js';
import { textTable } from '../text-table.js';
import { formatFailure } from './log.js';
import type { VerifyReport } from './types.js';

const NUMERIC = new Set([3, 4, 5, 6, 7, 8]);

export function verifyTable(rep: VerifyReport): string {
  const head = ['server', 'mode', 'result', 'ops run', 'skipped', 'reads checked', 'bytes checked', 'max WRITEs in flight', 'time'];
  const rows = rep.runs.map((r) => [
    r.server,
    r.mode,
    r.status === 'unsupported' ? 'unsupported' : r.status,
    r.status === 'unsupported' ? '-' : String(r.executed),
    r.status === 'unsupported' ? '-' : String(r.skipped),
    r.status === 'unsupported' ? '-' : String(r.readsChecked),
    r.status === 'unsupported' ? '-' : fmtBytes(r.bytesChecked),
    r.serverMaxWritesInFlight === null ? '-' : String(r.serverMaxWritesInFlight),
    `${(r.durationMs / 1000).toFixed(1)} s`,
  ]);
  const out = [`seed ${rep.seed}, ${rep.ops} ops per mode\n`, textTable(head, rows, { numeric: (c) => NUMERIC.has(c) })];
  const notes: string[] = [];
  for (const r of rep.runs) {
    const tag = `${r.server} ${r.mode}`;
    if (r.status === 'unsupported') notes.push(`  ${tag}: unsupported: ${r.reason ?? ''}`);
    const byReason = new Map<string, string[]>();
    for (const [cls, c] of Object.entries(r.classes)) {
      if (c.skipped === 0 || c.reason === null) continue;
      byReason.set(c.reason, [...(byReason.get(c.reason) ?? []), `${cls} ×${c.skipped}`]);
    }
    for (const [reason, classes] of byReason) notes.push(`  ${tag}: skipped ${classes.join(', ')}: ${reason}`);
  }
  if (notes.length > 0) out.push('\n' + notes.join('\n') + '\n');
  for (const r of rep.runs) if (r.failure) out.push('\n' + formatFailure(`${r.server} ${r.mode}`, r.failure));
  return out.join('');
}
