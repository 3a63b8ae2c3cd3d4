// The guest loads only the handful of modules it needs (9p root, overlay, fuse), with busybox insmod,
// which neither resolves dependencies nor decompresses. Debian's packages ship no modules.dep (depmod
// runs at install), so dependencies come from each module's own `.modinfo` ELF section, read here.

/** Modules the guest cannot boot without (when not built in). */
export const REQUIRED_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay', 'fuse'];
/** Modules kept when present, loaded for completeness (ext4 for scratch disks). */
export const OPTIONAL_MODULES = ['ext4', 'virtio_console', 'virtio_blk'];

/** Module names treat '-' and '_' alike. */
function normModName(name: string): string {
  return name.replace(/-/g, '_');
}

/** "kernel/fs/9p/9p.ko.xz" → "9p". */
export function moduleNameOfPath(path: string): string | null {
  const m = /([^/]+)\.ko(\.(xz|zst|gz))?$/.exec(path);
  return m ? normModName(m[1]!) : null;
}

/** The `key=value` strings of an ELF64 little-endian object's `.modinfo` section. */
export function readModinfo(buf: Buffer): Map<string, string[]> {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  if (shoff === 0 || shentsize < 64 || shoff + shnum * shentsize > buf.length || shstrndx >= shnum) {
    throw new Error('ELF section table out of bounds');
  }
  const sect = (i: number): { name: number; offset: number; size: number } => {
    const b = shoff + i * shentsize;
    return { name: buf.readUInt32LE(b), offset: Number(buf.readBigUInt64LE(b + 0x18)), size: Number(buf.readBigUInt64LE(b + 0x20)) };
  };
  const strtab = sect(shstrndx);
  const out = new Map<string, string[]>();
  for (let i = 0; i < shnum; i++) {
    const s = sect(i);
    const nameStart = strtab.offset + s.name;
    const nameEnd = buf.indexOf(0, nameStart);
    if (nameEnd < 0 || buf.toString('latin1', nameStart, nameEnd) !== '.modinfo') continue;
    if (s.offset + s.size > buf.length) throw new Error('.modinfo out of bounds');
    for (const entry of buf.toString('utf8', s.offset, s.offset + s.size).split('\0')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      const k = entry.slice(0, eq);
      const list = out.get(k) ?? [];
      list.push(entry.slice(eq + 1));
      out.set(k, list);
    }
    return out;
  }
  throw new Error('no .modinfo section');
}

/** The module names a module depends on (its `depends=` field). */
export function moduleDepends(buf: Buffer): string[] {
  const v = readModinfo(buf).get('depends')?.[0] ?? '';
  return v.split(',').map((s) => normModName(s.trim())).filter(Boolean);
}

/** The kernel release a module was built for: the first word of its `vermagic`, or null. */
export function moduleVermagic(buf: Buffer): string | null {
  const v = readModinfo(buf).get('vermagic')?.[0];
  return v ? (v.trim().split(/\s+/)[0] ?? null) : null;
}

/**
 * Soft "pre" dependencies (`softdep=pre: crc32c`): modules the kernel asks for at run time rather
 * than link time (ext4 needs a crc32c driver for metadata checksums). Names may be aliases.
 */
export function moduleSoftPre(buf: Buffer): string[] {
  const out: string[] = [];
  for (const v of readModinfo(buf).get('softdep') ?? []) {
    const m = /pre:\s*(.*?)(?:\s+post:.*)?$/.exec(v);
    if (m) out.push(...m[1]!.split(/\s+/).filter(Boolean).map(normModName));
  }
  return out;
}

/**
 * Module names to try for a name that may be a crypto alias: "crypto-crc32c" and "crc32c" are
 * provided by crc32c_generic (there is no modules.alias in the packages to look it up).
 */
export function aliasCandidates(name: string): string[] {
  const n = normModName(name);
  const base = n.startsWith('crypto_') ? n.slice('crypto_'.length) : n;
  return [...new Set([n, base, `${base}_generic`])];
}

export interface Closure {
  /** Load order: every module after its dependencies. */
  order: string[];
  builtin: string[];
  /** Wanted (or depended-on) names neither built in nor available as a file. */
  missing: string[];
}

/**
 * Dependency closure of `wanted` in load order. `depsOf(name)` returns a module's dependencies or
 * null when there is no such module file; `builtin` names are satisfied by the kernel itself.
 */
export function moduleClosure(
  wanted: string[],
  builtin: Set<string>,
  depsOf: (name: string) => string[] | null,
  softOf: (name: string) => string[] = () => [],
): Closure {
  const order: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const missing = new Set<string>();
  const usedBuiltin = new Set<string>();
  const visit = (raw: string): boolean => {
    const name = normModName(raw);
    if (done.has(name)) return true;
    if (builtin.has(name)) {
      usedBuiltin.add(name);
      return true;
    }
    if (visiting.has(name)) return true; // a cycle cannot load anyway; insmod will say so
    const deps = depsOf(name);
    if (deps === null) {
      missing.add(name);
      return false;
    }
    visiting.add(name);
    for (const d of deps) visit(d);
    // Soft dependencies load first when they exist; absent or built in, they are not an error.
    for (const soft of softOf(name)) {
      const found = aliasCandidates(soft).find((c) => builtin.has(c) || done.has(c) || depsOf(c) !== null);
      if (found) visit(found);
    }
    visiting.delete(name);
    done.add(name);
    order.push(name);
    return true;
  };
  for (const w of wanted) visit(w);
  return { order, builtin: [...usedBuiltin], missing: [...missing] };
}

/** modules.builtin lines ("kernel/fs/fuse/fuse.ko") → names. */
export function parseModulesBuiltin(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const n = moduleNameOfPath(line.trim());
    if (n) out.add(n);
  }
  return out;
}
