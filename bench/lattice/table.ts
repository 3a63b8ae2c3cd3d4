// The lattice as terminal text: one block per INIT set (rows: FOPEN set; columns: engine/interferer
// groups of client flags × write kind; one letter per cell), identical blocks folded, then the
// legend and — last, so it is what stays on screen — every UNEXPECTED cell.
import type { Lattice, LatticeCell } from '../results/lattice-schema.js';
import { textTable } from '../text-table.js';
import { CLIENT_OPEN_TEXT, type ClientFlags } from './space.js';
import { VERDICT_LETTERS, verdictLetter } from './verdict.js';

const FOPEN_SHORT: Record<string, string> = {
  DIRECT_IO: 'DIO',
  PARALLEL_DIRECT_WRITES: 'PAR',
  PASSTHROUGH: 'PT',
  KEEP_CACHE: 'KC',
  NOFLUSH: 'NF',
};

function shortFopen(label: string): string {
  return label === 'none' ? 'none' : label.split('|').map((f) => FOPEN_SHORT[f] ?? f).join('|');
}

const CLIENT_SHORT: Record<ClientFlags, string> = { direct: 'd', 'direct-append': 'a', 'direct-dsync': 's', buffered: 'b' };
const WRITE_SHORT: Record<string, string> = { overwrite: 'o', extend: 'e' };

export interface TableOptions {
  /** Wrap unexpected letters in reverse video (terminals only). */
  color?: boolean;
}

/** The key of a cell inside its block: engine/interferer group, then client × write. */
function cellIndex(l: Lattice): Map<string, LatticeCell> {
  return new Map(l.cells.map((c) => [[c.init, c.fopen, c.engine, c.interferer, c.client, c.write].join(' '), c]));
}

function blockRows(l: Lattice, init: string, index: Map<string, LatticeCell>, o: TableOptions): string[][] {
  const mark = (c: LatticeCell): string => {
    const letter = verdictLetter(c.verdict);
    if (c.asPredicted) return `${letter} `;
    return o.color ? `\x1b[7m${letter}!\x1b[0m` : `${letter}!`;
  };
  return l.space.fopen.map((f) => [
    shortFopen(f),
    ...l.space.engine.flatMap((e) =>
      l.space.interferer.map((i) =>
        l.space.client
          .flatMap((cl) => l.space.write.map((w) => index.get([init, f, e, i, cl, w].join(' '))))
          .map((c) => (c ? mark(c) : '. '))
          .join(''),
      ),
    ),
  ]);
}

export function latticeTable(l: Lattice, o: TableOptions = {}): string {
  const index = cellIndex(l);
  const groups = l.space.engine.flatMap((e) => l.space.interferer.map((i) => `${e}/${i}`));
  const sub = l.space.client.flatMap((c) => l.space.write.map((w) => `${CLIENT_SHORT[c as ClientFlags]}${WRITE_SHORT[w]}`)).join('');
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const init of l.space.init) {
    const rows = blockRows(l, init, index, o);
    const mount = l.mounts.find((m) => m.init === init);
    const key = JSON.stringify(rows);
    const head = `INIT ${init}${mount?.skipped ? ` — not mounted: ${mount.skipped}` : mount && !mount.passthroughUsable && init.includes('passthrough') ? ` (passthrough not usable: ${mount.passthroughReason ?? 'unknown'})` : ''}`;
    const same = seen.get(key);
    if (same !== undefined) {
      out.push(`${head}: same letters as INIT ${same}\n`);
      continue;
    }
    seen.set(key, init);
    out.push(`${head}\n` + textTable(['FOPEN', ...groups], [['', ...groups.map(() => sub)], ...rows], { numeric: () => false, indent: '  ' }));
  }
  return out.join('\n') + '\n' + legend(l) + summary(l) + unexpectedList(l);
}

function legend(l: Lattice): string {
  const clients = l.space.client.map((c) => `${CLIENT_SHORT[c as ClientFlags]} = ${CLIENT_OPEN_TEXT[c as ClientFlags]}`).join(', ');
  const letters = VERDICT_LETTERS.map((v) => `  ${v.letter}  ${v.verdict ? `${v.verdict}: ` : ''}${v.meaning}`).join('\n');
  return (
    `Columns: engine/interferer, then one letter per client open × write kind (${clients}; o = overwrite inside EOF, e = extending past EOF).\n` +
    `Rows: FOPEN set replied to OPEN (DIO = DIRECT_IO, PAR = PARALLEL_DIRECT_WRITES, PT = PASSTHROUGH, KC = KEEP_CACHE, NF = NOFLUSH).\n` +
    `${letters}\n  !  UNEXPECTED: the kernel's rules (bench/lattice/predict.ts) predicted another verdict\n` +
    `Each cell: ${l.settings.writers} writers × ${l.settings.rounds} writes of ${l.settings.blockSize} B, each WRITE held ${l.settings.writeDelayMs} ms by the server.\n`
  );
}

function summary(l: Lattice): string {
  const byVerdict = new Map<string, number>();
  for (const c of l.cells) byVerdict.set(c.verdict, (byVerdict.get(c.verdict) ?? 0) + 1);
  const parts = [...byVerdict.entries()].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v} ${n}`);
  return `\n${l.cells.length} cells in ${(l.durationMs / 1000).toFixed(1)} s${l.interrupted ? ' (interrupted: partial)' : ''}: ${parts.join(', ')}\n`;
}

/** Where a cell sits in the lattice, in words. */
export function cellLabel(c: Pick<LatticeCell, 'init' | 'fopen' | 'client' | 'write' | 'engine' | 'interferer'>): string {
  return `INIT ${c.init} · FOPEN ${c.fopen} · ${CLIENT_OPEN_TEXT[c.client]} ${c.write} · ${c.engine} · interferer ${c.interferer}`;
}

/** One line per unexpected cell: where, what was seen (with counts). */
export function describeCell(c: LatticeCell): string {
  const counts = c.counts ? ` [${c.counts.writes} WRITEs, ${c.counts.writesAfterClose} after close, max ${c.counts.maxInFlight} in flight, ${c.counts.clientWrites} client writes]` : '';
  return `${cellLabel(c)}: ${c.verdict}${counts}${c.reason ? ` (${c.reason})` : ''}`;
}

function unexpectedList(l: Lattice): string {
  const bad = l.cells.filter((c) => !c.asPredicted);
  if (bad.length === 0) return `All ${l.cells.length} cells as predicted by the kernel's rules.\n`;
  const lines = bad.map((c) => `  ${describeCell(c)}\n      predicted ${c.predicted}: ${c.why}`);
  return `\n*** UNEXPECTED: ${bad.length} of ${l.cells.length} cells disagree with the kernel's rules ***\n${lines.join('\n')}\n`;
}
