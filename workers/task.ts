// What the runner sends a worker, and what comes back (packed into one transferable ArrayBuffer).

export const ENGINES = ['psync', 'libaio', 'io_uring', 'mmap'] as const;
export type Engine = (typeof ENGINES)[number];

/** I/Os a job keeps in flight: the queued engines (libaio, io_uring) `iodepth`, the others one. */
export function depthFor(engine: Engine, iodepth: number): number {
  return engine === 'libaio' || engine === 'io_uring' ? iodepth : 1;
}

export interface JobPhase {
  /** Operation name in results (e.g. `write`, `randread`). */
  name: string;
  engine: Engine;
  op: 'pwrite' | 'pread' | 'read' | 'write';
  blockSize: number;
  pattern: 'random' | 'sequential' | 'extend';
  offset: number;
  range: number;
  /**
   * For `extend`: id of a process-wide cursor (addon resetCursor) that all jobs draw their next
   * offset from, so every write lands past everything written before it.
   */
  cursor?: number;
  depth?: number;
  /** Share of the timed window this phase gets (phases of a job run back to back). */
  share: number;
}

export interface JobTask {
  path: string;
  openFlags: number;
  phases: JobPhase[];
  seed: number;
  recordStarts: boolean;
  /** The window's barrier (barrier.ts: WindowBarrier's memory): start line, window, finish line. */
  barrier: SharedArrayBuffer;
  /** How many jobs share the barrier. */
  jobs: number;
  /** How long to wait at the barrier before giving up (the runner died). */
  barrierTimeoutMs: number;
}

export interface PhaseResult {
  name: string;
  ops: number;
  bytes: number;
  histogram: string;
  errors: Record<string, number>;
  startNs: number;
  endNs: number;
  /** Offsets into the packed Float64 section, when recordStarts was set. */
  series?: { startsAt: number; latsAt: number; length: number };
}

export interface JobResult {
  openError: string | null;
  phases: PhaseResult[];
}

/** [u32 json length][json utf-8][pad to 8][float64 series…] — one buffer so Piscina can move it. */
export function packResult(r: JobResult, series: Float64Array[]): ArrayBuffer {
  let floats = 0;
  for (const s of series) floats += s.length;
  const json = new TextEncoder().encode(JSON.stringify(r));
  const head = 4 + json.length;
  const floatStart = Math.ceil(head / 8) * 8;
  const buf = new ArrayBuffer(floatStart + floats * 8);
  new DataView(buf).setUint32(0, json.length, true);
  new Uint8Array(buf, 4, json.length).set(json);
  const f = new Float64Array(buf, floatStart, floats);
  let at = 0;
  for (const s of series) {
    f.set(s, at);
    at += s.length;
  }
  return buf;
}

export function unpackResult(buf: ArrayBuffer): { result: JobResult; floats: Float64Array } {
  const len = new DataView(buf).getUint32(0, true);
  const result = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, len))) as JobResult;
  const floatStart = Math.ceil((4 + len) / 8) * 8;
  return { result, floats: new Float64Array(buf, floatStart, (buf.byteLength - floatStart) / 8) };
}
