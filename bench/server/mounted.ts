// What the runner needs from any server kind (the C server, or the fuse-native JavaScript server).
import type { ServerStats, WindowStats } from './types.js';

export type ServerKind = 'c' | 'fuse-native';

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
  stop(): Promise<unknown>;
}
