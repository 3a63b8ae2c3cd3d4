// A kernel someone built (`--kernel-image`: a bzImage or vmlinux from a build tree), made into a guest
// kernel like a fetched Debian one. Everything that can be known before booting is checked first, so a
// mistake fails in a second with its name instead of as a guest that never reports back: the release
// (from the image itself), the config (embedded, --config, or next to the image) against what the
// guest needs, and the modules (a `make modules_install` tree or the build tree) against the release.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CacheEntry } from './cache.js';
import { pickGuestModules, writeGuestModules, type GuestModulePick } from './guest-modules.js';
import { embeddedConfig, imageIdentity, ImageError, type ImageIdentity } from './image.js';
import { checkGuestConfig, describeMissing, GUEST_REQUIREMENTS, parseKconfig, type ConfigVerdict } from './kconfig.js';
import { moduleNameOfPath, moduleVermagic, OPTIONAL_MODULES, parseModulesBuiltin, REQUIRED_MODULES } from './modules.js';
import { hasPvhNote, isElf } from './vmlinux.js';

export interface LocalKernelRequest {
  image: string;
  /** A modules_install tree (INSTALL_MOD_PATH), its lib/modules/<release>, or the build tree; null: look next to the image. */
  modules: string | null;
  config: string | null;
}

/** A local kernel that cannot boot the guest, with the reason (exit 1, before any boot). */
export class LocalKernelError extends Error {}

export interface ModuleTree {
  kind: 'install' | 'build';
  /** lib/modules/<release> of an install tree, or the build tree's top. */
  root: string;
  /** Module name → file. */
  files: Map<string, string>;
  /** From modules.builtin, when the tree has one. */
  builtin: Set<string> | null;
}

export interface LocalKernelPlan {
  image: string;
  kind: 'bzImage' | 'vmlinux';
  release: string;
  version: string;
  sha256: string;
  config: { text: string; source: string } | null;
  modules: ModuleTree | null;
  pick: GuestModulePick | null;
  /** Wanted modules the kernel is taken to have built in. */
  builtin: string[];
  warnings: string[];
  /** Where things were found (config, modules), for the log. */
  notes: string[];
}

const KO_RE = /\.ko(\.(xz|zst|gz))?$/;

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Module files under `dir` by name; the first of a name wins (kernel/ before extra/ and updates/ in sorted order). */
function walkModules(dir: string, skip: (name: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || skip(e.name)) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() && KO_RE.test(e.name)) {
        const n = moduleNameOfPath(e.name);
        if (n && !out.has(n)) out.set(n, p);
      }
    }
  };
  visit(dir);
  return out;
}

function readBuiltin(dir: string): Set<string> | null {
  const f = join(dir, 'modules.builtin');
  return existsSync(f) ? parseModulesBuiltin(readFileSync(f, 'utf8')) : null;
}

/** The top of a kernel build tree (Makefile, Kconfig and MAINTAINERS side by side), or null. */
function isBuildTree(dir: string): boolean {
  return ['Makefile', 'Kconfig', 'MAINTAINERS'].every((f) => existsSync(join(dir, f)));
}

/** The build tree an image lies in (arch/x86/boot/bzImage, or vmlinux at its top), or null. */
function buildTreeOf(image: string): string | null {
  let d = dirname(resolve(image));
  for (let i = 0; i < 4; i++, d = dirname(d)) if (isBuildTree(d)) return d;
  return null;
}

function buildTreeModules(root: string): ModuleTree {
  const order = join(root, 'modules.order');
  let files: Map<string, string>;
  if (existsSync(order)) {
    // One line per module the build made: "fs/fuse/fuse.o" (6.2+) or "fs/fuse/fuse.ko".
    files = new Map();
    for (const line of readFileSync(order, 'utf8').split('\n')) {
      const rel = line.trim().replace(/^kernel\//, '').replace(/\.o$/, '.ko');
      if (!rel.endsWith('.ko')) continue;
      const n = moduleNameOfPath(rel);
      const p = join(root, rel);
      if (n && !files.has(n) && existsSync(p)) files.set(n, p);
    }
  } else {
    files = walkModules(root, (name) => ['Documentation', 'tools', 'include', 'scripts', 'usr'].includes(name));
  }
  return { kind: 'build', root, files, builtin: readBuiltin(root) };
}

function installTree(dir: string): ModuleTree {
  return { kind: 'install', root: dir, files: walkModules(dir, (name) => name === 'build' || name === 'source'), builtin: readBuiltin(dir) };
}

/**
 * The modules of `release` in `dir`: a modules_install tree (dir/lib/modules/<release>, also under
 * usr/), that directory itself, or a build tree. Throws LocalKernelError when `dir` holds none of them
 * or holds another release's modules.
 */
export function findModuleTree(dir: string, release: string): ModuleTree {
  const d = resolve(dir);
  if (!isDir(d)) throw new LocalKernelError(`--modules ${dir}: not a directory`);
  for (const sub of ['lib/modules', 'usr/lib/modules']) {
    const p = join(d, sub, release);
    if (isDir(p)) return installTree(p);
  }
  if (basename(d) === release || existsSync(join(d, 'modules.dep')) || existsSync(join(d, 'modules.builtin.modinfo'))) {
    if (basename(d) !== release) throw new LocalKernelError(`--modules ${dir} is a modules directory for ${basename(d)}, but the image is ${release}`);
    return installTree(d);
  }
  if (existsSync(join(d, 'modules.order')) || isBuildTree(d)) return buildTreeModules(d);
  const others = ['lib/modules', 'usr/lib/modules'].flatMap((sub) => (isDir(join(d, sub)) ? readdirSync(join(d, sub)) : []));
  if (others.length > 0) throw new LocalKernelError(`--modules ${dir} holds modules for ${others.join(', ')}, but the image is ${release}: install the modules of the build the image comes from`);
  throw new LocalKernelError(`--modules ${dir} is neither a modules_install tree (lib/modules/${release} under it), a modules directory nor a kernel build tree`);
}

/** Modules that lie where the image's own build or package put them, when --modules is not given. */
function discoverModuleTree(image: string, release: string): ModuleTree | null {
  const tree = buildTreeOf(image);
  if (tree && existsSync(join(tree, 'modules.order'))) return buildTreeModules(tree);
  const d = dirname(resolve(image));
  // /boot/vmlinuz-<release> next to /lib/modules/<release>; or <release>/vmlinuz inside it (6.19+ packages).
  for (const p of [join(d, '..', 'lib', 'modules', release), join(d, '..', 'usr', 'lib', 'modules', release), basename(d) === release ? d : null]) {
    if (p && isDir(p) && (existsSync(join(p, 'kernel')) || existsSync(join(p, 'modules.builtin')))) return installTree(resolve(p));
  }
  return null;
}

/** The image's config: --config, else embedded (IKCONFIG), else a config file where builds and packages put one. */
function findConfig(req: LocalKernelRequest, image: Buffer, release: string, tree: ModuleTree | null): { config: LocalKernelPlan['config']; why: string } {
  if (req.config) {
    try {
      return { config: { text: readFileSync(req.config, 'utf8'), source: `--config ${req.config}` }, why: '' };
    } catch (e) {
      throw new LocalKernelError(`--config ${req.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const emb = embeddedConfig(image);
  if (emb.text !== null) return { config: { text: emb.text, source: 'embedded in the image (IKCONFIG)' }, why: '' };
  const d = dirname(resolve(req.image));
  const buildTree = buildTreeOf(req.image) ?? (tree?.kind === 'build' ? tree.root : null);
  const cands = [
    buildTree ? join(buildTree, '.config') : null,
    join(d, `config-${release}`),
    basename(req.image) === 'vmlinuz' ? join(d, 'config') : null,
    tree?.kind === 'install' ? join(tree.root, 'config') : null,
  ].filter((p): p is string => p !== null);
  for (const p of cands) {
    if (existsSync(p)) return { config: { text: readFileSync(p, 'utf8'), source: p }, why: '' };
  }
  return { config: null, why: `not embedded (${emb.why}), and none of ${cands.join(', ')} exists` };
}

function optionOf(module: string): string {
  return `CONFIG_${GUEST_REQUIREMENTS.find((r) => r.module === module)?.option ?? module}`;
}

/** Reads, identifies and checks a local kernel. Throws LocalKernelError with the exact reason. */
export function planLocalKernel(req: LocalKernelRequest, o: { scratch: boolean }): LocalKernelPlan {
  const path = resolve(req.image);
  let image: Buffer;
  try {
    image = readFileSync(path);
  } catch (e) {
    throw new LocalKernelError(`--kernel-image ${req.image}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let id: ImageIdentity;
  try {
    id = imageIdentity(image, req.image);
  } catch (e) {
    if (e instanceof ImageError) throw new LocalKernelError(e.message);
    throw e;
  }
  if (isElf(image)) {
    if (image.readUInt16LE(0x12) !== 62) throw new LocalKernelError(`${req.image} is not an x86-64 kernel (ELF machine ${image.readUInt16LE(0x12)})`);
    if (!hasPvhNote(image)) {
      throw new LocalKernelError(`${req.image} is a vmlinux without the PVH entry note (CONFIG_PVH), which QEMU needs to boot an ELF kernel: pass the bzImage (arch/x86/boot/bzImage) instead`);
    }
  }
  const warnings: string[] = [];
  const notes: string[] = [];
  const tree = req.modules ? findModuleTree(req.modules, id.release) : discoverModuleTree(path, id.release);
  if (tree && !req.modules) notes.push(`modules from ${tree.root} (next to the image)`);
  const { config, why } = findConfig(req, image, id.release, tree);
  const needed = new Set([...REQUIRED_MODULES, ...(o.scratch ? ['ext4', 'virtio_blk'] : [])]);
  let verdict: ConfigVerdict | null = null;
  if (config) {
    notes.push(`config ${config.source}`);
    verdict = checkGuestConfig(parseKconfig(config.text), o);
    if (verdict.missing.length > 0) {
      throw new LocalKernelError(`${id.release} (${req.image}) cannot run the guest; its config (${config.source}) lacks ${verdict.missing.map((m) => `CONFIG_${m.option}`).join(', ')}: ${describeMissing(verdict.missing)}`);
    }
  } else {
    warnings.push(`no config found for ${req.image} (${why}): what the guest needs cannot be checked before booting; booting anyway (give --config FILE to check)`);
  }
  const asModules = verdict?.asModules ?? [];
  if (!tree) {
    if (asModules.length > 0) {
      throw new LocalKernelError(
        `${id.release} builds ${asModules.map((m) => `${optionOf(m)}=m`).join(', ')} as modules, and no modules were given or found next to the image: pass --modules DIR (a make modules_install INSTALL_MOD_PATH=DIR tree, or the build tree)`,
      );
    }
    if (!verdict) warnings.push('no modules given or found next to the image: everything the guest needs is taken to be built in');
    return { image: path, kind: id.kind, release: id.release, version: id.version, sha256: createHash('sha256').update(image).digest('hex'), config, modules: null, pick: null, builtin: verdict ? verdict.builtIn : [...needed], warnings, notes };
  }
  const builtin = new Set([...(tree.builtin ?? []), ...(verdict?.builtIn ?? [])]);
  const pick = pickGuestModules(tree.files, builtin, { depsMayBeBuiltin: true });
  const absent = [...pick.missing, ...pick.unavailable].filter((m) => needed.has(m));
  if (absent.length > 0) {
    if (verdict || tree.builtin) {
      const what = absent.map((m) => (verdict && asModules.includes(m) ? `${m}.ko (${optionOf(m)}=m)` : `${m} (${optionOf(m)})`)).join(', ');
      throw new LocalKernelError(`${id.release}: ${what} ${absent.length > 1 ? 'are' : 'is'} neither built in nor in ${tree.root}${tree.kind === 'build' ? ' (run make modules)' : ''}`);
    }
    warnings.push(`${absent.join(', ')}: not in ${tree.root} and no config or modules.builtin says whether built in; taken to be built in`);
    for (const m of absent) builtin.add(m);
  }
  for (const name of pick.order) {
    const vm = moduleVermagic(pick.bytes.get(name)!);
    if (vm !== null && vm !== id.release) {
      throw new LocalKernelError(`the modules in ${tree.root} were built for ${vm} (${name}: vermagic ${vm}), but the image is ${id.release}: give the modules of the same build`);
    }
  }
  if (pick.assumedBuiltin.length > 0) notes.push(`dependencies ${pick.assumedBuiltin.join(', ')} are not module files: built in`);
  const wanted = new Set([...REQUIRED_MODULES, ...OPTIONAL_MODULES]);
  return {
    image: path,
    kind: id.kind,
    release: id.release,
    version: id.version,
    sha256: createHash('sha256').update(image).digest('hex'),
    config,
    modules: tree,
    pick,
    builtin: [...builtin].filter((m) => wanted.has(m) && !pick.order.includes(m)),
    warnings,
    notes,
  };
}

/** "6.19.0-rc3-00042-gabc+" → "6.19.0-rc3": what versions sort by. */
export function upstreamOfRelease(release: string): string {
  return /^\d+\.\d+(\.\d+)?(-rc\d+)?/.exec(release)?.[0] ?? release;
}

/**
 * Lays the plan out like a cache entry in `dir` (the image linked, the config and decompressed
 * modules written), so the guest is built and booted the same way as a fetched kernel's.
 */
export function stageLocalKernel(plan: LocalKernelPlan, dir: string): CacheEntry {
  mkdirSync(join(dir, 'modules'), { recursive: true });
  symlinkSync(plan.image, join(dir, 'vmlinuz'));
  if (plan.config) writeFileSync(join(dir, 'config'), plan.config.text);
  const modules = plan.pick ? writeGuestModules(plan.pick, dir) : [];
  return {
    formatVersion: 1,
    abi: plan.release,
    version: upstreamOfRelease(plan.release),
    upstream: upstreamOfRelease(plan.release),
    suites: [],
    layout: 'image',
    packages: [],
    fetchedAt: new Date().toISOString(),
    vmlinuz: 'vmlinuz',
    config: plan.config ? 'config' : null,
    modules,
    builtin: plan.builtin,
    unavailable: plan.pick ? plan.pick.unavailable : [],
    dir,
  };
}
