// What the JavaScript server saw, per kernel opcode name: counts, bytes, errors, and requests in
// flight per inode. Handlers are asynchronous, so several requests of one opcode can be inside them at
// once; that concurrency is exactly the number the lock-path verdict needs.
import type { ServerOpStats, ServerStats, WindowStats } from '../types.js';

type Key = string | number;

function now(): number {
  return Number(process.hrtime.bigint());
}

/** Counters over one interval (since reset, or since the previous window). */
class Interval {
  count = 0;
  bytes = 0;
  errors = 0;
  maxPerInode = 0;
  maxTotal = 0;
  /** ∫ in-flight dt over the interval, in request·ns. */
  area = 0;
  startNs: number;
  constructor(t: number, inFlightNow: number, maxPerInodeNow: number) {
    this.startNs = t;
    // Requests already inside a handler count toward this interval's maxima.
    this.maxTotal = inFlightNow;
    this.maxPerInode = maxPerInodeNow;
  }
}

class OpState {
  inFlight = 0;
  perKey = new Map<Key, number>();
  lastNs: number;
  total: Interval;
  window: Interval;
  constructor(t: number) {
    this.lastNs = t;
    this.total = new Interval(t, 0, 0);
    this.window = new Interval(t, 0, 0);
  }

  /** Brings the in-flight integrals up to time t. */
  advance(t: number): void {
    const d = (t - this.lastNs) * this.inFlight;
    this.total.area += d;
    this.window.area += d;
    this.lastNs = t;
  }

  maxPerKeyNow(): number {
    let m = 0;
    for (const v of this.perKey.values()) if (v > m) m = v;
    return m;
  }

  begin(key: Key): void {
    this.advance(now());
    this.inFlight++;
    const k = (this.perKey.get(key) ?? 0) + 1;
    this.perKey.set(key, k);
    for (const iv of [this.total, this.window]) {
      iv.count++;
      if (k > iv.maxPerInode) iv.maxPerInode = k;
      if (this.inFlight > iv.maxTotal) iv.maxTotal = this.inFlight;
    }
  }

  end(key: Key, bytes: number, failed: boolean): void {
    this.advance(now());
    this.inFlight--;
    const k = (this.perKey.get(key) ?? 1) - 1;
    if (k <= 0) this.perKey.delete(key);
    else this.perKey.set(key, k);
    for (const iv of [this.total, this.window]) {
      iv.bytes += bytes;
      if (failed) iv.errors++;
    }
  }

  reset(t: number, which: 'total' | 'window'): void {
    this.advance(t);
    this[which] = new Interval(t, this.inFlight, this.maxPerKeyNow());
  }
}

export class ServerCounters {
  private ops = new Map<string, OpState>();
  private resetNs = now();
  private windowNs = this.resetNs;

  private op(name: string): OpState {
    let s = this.ops.get(name);
    if (!s) {
      s = new OpState(now());
      // An opcode first seen mid-interval had nothing in flight before: its intervals span the same
      // time as everyone else's, so means are comparable across opcodes.
      s.total.startNs = this.resetNs;
      s.window.startNs = this.windowNs;
      this.ops.set(name, s);
    }
    return s;
  }

  begin(op: string, key: Key): void {
    this.op(op).begin(key);
  }

  end(op: string, key: Key, bytes: number, failed: boolean): void {
    this.op(op).end(key, bytes, failed);
  }

  /** Counters since the last reset, in the C server's `stats` shape. */
  stats(): ServerStats {
    const t = now();
    const ops: Record<string, ServerOpStats> = {};
    const span = t - this.resetNs;
    for (const [name, s] of this.ops) {
      s.advance(t);
      const iv = s.total;
      if (iv.count === 0 && s.inFlight === 0) continue;
      ops[name] = {
        count: iv.count,
        bytes: iv.bytes,
        errors: iv.errors,
        maxInFlightPerInode: iv.maxPerInode,
        maxInFlight: iv.maxTotal,
        meanInFlight: span > 0 ? iv.area / span : 0,
      };
    }
    return { ok: true, sinceNs: span, ops };
  }

  /** Counters since the previous window (or reset), then starts a new window. */
  window(): WindowStats {
    const t = now();
    const ops: WindowStats['ops'] = {};
    const span = t - this.windowNs;
    this.windowNs = t;
    for (const [name, s] of this.ops) {
      const iv = s.window;
      s.reset(t, 'window');
      if (iv.count === 0 && iv.maxPerInode === 0) continue;
      ops[name] = { count: iv.count, maxInFlightPerInode: iv.maxPerInode, meanInFlight: span > 0 ? iv.area / span : 0 };
    }
    return { ok: true, windowNs: span, ops };
  }

  reset(): void {
    const t = now();
    this.resetNs = t;
    this.windowNs = t;
    for (const s of this.ops.values()) {
      s.reset(t, 'total');
      s.reset(t, 'window');
    }
  }
}
