// results.json (validated before it is written) and one .hgrm per cell and operation.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, toHgrm } from '../hist/histogram.js';
import { parseResults, type Cell, type Results } from '../results/schema.js';

function hgrmName(cell: Cell, op: string): string {
  return `${cell.id}/${op}`.replace(/[^A-Za-z0-9._=-]+/g, '_') + '.hgrm';
}

/** Writes the .hgrm files of a cell and records their relative paths in it. */
export function writeHgrms(outDir: string, cell: Cell): void {
  const dir = join(outDir, 'hgrm');
  mkdirSync(dir, { recursive: true });
  for (const [op, stats] of Object.entries(cell.ops)) {
    if (stats.count === 0) continue;
    const name = hgrmName(cell, op);
    const h = decode(stats.histogram);
    writeFileSync(join(dir, name), toHgrm(h, `${cell.id} ${op} latency`));
    h.destroy();
    stats.hgrm = `hgrm/${name}`;
  }
}

/** Atomic write (temp + rename), so an interrupted run never leaves half a results file. */
export function writeResults(outDir: string, results: Results): string {
  parseResults(JSON.parse(JSON.stringify(results)), 'results being written');
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, 'results.json');
  writeFileSync(path + '.tmp', JSON.stringify(results, null, 1));
  renameSync(path + '.tmp', path);
  return path;
}
