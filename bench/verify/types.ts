// What one verify run (one mode on one server kind) reports; `--json` prints these.
import type { InitOption } from '../modes.js';
import type { ServerKind } from '../server/mounted.js';
import type { OpClass } from './ops.js';

export interface LogEntry {
  index: number;
  op: string;
  /** What came of it: "ok", "read 4096 B", "skipped: …", "FAILED: …". */
  outcome: string;
}

export interface VerifyFailure {
  /** The op that found it (its index in the sequence), or null for the checks after the last op. */
  opIndex: number | null;
  /** What was being done: the op's description, or the check ("final read-back of f0", …). */
  during: string;
  message: string;
  file: string | null;
  /** File offset of the first bad byte (null for an error that is not about data). */
  firstBadOffset: number | null;
  badBytes: number | null;
  /** Hex bytes from the first bad offset on. */
  expected: string | null;
  got: string | null;
  /** Where the bad bytes came from, when that can be told (diagnose.ts). */
  diagnosis: string | null;
  /** The last operations before and including the failing one. */
  log: LogEntry[];
  replay: string;
  /** What the server says it did wrong on purpose (`--corrupt-read`), when it was asked to. */
  serverCorruption: Record<string, unknown> | null;
}

export interface ClassCount {
  run: number;
  skipped: number;
  /** Why the class was skipped (null while it ran). */
  reason: string | null;
}

/** What one seeded sequence did: the counts a session returns and a mode's run reports. */
export interface SessionCounts {
  /** Operations drawn before the run ended. */
  drawn: number;
  /** Operations that ran (drawn − skipped). */
  executed: number;
  skipped: number;
  /** Reads compared with the model (every read op, plus the whole-file checks) and their bytes. */
  readsChecked: number;
  bytesChecked: number;
  classes: Record<OpClass, ClassCount>;
  failure: VerifyFailure | null;
}

export interface ModeRun extends SessionCounts {
  /** Mode label with its INIT options, as `--modes` takes it: `direct+allow-mmap`. */
  mode: string;
  init: InitOption[];
  server: ServerKind;
  status: 'pass' | 'fail' | 'unsupported' | 'interrupted';
  /** Why unsupported, or the failure's message. */
  reason: string | null;
  seed: number;
  /** Operations asked for. */
  ops: number;
  /** INIT flags the server negotiated (null for a server kind that cannot say). */
  negotiated: string[] | null;
  /** Most WRITEs the server had in flight on one inode (C server): > 1 shows writers overlapped there. */
  serverMaxWritesInFlight: number | null;
  /** How the server process ended after the run; a crash or a non-zero exit fails the run. */
  serverExit: { reason: string; code: number | null; signal: string | null } | null;
  durationMs: number;
}

export interface VerifyReport {
  seed: number;
  ops: number;
  runs: ModeRun[];
  passed: boolean;
}
