// The module files a guest loads, picked from a kernel's modules (an unpacked Debian package or a
// build) and decompressed: the ones the boot path needs plus the optional ones (ext4 for the scratch
// disk), each after its dependencies. Shared by `kernels fetch` and local kernels.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ModuleLoad } from './cache.js';
import { moduleClosure, moduleDepends, moduleSoftPre, OPTIONAL_MODULES, REQUIRED_MODULES } from './modules.js';

/** A module file's bytes, decompressed (busybox insmod in the guest takes plain .ko only). */
function readModuleFile(path: string): Buffer {
  if (path.endsWith('.ko')) return readFileSync(path);
  if (path.endsWith('.gz')) return gunzipSync(readFileSync(path));
  const tool = path.endsWith('.xz') ? 'xz' : path.endsWith('.zst') ? 'zstd' : null;
  if (tool === null) throw new Error(`unknown module compression: ${path}`);
  const r = spawnSync(tool, ['-dc', path], { maxBuffer: 512 << 20 });
  if (r.error) throw new Error(`${tool} is needed to decompress ${path}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${tool} -dc ${path} failed: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

export interface GuestModulePick {
  /** Load order, every module after its dependencies. */
  order: string[];
  /** The names in `order` the boot path needs (the rest are optional ones and their dependencies). */
  required: Set<string>;
  /** Wanted modules (REQUIRED_MODULES, OPTIONAL_MODULES) the kernel has built in. */
  builtin: string[];
  /** Needed names found neither built in nor as a file. */
  missing: string[];
  /** Optional wanted names found neither way. */
  unavailable: string[];
  /** Dependencies absent from the files, taken as built in (only with `depsMayBeBuiltin`). */
  assumedBuiltin: string[];
  /** Decompressed bytes of every module in `order`. */
  bytes: Map<string, Buffer>;
}

/**
 * `files`: module name → path of its (possibly compressed) file; `builtin`: names the kernel has built
 * in. `depsMayBeBuiltin`: a dependency that is not among the files is built in — true of a complete
 * `make modules_install` tree, which holds every module the build made.
 */
export function pickGuestModules(files: Map<string, string>, builtin: Set<string>, o: { depsMayBeBuiltin?: boolean } = {}): GuestModulePick {
  const bytes = new Map<string, Buffer>();
  const load = (name: string): Buffer | null => {
    const path = files.get(name);
    if (!path) return null;
    let buf = bytes.get(name);
    if (!buf) {
      buf = readModuleFile(path);
      bytes.set(name, buf);
    }
    return buf;
  };
  const depsOf = (name: string): string[] | null => {
    const buf = load(name);
    return buf ? moduleDepends(buf) : null;
  };
  const softOf = (name: string): string[] => {
    const buf = load(name);
    return buf ? moduleSoftPre(buf) : [];
  };
  const wanted = new Set([...REQUIRED_MODULES, ...OPTIONAL_MODULES]);
  const assumed = new Set<string>();
  const split = (missing: string[]): string[] => {
    if (!o.depsMayBeBuiltin) return missing;
    for (const m of missing) if (!wanted.has(m)) assumed.add(m);
    return missing.filter((m) => wanted.has(m));
  };
  const required = moduleClosure(REQUIRED_MODULES, builtin, depsOf, softOf);
  const done = new Set(required.order);
  const optional = moduleClosure(OPTIONAL_MODULES, new Set([...builtin, ...done]), depsOf, softOf);
  const order = [...required.order, ...optional.order];
  return {
    order,
    required: done,
    builtin: [...required.builtin, ...optional.builtin.filter((n) => builtin.has(n))].filter((n) => wanted.has(n)),
    missing: split(required.missing),
    unavailable: split(optional.missing).filter((n) => OPTIONAL_MODULES.includes(n)),
    assumedBuiltin: [...assumed],
    bytes: new Map(order.map((n) => [n, bytes.get(n)!])),
  };
}

/** Writes the picked modules as `dir/modules/<name>.ko` and returns the entry's load list. */
export function writeGuestModules(pick: GuestModulePick, dir: string): ModuleLoad[] {
  return pick.order.map((name) => {
    const file = `modules/${name}.ko`;
    writeFileSync(join(dir, file), pick.bytes.get(name)!);
    return { name, file, ...(pick.required.has(name) ? {} : { optional: true }) };
  });
}
