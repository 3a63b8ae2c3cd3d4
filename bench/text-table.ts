// The one renderer for the terminal tables, so every command's tables line up the same way.

export interface TextTableOptions {
  /** Which columns hold numbers and align right; the default right-aligns all but the first. */
  numeric?: (column: number) => boolean;
  /** A dashed rule under the header (default true). */
  rule?: boolean;
  /** Put in front of every line. */
  indent?: string;
}

export function textTable(head: string[], rows: string[][], o: TextTableOptions = {}): string {
  const numeric = o.numeric ?? ((c: number) => c > 0);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    (o.indent ?? '') +
    widths
      .map((w, i) => {
        const c = r[i] ?? '';
        return numeric(i) ? c.padStart(w) : c.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  const lines = [line(head)];
  if (o.rule ?? true) lines.push(line(widths.map((w) => '-'.repeat(w))));
  return [...lines, ...rows.map(line)].join('\n') + '\n';
}
