// Which modes the fuse-native server kind can run, and whether it can run at all on this machine.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMode, MODES } from '../../modes.js';
import { INSTALL_HINT } from './binding.js';

export interface Support {
  supported: boolean;
  reason: string | null;
}

export interface CheckInfo {
  ok: boolean;
  reason: string | null;
  fuseNative: string | null;
  libfuse: string | null;
  fusermount: string | null;
  devFuse: boolean;
}

export function serverMainPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'server-main.js');
}

/** Why libfuse 2 (all fuse-native can reach) cannot express a mode; null when it can. */
const MODE_REASON: Record<string, string> = {
  parallel:
    'FOPEN_PARALLEL_DIRECT_WRITES cannot be replied through libfuse 2 (only libfuse 3 has parallel_direct_writes); fuse-native only knows the direct_io mount option',
  passthrough: 'libfuse 2 has no passthrough: FOPEN_PASSTHROUGH and backing files need FUSE 7.40 and libfuse 3',
  'passthrough-direct': 'libfuse 2 has no passthrough: FOPEN_PASSTHROUGH and backing files need FUSE 7.40 and libfuse 3',
  'passthrough-parallel':
    'libfuse 2 has neither passthrough nor FOPEN_PARALLEL_DIRECT_WRITES (both need libfuse 3 and a newer FUSE protocol)',
};

let cachedCheck: CheckInfo | null = null;

/** Loads fuse-native and libfuse 2 in a child process once (a failed load must not hurt the CLI). */
export function fuseNativeCheck(): CheckInfo {
  if (cachedCheck) return cachedCheck;
  const r = spawnSync(process.execPath, [serverMainPath(), '--check'], { encoding: 'utf8', timeout: 20_000 });
  const lineText = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
  let info: CheckInfo;
  try {
    const j = JSON.parse(lineText ?? '') as Partial<CheckInfo>;
    info = {
      ok: j.ok === true,
      reason: j.reason ?? null,
      fuseNative: j.fuseNative ?? null,
      libfuse: j.libfuse ?? null,
      fusermount: j.fusermount ?? null,
      devFuse: j.devFuse === true,
    };
  } catch {
    const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').slice(-3).join(' ');
    info = { ok: false, reason: `the fuse-native server cannot start (${why || `exit ${r.status}`}); ${INSTALL_HINT}`, fuseNative: null, libfuse: null, fusermount: null, devFuse: false };
  }
  cachedCheck = info;
  return info;
}

/**
 * Whether the fuse-native kind can run `mode` (a mode label as in results: `cached`, `direct`,
 * `parallel+async-dio`, `fopen:…`). Only `cached` and `direct` (libfuse's `direct_io`) exist here.
 */
export function fuseNativeSupport(mode: string): Support {
  const [head = '', ...init] = mode.split('+');
  if (head.startsWith('fopen:')) {
    return { supported: false, reason: 'raw FOPEN flag lists need the C server: libfuse 2 sets open flags only through mount options (direct_io)' };
  }
  if (!isMode(head)) return { supported: false, reason: `unknown mode "${head}" (known: ${MODES.join(', ')})` };
  const why = MODE_REASON[head];
  if (why) return { supported: false, reason: why };
  if (init.length > 0) {
    return {
      supported: false,
      reason: `INIT options (${init.map((o) => '+' + o).join('')}) cannot be requested through fuse-native: libfuse 2 negotiates INIT itself`,
    };
  }
  const c = fuseNativeCheck();
  if (!c.ok) return { supported: false, reason: c.reason ?? INSTALL_HINT };
  return { supported: true, reason: null };
}

/** The runner's form: the reason a mode cannot run on the fuse-native kind, or null. */
export function fuseNativeUnsupported(mode: string): string | null {
  return fuseNativeSupport(mode).reason;
}
