// A lattice cell's verdict, decided from counts (never timings), and its one-letter form for tables.

/**
 * - `shared`: more than one WRITE in flight on the inode at once (the shared lock, or async
 *   submission that drops the exclusive lock before the WRITE completes);
 * - `exclusive`: WRITEs reached the server, never more than one at a time, with two writers;
 * - `bypass`: no WRITE reached the server, not even after close (passthrough);
 * - `deferred`: no WRITE while the writers wrote, some after close (the page cache wrote them back);
 * - `refused:<errno>`: an open or the mmap failed with that errno;
 * - `error:<errno>`: a write failed;
 * - `unsupported`: the kernel cannot express the combination (decided from INIT), not run.
 */
export type Verdict = 'shared' | 'exclusive' | 'bypass' | 'deferred' | 'unsupported' | `refused:${string}` | `error:${string}`;

export const VERDICT_PATTERN = /^(shared|exclusive|bypass|deferred|unsupported|refused:[A-Z0-9_]+|error:[A-Z0-9_]+)$/;

/** What the server and the client saw for one combination. */
export interface Observation {
  /** The first open/mmap failure, in the order they were attempted. */
  refused: { errno: string; at: 'interferer-open' | 'mapping-open' | 'mmap' | 'writer-open' } | null;
  /** The first write failure. */
  writeError: string | null;
  /** WRITE requests the server received on the inode before the writers closed their files. */
  writes: number;
  /** ... and after (write-back of the page cache at close). */
  writesAfterClose: number;
  /** Max WRITEs in flight on the inode. */
  maxInFlight: number;
  /** Client writes that transferred the whole block. */
  clientWrites: number;
}

export function verdictOf(o: Observation): Verdict {
  if (o.refused) return `refused:${o.refused.errno}`;
  if (o.writeError) return `error:${o.writeError}`;
  if (o.writes === 0) return o.writesAfterClose > 0 ? 'deferred' : 'bypass';
  return o.maxInFlight > 1 ? 'shared' : 'exclusive';
}

export const VERDICT_LETTERS: Array<{ letter: string; verdict: string; meaning: string }> = [
  { letter: 'S', verdict: 'shared', meaning: '> 1 WRITE in flight on the inode (shared lock, or async submission)' },
  { letter: 'X', verdict: 'exclusive', meaning: 'WRITEs one at a time with 2 writers (exclusive lock)' },
  { letter: 'B', verdict: 'bypass', meaning: 'no WRITE reached the server (passthrough)' },
  { letter: 'D', verdict: 'deferred', meaning: 'no WRITE during the writes, write-back at close (page cache)' },
  { letter: 'R', verdict: 'refused:<errno>', meaning: 'open or mmap failed with that errno' },
  { letter: 'E', verdict: 'error:<errno>', meaning: 'a write failed' },
  { letter: 'U', verdict: 'unsupported', meaning: 'the kernel did not offer what the cell needs at INIT' },
  { letter: '.', verdict: '', meaning: 'not in this sweep' },
];

export function verdictLetter(v: string): string {
  if (v.startsWith('refused:')) return 'R';
  if (v.startsWith('error:')) return 'E';
  switch (v) {
    case 'shared':
      return 'S';
    case 'exclusive':
      return 'X';
    case 'bypass':
      return 'B';
    case 'deferred':
      return 'D';
    case 'unsupported':
      return 'U';
    default:
      return '?';
  }
}
