// One batch of lattice combinations on one mount, all at once: a fresh pre-sized file each, the opens
// made under the open policy of each combination (the policy is the server's, so opens are grouped by
// FOPEN set), then every combination's writers released together, and the per-inode WRITE counts read
// before and after the files are closed. Per-inode counts of different files are independent, so
// hundreds of combinations can share the mount without seeing each other.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { closeFile, mapFile, O, openFile, unmapFile, writeBatchAsync, type WriteBatchSpec } from '../native/io.js';
import { presize } from '../probes/writers.js';
import type { ServerHandle } from '../server/process.js';
import type { InodeOpStats } from '../server/types.js';
import { fopenLabel, type ClientFlags, type Combo, type LatticeFopen } from './space.js';
import type { Observation } from './verdict.js';

export interface BatchSettings {
  blockSize: number;
  /** Writes per writer; the writers of a combination pass a barrier before each. */
  rounds: number;
  writers: number;
  fileSize: number;
}

export interface BatchMount {
  server: ServerHandle;
  mnt: string;
  backing: string;
}

interface Slot {
  combo: Combo;
  name: string;
  ino: number;
  interfererFd: number | null;
  mappingFd: number | null;
  mapHandle: number | null;
  writerFds: number[];
  refused: Observation['refused'];
  writeError: string | null;
  clientWrites: number;
}

const CLIENT_OPEN: Record<ClientFlags, number> = {
  direct: O.DIRECT,
  'direct-append': O.DIRECT | O.APPEND,
  'direct-dsync': O.DIRECT | O.DSYNC,
  buffered: 0,
};

function errnoOf(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/** A fresh file of `size` bytes in the backing dir, before the kernel looks it up; its st_ino. */
function freshFile(backing: string, name: string, size: number): number {
  presize(backing, name, size);
  return statSync(join(backing, name)).ino;
}

/** Offsets of writer `w` in each round: distinct blocks inside the file, or past its end in order. */
function writerOffsets(s: BatchSettings, extend: boolean, w: number): number[] {
  return Array.from({ length: s.rounds }, (_, r) => (extend ? s.fileSize : 0) + (r * s.writers + w) * s.blockSize);
}

function tryOpen(slot: Slot, path: string, flags: number, at: NonNullable<Observation['refused']>['at']): number | null {
  if (slot.refused) return null;
  try {
    return openFile(path, flags);
  } catch (e) {
    slot.refused = { errno: errnoOf(e), at };
    return null;
  }
}

/** Closes everything a slot holds (mapping first, then its file), ignoring errors: cleanup. */
function release(slot: Slot): void {
  if (slot.mapHandle !== null) {
    try {
      unmapFile(slot.mapHandle);
    } catch {
      /* already gone */
    }
    slot.mapHandle = null;
  }
  for (const fd of [...slot.writerFds, slot.mappingFd, slot.interfererFd]) {
    if (fd === null) continue;
    try {
      closeFile(fd);
    } catch {
      /* already closed */
    }
  }
  slot.writerFds = [];
  slot.mappingFd = slot.interfererFd = null;
}

/** Runs `combos` (all of the mount's INIT set) at once; returns one observation per combination, in order. */
export async function runBatch(m: BatchMount, combos: Combo[], s: BatchSettings, firstIndex: number): Promise<Observation[]> {
  const slots: Slot[] = combos.map((combo, i) => {
    const name = `c${firstIndex + i}.dat`;
    return {
      combo,
      name,
      ino: freshFile(m.backing, name, s.fileSize),
      interfererFd: null,
      mappingFd: null,
      mapHandle: null,
      writerFds: [],
      refused: null,
      writeError: null,
      clientWrites: 0,
    };
  });
  try {
    // 1. Caching opens held on the inode: the server replies no FOPEN flag at all.
    const interfered = slots.filter((x) => x.combo.interferer === 'caching-open');
    if (interfered.length) {
      await m.server.setPolicy({ fopen: [] });
      for (const x of interfered) x.interfererFd = tryOpen(x, join(m.mnt, x.name), O.RDWR, 'interferer-open');
    }
    // 2. Per FOPEN set: the mapping's file and its MAP_SHARED mapping, then the writers' files.
    const byFopen = new Map<string, Slot[]>();
    for (const x of slots) {
      const k = fopenLabel(x.combo.fopen);
      byFopen.set(k, [...(byFopen.get(k) ?? []), x]);
    }
    for (const group of byFopen.values()) {
      await m.server.setPolicy({ fopen: [...(group[0]!.combo.fopen as LatticeFopen[])] });
      for (const x of group) {
        const path = join(m.mnt, x.name);
        if (x.combo.interferer === 'mmap-shared') {
          x.mappingFd = tryOpen(x, path, O.RDWR, 'mapping-open');
          if (x.mappingFd !== null) {
            try {
              x.mapHandle = mapFile(x.mappingFd, s.fileSize, { shared: true, write: true });
            } catch (e) {
              x.refused = { errno: errnoOf(e), at: 'mmap' };
            }
          }
        }
        for (let w = 0; w < s.writers && !x.refused; w++) {
          const fd = tryOpen(x, path, O.RDWR | CLIENT_OPEN[x.combo.client], 'writer-open');
          if (fd !== null) x.writerFds.push(fd);
        }
      }
    }
    // 3. Every runnable combination's writers at once.
    const runnable = slots.filter((x) => !x.refused);
    const spec: WriteBatchSpec = {
      blockSize: s.blockSize,
      rounds: s.rounds,
      groups: runnable.map((x) => ({
        engine: x.combo.engine,
        writers: x.writerFds.map((fd, w) => ({ fd, offsets: writerOffsets(s, x.combo.write === 'extend', w) })),
      })),
    };
    if (runnable.length) {
      const r = await writeBatchAsync(spec);
      if (r.setupError) throw new Error(`could not start ${spec.groups.length * s.writers} writer threads: ${r.setupError}`);
      runnable.forEach((x, i) => {
        const ws = r.groups[i]!.writers;
        x.clientWrites = ws.reduce((a, w) => a + w.ok, 0);
        x.writeError = ws.find((w) => w.error !== null)?.error ?? null;
      });
    }
    // 4. What reached the server while the files were open, then what close wrote back.
    const during = byIno(await m.server.inodes('WRITE'));
    for (const x of slots) release(x);
    const after = byIno(await m.server.inodes('WRITE'));
    return slots.map((x) => {
      const d = during.get(x.ino);
      const a = after.get(x.ino);
      return {
        refused: x.refused,
        writeError: x.writeError,
        writes: d?.count ?? 0,
        writesAfterClose: Math.max(0, (a?.count ?? 0) - (d?.count ?? 0)),
        maxInFlight: Math.max(d?.maxInFlight ?? 0, a?.maxInFlight ?? 0),
        clientWrites: x.clientWrites,
      };
    });
  } finally {
    for (const x of slots) release(x);
  }
}

function byIno(list: InodeOpStats[]): Map<number, InodeOpStats> {
  return new Map(list.map((x) => [x.ino, x]));
}

/**
 * Grows the server's thread pool before the first batch: `n` WRITEs held at once on one file under
 * the shared lock. A pool that grows while a batch runs would leave WRITEs queued in the kernel,
 * and two writers' WRITEs that never overlap at the server look exclusive.
 */
export async function warmUp(m: BatchMount, n: number, s: BatchSettings): Promise<void> {
  const name = 'warm-up.dat';
  const writes = Math.max(1, n);
  presize(m.backing, name, writes * s.blockSize);
  await m.server.setPolicy({ fopen: ['DIRECT_IO', 'PARALLEL_DIRECT_WRITES'] });
  const fd = openFile(join(m.mnt, name), O.RDWR | O.DIRECT);
  try {
    const groups: WriteBatchSpec['groups'] = [];
    for (let i = 0; i < writes; i += 64) {
      const k = Math.min(64, writes - i);
      groups.push({ engine: 'psync', writers: Array.from({ length: k }, (_, j) => ({ fd, offsets: [(i + j) * s.blockSize] })) });
    }
    const r = await writeBatchAsync({ blockSize: s.blockSize, rounds: 1, groups });
    if (r.setupError) throw new Error(`could not start ${writes} warm-up writer threads: ${r.setupError}`);
  } finally {
    closeFile(fd);
  }
}
