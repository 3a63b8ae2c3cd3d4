// What the C server reports (native/server/README.md is the contract).
import type { Backend, FopenFlag, InitOption, Mode } from '../modes.js';

/** How requests travel between kernel and server: read/writev on /dev/fuse, or FUSE over io_uring. */
export const TRANSPORTS = ['dev', 'uring'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface ServerOptions {
  backing: string;
  mountpoint: string;
  /** A mode name, or null with `fopen` for a raw flag list. */
  mode: Mode | null;
  fopen?: FopenFlag[];
  init?: InitOption[];
  /** Extra INIT switches the server knows beyond the run options (e.g. `no-passthrough`). */
  initExtra?: string[];
  /** Per-opcode delays, `write=200us,read=1ms`; empty or undefined for none. */
  delay?: string;
  backend?: Backend;
  threads?: number;
  /** Threads started with the mount (the rest start on demand, up to `threads`). */
  threadsInitial?: number;
  maxWrite?: number;
  stackDepth?: number;
  /** max_background in the INIT reply (server default 64). */
  maxBackground?: number;
  getxattr?: 'enosys' | 'enodata';
  attrTimeout?: number;
  entryTimeout?: number;
  /** Self-test only: the server flips one byte of its Nth READ reply with data (`--corrupt-read`). */
  corruptRead?: number;
  /** `uring`: FUSE over io_uring when the kernel offers it at INIT (the ready line's `transport` says). */
  transport?: Transport;
  /** With `uring`: ring entries (each with its own server thread) per CPU queue. */
  uringDepth?: number;
  /** Run the AddressSanitizer build (build/asan/fusebench-server). */
  asan?: boolean;
  /** Milliseconds to wait for the ready line. */
  readyTimeoutMs?: number;
  /** The server's stderr is always kept for error messages; 'inherit' also forwards it (a foreground mount). */
  stderr?: 'inherit' | 'capture';
}

export interface InitInfo {
  kernelProtocol: string;
  protocol: string;
  offered: string[];
  requested: string[];
  negotiated: string[];
  maxWrite: number;
  maxPages: number;
  maxStackDepth: number;
  maxBackground?: number;
  congestionThreshold?: number;
}

/** Which transport serves the mount; `active` false means the requested one could not be used (`reason`). */
export interface TransportInfo {
  requested: Transport;
  active: boolean;
  reason: string | null;
  queues?: number;
  depth?: number;
  entries?: number;
  /** Requests served through the ring since the server started. */
  ringRequests?: number;
}

export interface ReadyInfo {
  event: 'ready';
  pid: number;
  mountpoint: string;
  backing: string;
  connection: number;
  control: string | null;
  mode: string | null;
  fopen: string[];
  backend: string;
  threads: number;
  delays: Record<string, number>;
  getxattr: string;
  init: InitInfo;
  passthrough: { usable: boolean; reason: string | null };
  /** Absent from servers built before the io_uring transport. */
  transport?: TransportInfo;
}

export interface ServerOpStats {
  count: number;
  bytes?: number;
  errors?: number;
  maxInFlightPerInode: number;
  meanInFlight?: number;
  maxInFlight?: number;
  service?: { p50Ns: number; p99Ns: number; maxNs: number; buckets: Array<[number, number]> };
}

export interface ServerStats {
  ok: true;
  sinceNs: number;
  ops: Record<string, ServerOpStats>;
  /** The C server's thread pool: its ceiling, threads started, most busy at once, requests that found none free. */
  threads?: number;
  threadsStarted?: number;
  threadsBusyMax?: number;
  threadsAllBusy?: number;
  transport?: TransportInfo;
  [k: string]: unknown;
}

export interface WindowStats {
  ok: true;
  windowNs: number;
  ops: Record<string, { count: number; maxInFlightPerInode: number; meanInFlight: number }>;
}

/** One inode's counts for one opcode (the control socket's `inodes` reply). */
export interface InodeOpStats {
  nodeid: number;
  /** Backing st_ino = st_ino on the mount. */
  ino: number;
  count: number;
  maxInFlight: number;
  inFlight: number;
}
