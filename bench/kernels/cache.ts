// Where fetched kernels live: outside the repository, shared by every checkout and kept between CI
// runs. Layout:
//   <root>/apt/            private apt configuration, lists and partial downloads (never /etc/apt)
//   <root>/k/<abi>_<ver>/  one pinned kernel: vmlinuz, config, modules/*.ko (decompressed), kernel.json
//   <root>/tmp/            scratch for unpacking, removed after each fetch
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { compareDebVersions } from './debversion.js';
import type { Versioned } from './packages.js';

export function defaultCacheDir(): string {
  const env = process.env['FUSEBENCH_KERNEL_CACHE'];
  if (env) return resolve(env);
  const xdg = process.env['XDG_CACHE_HOME'];
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache');
  return join(base, 'fusebench', 'kernels');
}

export function resolveCacheDir(flag?: string): string {
  return flag ? resolve(flag) : defaultCacheDir();
}

/** A module to load in the guest, in dependency order, by file name inside the entry's modules/. */
export interface ModuleLoad {
  name: string;
  file: string;
  /** Not needed to boot (ext4 and friends): shipped to the guest, not loaded. */
  optional?: boolean;
}

/** kernel.json: what was fetched, from which packages, and what the guest loads. */
export interface CacheEntry extends Versioned {
  formatVersion: 1;
  suites: string[];
  layout: 'image' | 'split';
  packages: { name: string; version: string; sha256: string; size: number }[];
  fetchedAt: string;
  /** Relative to the entry directory. */
  vmlinuz: string;
  config: string | null;
  /** Modules the guest insmods, dependencies first. Built-in ones are absent. */
  modules: ModuleLoad[];
  /** Wanted modules the kernel has built in. */
  builtin: string[];
  /** Wanted optional modules this kernel has neither built in nor as a module. */
  unavailable: string[];
  /** Absolute path of the entry directory (filled in when read, not stored). */
  dir: string;
}

export const ENTRY_FORMAT = 1;

export function entryDirName(abi: string, version: string): string {
  return `${abi}_${version}`.replace(/[^A-Za-z0-9.+_-]/g, '_');
}

export function kernelsDir(root: string): string {
  return join(root, 'k');
}

export function ensureDir(d: string): string {
  mkdirSync(d, { recursive: true });
  return d;
}

/** Every complete cache entry, oldest version first. Half-written entries (no kernel.json) are ignored. */
export function listCached(root: string): CacheEntry[] {
  const dir = kernelsDir(root);
  if (!existsSync(dir)) return [];
  const out: CacheEntry[] = [];
  for (const name of readdirSync(dir)) {
    const e = readEntry(join(dir, name));
    if (e) out.push(e);
  }
  out.sort((a, b) => compareDebVersions(a.version, b.version));
  return out;
}

export function readEntry(dir: string): CacheEntry | null {
  const file = join(dir, 'kernel.json');
  if (!existsSync(file)) return null;
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
    if (e.formatVersion !== ENTRY_FORMAT || typeof e.abi !== 'string' || typeof e.vmlinuz !== 'string') return null;
    if (!existsSync(join(dir, e.vmlinuz))) return null;
    return { ...e, dir };
  } catch {
    return null;
  }
}
