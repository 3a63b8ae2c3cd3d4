// The `lattice` section of results.json: one verdict per open-flag combination (bench/lattice/).
// Versioned on its own, so the section can change without touching the rest of the document.
import { z } from 'zod';
import { VERDICT_PATTERN } from '../lattice/verdict.js';

export const LATTICE_VERSION = 1;

const count = z.number().int().nonnegative();
const label = z.string().max(128);
const verdict = z.string().max(64).regex(VERDICT_PATTERN);

const LatticeCellSchema = z.object({
  /** INIT set, e.g. `passthrough+async-dio` or `none`. */
  init: label,
  /** FOPEN set replied to OPEN, e.g. `DIRECT_IO|PARALLEL_DIRECT_WRITES` or `none`. */
  fopen: label,
  client: z.enum(['direct', 'direct-append', 'direct-dsync', 'buffered']),
  write: z.enum(['overwrite', 'extend']),
  engine: z.enum(['psync', 'libaio']),
  interferer: z.enum(['none', 'caching-open', 'mmap-shared']),
  verdict,
  predicted: verdict,
  asPredicted: z.boolean(),
  /** The predictor's rule chain. */
  why: z.string().max(512),
  /** Why a cell is unsupported, or what failed where (refused/error). */
  reason: z.string().max(1024).nullable(),
  /** The counts behind the verdict; null for cells that did not run. */
  counts: z
    .object({
      writes: count,
      writesAfterClose: count,
      maxInFlight: count,
      clientWrites: count,
    })
    .nullable(),
});
export type LatticeCell = z.infer<typeof LatticeCellSchema>;

const LatticeMountSchema = z.object({
  init: label,
  /** INIT flags of that mount's reply (requested AND offered). */
  negotiated: z.array(z.string().max(48)).max(128),
  passthroughUsable: z.boolean(),
  passthroughReason: z.string().max(1024).nullable(),
  cells: count,
  durationMs: z.number().nonnegative(),
  /** Set when the INIT set was not mounted (unsupported) or the mount failed. */
  skipped: z.string().max(1024).nullable(),
});
export type LatticeMount = z.infer<typeof LatticeMountSchema>;

export const LatticeSchema = z.object({
  version: z.literal(LATTICE_VERSION),
  /** Which values of each dimension were swept. */
  space: z.object({
    fopen: z.array(label).max(64),
    init: z.array(label).max(64),
    client: z.array(label).max(8),
    write: z.array(label).max(8),
    engine: z.array(label).max(8),
    interferer: z.array(label).max(8),
  }),
  settings: z.object({
    writers: z.number().int().positive(),
    rounds: z.number().int().positive(),
    blockSize: z.number().int().positive(),
    writeDelayMs: z.number().nonnegative(),
    batch: z.number().int().positive(),
    threads: z.number().int().positive(),
    maxBackground: z.number().int().positive(),
  }),
  startedAt: z.string().max(64),
  durationMs: z.number().nonnegative(),
  interrupted: z.boolean(),
  mounts: z.array(LatticeMountSchema).max(64),
  cells: z.array(LatticeCellSchema).max(100_000),
});
export type Lattice = z.infer<typeof LatticeSchema>;
