// `kernels fetch`: download one kernel's .debs through the private apt, unpack them (never install),
// and keep only what a guest boots with: vmlinuz, config and the needed modules, decompressed. The
// entry directory is named by ABI and exact Debian version, so a fetched kernel never changes.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { aptDownload, type AptSettings, type Log } from './apt.js';
import { ENTRY_FORMAT, entryDirName, ensureDir, kernelsDir, readEntry, type CacheEntry } from './cache.js';
import { pickGuestModules, writeGuestModules } from './guest-modules.js';
import { moduleNameOfPath, parseModulesBuiltin } from './modules.js';
import type { KernelCandidate } from './packages.js';
import { runTool, tail } from './proc.js';

function cachedEntryFor(root: string, c: { abi: string; version: string }): CacheEntry | null {
  return readEntry(join(kernelsDir(root), entryDirName(c.abi, c.version)));
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Files under `dir`, relative paths, depth-first. */
function walk(dir: string, base = dir, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, base, out);
    else if (e.isFile()) out.push(relative(base, p));
  }
  return out;
}

/** Where the unpacked packages put the kernel's files (pre- and post-usrmerge, /boot or modules dir). */
export interface KernelLayout {
  vmlinuz: string;
  config: string | null;
  modulesDir: string | null;
  builtin: string | null;
}

export function locateKernelFiles(files: string[], abi: string): KernelLayout {
  const has = new Set(files);
  const pick = (cands: string[]): string | null => cands.find((c) => has.has(c)) ?? null;
  const modDirs = [`usr/lib/modules/${abi}`, `lib/modules/${abi}`];
  const vmlinuz = pick([`boot/vmlinuz-${abi}`, ...modDirs.map((d) => `${d}/vmlinuz`)]);
  if (vmlinuz === null) throw new Error(`no vmlinuz for ${abi} in the packages (looked for boot/vmlinuz-${abi} and lib/modules/${abi}/vmlinuz)`);
  const modulesDir = modDirs.find((d) => files.some((f) => f.startsWith(`${d}/kernel/`))) ?? null;
  return {
    vmlinuz,
    config: pick([`boot/config-${abi}`, ...modDirs.map((d) => `${d}/config`)]),
    modulesDir,
    builtin: pick(modDirs.map((d) => `${d}/modules.builtin`)),
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes scratch and half-written entries left by fetches that were killed (their pid is gone). */
export function sweepStale(root: string): void {
  const sweep = (dir: string, re: RegExp): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const m = re.exec(name);
      if (m && !pidAlive(Number(m[1]))) rmSync(join(dir, name), { recursive: true, force: true });
    }
  };
  sweep(join(root, 'tmp'), /^(?:fetch|keyring)-(\d+)/);
  sweep(kernelsDir(root), /\.partial-(\d+)$/);
}

/**
 * Fetches a kernel into the cache (no-op when already there) and returns its entry. Scratch space
 * is <root>/tmp/, removed whatever happens; the entry appears atomically (rename) when complete.
 */
export async function fetchKernel(root: string, s: AptSettings, c: KernelCandidate, log: Log): Promise<CacheEntry> {
  const have = cachedEntryFor(root, c);
  if (have) return have;
  if (!c.complete) throw new Error(`${c.abi} (${c.version}) is incomplete in the archive: ${c.missing.join(', ')} not found`);
  sweepStale(root);
  const tmp = join(root, 'tmp', `fetch-${process.pid}-${entryDirName(c.abi, c.version)}`);
  rmSync(tmp, { recursive: true, force: true });
  const debs = ensureDir(join(tmp, 'debs'));
  const unpacked = ensureDir(join(tmp, 'root'));
  const finalDir = join(kernelsDir(root), entryDirName(c.abi, c.version));
  const partial = `${finalDir}.partial-${process.pid}`;
  try {
    log(`${c.abi}: downloading ${c.packages.map((p) => `${p.name}=${p.version}`).join(' ')} (${(c.downloadBytes / 2 ** 20).toFixed(0)} MiB)`);
    await aptDownload(root, s, c.packages, debs, log);
    for (const p of c.packages) {
      const file = readdirSync(debs).find((f) => f.startsWith(`${p.name}_`) && f.endsWith('.deb'));
      if (!file) throw new Error(`apt-get download did not leave ${p.name}_*.deb`);
      const path = join(debs, file);
      if (p.sha256 && sha256File(path) !== p.sha256) throw new Error(`${file}: SHA256 differs from the signed index`);
      log(`${c.abi}: unpacking ${file}`);
      const x = await runTool('dpkg-deb', ['-x', path, unpacked]);
      if (x.code !== 0) throw new Error(`dpkg-deb -x ${file} failed: ${tail(x.stderr, 5)}`);
      rmSync(path); // free the space early: the modules package is the largest part
    }
    const files = walk(unpacked);
    const lay = locateKernelFiles(files, c.abi);
    const builtin = lay.builtin ? parseModulesBuiltin(readFileSync(join(unpacked, lay.builtin), 'utf8')) : new Set<string>();
    if (!lay.builtin) log(`${c.abi}: warning: no modules.builtin; assuming every wanted module is a loadable one`);
    const byName = new Map<string, string>();
    if (lay.modulesDir) {
      for (const f of files) {
        if (!f.startsWith(`${lay.modulesDir}/kernel/`)) continue;
        const n = moduleNameOfPath(f);
        if (n && !byName.has(n)) byName.set(n, join(unpacked, f));
      }
    }
    const pick = pickGuestModules(byName, builtin);
    if (pick.missing.length > 0) {
      throw new Error(`${c.abi}: modules ${pick.missing.join(', ')} are neither built in nor in the packages; this kernel cannot boot the guest`);
    }
    rmSync(partial, { recursive: true, force: true });
    ensureDir(join(partial, 'modules'));
    copyFileSync(join(unpacked, lay.vmlinuz), join(partial, 'vmlinuz'));
    if (lay.config) copyFileSync(join(unpacked, lay.config), join(partial, 'config'));
    const modules = writeGuestModules(pick, partial);
    const entry: Omit<CacheEntry, 'dir'> = {
      formatVersion: ENTRY_FORMAT,
      abi: c.abi,
      version: c.version,
      upstream: c.upstream,
      suites: c.suites,
      layout: c.layout,
      packages: c.packages.map((p) => ({ name: p.name, version: p.version, sha256: p.sha256, size: p.size })),
      fetchedAt: new Date().toISOString(),
      vmlinuz: 'vmlinuz',
      config: lay.config ? 'config' : null,
      modules,
      builtin: pick.builtin,
      unavailable: pick.unavailable,
    };
    writeFileSync(join(partial, 'kernel.json'), JSON.stringify(entry, null, 2) + '\n');
    if (existsSync(finalDir)) {
      // Someone else finished the same kernel first; theirs is identical by construction.
      rmSync(partial, { recursive: true, force: true });
    } else {
      renameSync(partial, finalDir);
    }
    const e = readEntry(finalDir);
    if (!e) throw new Error(`cache entry ${finalDir} is unreadable after writing it`);
    const size = readdirSync(join(finalDir, 'modules')).reduce((n, f) => n + statSync(join(finalDir, 'modules', f)).size, statSync(join(finalDir, 'vmlinuz')).size);
    log(`${c.abi}: cached in ${finalDir} (${(size / 2 ** 20).toFixed(1)} MiB; modules ${e.modules.map((m) => m.name).join(' ') || 'none'}; built in ${e.builtin.join(' ') || 'none'})`);
    return e;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(partial, { recursive: true, force: true });
  }
}
