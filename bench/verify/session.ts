// One verify run on a live mount: the seeded operations one after another, every read compared with
// the model, whole-file checks along the way, and at the end the files read back every way there is
// (buffered, O_DIRECT, a fresh open, and the backing files themselves).
import { fstatSync, fsyncSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { alignedBuffer } from '../native/io.js';
import { applyOp } from './apply.js';
import { compare, type Mismatch } from './check.js';
import { diagnose } from './diagnose.js';
import { perform } from './execute.js';
import { closeFiles, createFiles, openDirect, type TestFile } from './files.js';
import { OpGenerator, type GeneratorConfig } from './generate.js';
import { hexBytes, OpLog, replayCommand, type ReplayArgs } from './log.js';
import { FileModel } from './model.js';
import { describeOp, opClass, type Op, type OpClass } from './ops.js';
import { DIRECT_CLASSES, explainDirectOpen, explainFailure, staticSkips, type RuleContext } from './rules.js';
import type { ClassCount, SessionCounts, VerifyFailure } from './types.js';

export interface SessionOptions {
  /** The mounted directory the files are made in, and the backing directory behind it. */
  mnt: string;
  backing: string;
  ops: number;
  seed: number;
  config: GeneratorConfig;
  ctx: RuleContext;
  replay: Omit<ReplayArgs, 'ops' | 'seed'>;
  /** Whole-file check after every this many ops. */
  checkEvery: number;
  onProgress?: (drawn: number) => void;
  shouldStop?: () => boolean;
  /** What the server reports about a deliberate corruption, for the failure report. */
  serverCorruption?: () => Promise<Record<string, unknown> | null>;
}

export type SessionResult = SessionCounts;

function errorCode(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : 'ERROR';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Found {
  opIndex: number | null;
  during: string;
  message: string;
  file?: number;
  mismatch?: Mismatch;
}

class Session {
  private readonly models: FileModel[];
  private readonly history: Array<Op | null> = [];
  private readonly log = new OpLog(32);
  private readonly ruled: Map<OpClass, string>;
  private readonly classes: Record<OpClass, ClassCount> = {};
  private files: TestFile[] = [];
  private readsChecked = 0;
  private bytesChecked = 0;
  private executed = 0;
  private skipped = 0;

  constructor(private readonly o: SessionOptions) {
    this.models = Array.from({ length: o.config.files }, () => new FileModel(o.config.maxSize));
    this.ruled = staticSkips(o.ctx);
  }

  private count(cls: OpClass): ClassCount {
    return (this.classes[cls] ??= { run: 0, skipped: 0, reason: null });
  }

  private skip(cls: OpClass): void {
    const c = this.count(cls);
    c.skipped++;
    c.reason = this.ruled.get(cls) ?? null;
    this.skipped++;
    this.history.push(null);
  }

  /** Compares a read with the model; a mismatch is returned for the failure report. */
  private check(file: number, offset: number, length: number, got: Buffer, during: string, opIndex: number | null): Found | null {
    const expected = this.models[file]!.read(offset, length);
    this.readsChecked++;
    this.bytesChecked += got.length;
    const m = compare(expected, got, offset);
    if (!m) return null;
    const what = m.lengthExpected !== undefined ? `read returned ${m.lengthGot} bytes, the file holds ${m.lengthExpected} there` : 'read returned wrong data';
    return { opIndex, during, message: what, file, mismatch: m };
  }

  private sizeCheck(i: number, during: string): Found | null {
    const size = fstatSync(this.files[i]!.fd).size;
    const want = this.models[i]!.size;
    return size === want ? null : { opIndex: null, during, message: `${this.files[i]!.name} has size ${size}, the model ${want}`, file: i };
  }

  /** Every file: its size, then all of it in one buffered read. */
  private wholeFiles(opIndex: number | null, label: string): Found | null {
    const max = this.o.config.maxSize;
    for (let i = 0; i < this.files.length; i++) {
      const during = `${label}: ${this.files[i]!.name} whole file, buffered`;
      const s = this.sizeCheck(i, during);
      if (s) return { ...s, opIndex };
      const buf = Buffer.alloc(max);
      const n = readSync(this.files[i]!.fd, buf, 0, max, 0);
      const f = this.check(i, 0, max, buf.subarray(0, n), during, opIndex);
      if (f) return f;
    }
    return null;
  }

  private runOp(i: number, op: Op): Found | null {
    const cls = opClass(op);
    const desc = describeOp(op);
    this.log.add({ index: i, op: desc, outcome: '' });
    if (this.ruled.has(cls)) {
      this.skip(cls);
      this.log.settle('skipped');
      return null;
    }
    let done;
    try {
      const sourceBytes = op.kind === 'copy' ? this.models[op.from]!.readable(op.offsetIn, op.length) : Infinity;
      done = perform(op, i, this.files, sourceBytes);
    } catch (e) {
      const code = errorCode(e);
      const why = explainFailure(this.o.ctx, cls, code);
      if (why === null) {
        this.log.settle(`FAILED: ${code}`);
        return { opIndex: i, during: desc, message: `${desc} failed: ${errorText(e)}` };
      }
      this.ruled.set(cls, why);
      this.skip(cls);
      this.log.settle(`skipped: ${code}`);
      return null;
    }
    this.history.push(op);
    this.count(cls).run++;
    this.executed++;
    if (op.kind === 'read') {
      const got = done.read!;
      const found = this.check(op.file, op.offset, op.length, got, desc, i);
      this.log.settle(found ? 'MISMATCH' : `read ${got.length} B`);
      return found;
    }
    const wrong = applyOp(op, i, done, this.models);
    this.log.settle(wrong ? `FAILED: ${wrong}` : done.copied !== undefined ? `copied ${done.copied} B` : 'ok');
    return wrong ? { opIndex: i, during: desc, message: wrong } : null;
  }

  /** After the last op: flush, then read everything back every way, and the backing files. */
  private finalChecks(): Found | null {
    for (const f of this.files) {
      try {
        fsyncSync(f.fd);
      } catch (e) {
        return { opIndex: null, during: `fsync of ${f.name}`, message: `fsync failed: ${errorText(e)}` };
      }
    }
    const whole = this.wholeFiles(null, 'final check');
    if (whole) return whole;
    const max = this.o.config.maxSize;
    for (let i = 0; i < this.files.length; i++) {
      const fd = this.files[i]!.directFd;
      if (fd === null) continue;
      const buf = alignedBuffer(max);
      const n = readSync(fd, buf, 0, max, 0);
      const f = this.check(i, 0, max, buf.subarray(0, n), `final check: ${this.files[i]!.name} whole file, O_DIRECT`, null);
      if (f) return f;
    }
    const paths = this.files.map((f) => f.path);
    closeFiles(this.files);
    for (let i = 0; i < paths.length; i++) {
      const name = this.files[i]!.name;
      const reopened = this.check(i, 0, max, readFileSync(paths[i]!), `final check: ${name} read through a fresh open`, null);
      if (reopened) return reopened;
      const backing = this.check(i, 0, max, readFileSync(join(this.o.backing, name)), `final check: ${name} in the backing directory`, null);
      if (backing) return backing;
    }
    return null;
  }

  private async failure(found: Found): Promise<VerifyFailure> {
    const m = found.mismatch;
    const file = found.file !== undefined ? this.files[found.file]?.name ?? `f${found.file}` : null;
    const ops = found.opIndex !== null ? found.opIndex + 1 : this.o.ops;
    let corruption: Record<string, unknown> | null = null;
    try {
      corruption = (await this.o.serverCorruption?.()) ?? null;
    } catch {
      corruption = null;
    }
    return {
      opIndex: found.opIndex,
      during: found.during,
      message: found.message,
      file,
      firstBadOffset: m ? m.offset : null,
      badBytes: m ? m.badBytes : null,
      expected: m ? hexBytes(m.expected) : null,
      got: m ? hexBytes(m.got) : null,
      diagnosis: m && found.file !== undefined ? diagnose(this.history, found.file, m) : null,
      log: this.log.tail(),
      replay: replayCommand({ ...this.o.replay, seed: this.o.seed, ops }),
      serverCorruption: corruption,
    };
  }

  private openFiles(): Found | null {
    this.files = createFiles(this.o.mnt, this.o.config.files);
    try {
      openDirect(this.files);
    } catch (e) {
      const why = explainDirectOpen(this.o.ctx, errorCode(e));
      if (why === null) return { opIndex: null, during: 'O_DIRECT open of the test files', message: `O_DIRECT open failed: ${errorText(e)}` };
      for (const cls of DIRECT_CLASSES) this.ruled.set(cls, why);
    }
    return null;
  }

  async run(): Promise<SessionResult> {
    const gen = new OpGenerator(this.o.seed, this.o.config);
    let found: Found | null = null;
    let drawn = 0;
    try {
      found = this.openFiles();
      for (let i = 0; i < this.o.ops && !found; i++) {
        found = this.runOp(i, gen.next(this.models));
        drawn = i + 1;
        if (!found && drawn % this.o.checkEvery === 0) found = this.wholeFiles(i, `whole-file check after op #${i}`);
        if (drawn % 64 === 0) {
          this.o.onProgress?.(drawn);
          await yieldToEventLoop();
          if (this.o.shouldStop?.()) break;
        }
      }
      if (!found && drawn === this.o.ops) found = this.finalChecks();
    } catch (e) {
      found = { opIndex: null, during: 'the checks', message: errorText(e) };
    } finally {
      closeFiles(this.files);
    }
    return {
      drawn,
      executed: this.executed,
      skipped: this.skipped,
      readsChecked: this.readsChecked,
      bytesChecked: this.bytesChecked,
      classes: this.classes,
      failure: found ? await this.failure(found) : null,
    };
  }
}

export function runSession(o: SessionOptions): Promise<SessionResult> {
  return new Session(o).run();
}
