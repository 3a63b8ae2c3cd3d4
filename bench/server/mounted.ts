// What the runner needs from any server kind (the C server, or the fuse-native JavaScript server).
import type { ChildExit } from './child.js';
import type { ServerStats, WindowStats } from './types.js';

/** The server kinds; what each can do and how it mounts: kinds.ts. */
export const SERVER_KIND_NAMES = ['c', 'fuse-native'] as const;
export type ServerKind = (typeof SERVER_KIND_NAMES)[number];

export interface MountedServer {
  readonly kind: ServerKind;
  readonly mountpoint: string;
  readonly pid: number;
  /** Server-side counters; null when the server kind cannot observe them. */
  stats(): Promise<ServerStats | null>;
  /** Per-interval in-flight numbers since the previous call; null when not observable. */
  window(): Promise<WindowStats | null>;
  reset(): Promise<void>;
  /** Stops the server and guarantees the mount is gone. */
  stop(): Promise<ChildExit>;
  /** The end of its stderr (for an error report). */
  stderr(): string;
}
