// Local kernels (`kernels run --kernel-image`, `kernels ab`), the parts that need no QEMU: reading an
// image's release and embedded config, checking the config, finding the modules of that release, the
// kernel options in command-line order, and the fail-fast path of the CLI with a fake image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../bench/paths.js';
import { bannerOf, embeddedConfig, ikconfigIn, imageIdentity, ImageError } from '../bench/kernels/image.js';
import { checkGuestConfig, describeMissing, GUEST_REQUIREMENTS, parseKconfig } from '../bench/kernels/kconfig.js';
import { findModuleTree, LocalKernelError, planLocalKernel, stageLocalKernel, upstreamOfRelease } from '../bench/kernels/local.js';
import { bzImageHeader, decompressKernel } from '../bench/kernels/vmlinux.js';
import { kernelRequestsFrom, KernelArgsError, splitAppend, type KernelFlag } from '../bench/kernels/requests.js';
import { isValidSpec } from '../bench/kernels/packages.js';
import { runDirNames } from '../bench/kernels/matrix.js';
import { elfWithModinfo, elfWithNotes } from './helpers/elf.js';

const CLI = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');
const RELEASE = '6.19.0-rc3-00042-gabcdef';

/** Every option the guest needs, =y, or =m where `modules` says so; minus `without`. */
function configText(o: { modules?: string[]; without?: string[] } = {}): string {
  const lines = ['# generated for a test', 'CONFIG_LOCALVERSION=""'];
  for (const r of GUEST_REQUIREMENTS) {
    if (o.without?.includes(r.option)) lines.push(`# CONFIG_${r.option} is not set`);
    else lines.push(`CONFIG_${r.option}=${r.module && o.modules?.includes(r.module) ? 'm' : 'y'}`);
  }
  return lines.join('\n') + '\n';
}

const ikcfg = (text: string): Buffer => Buffer.concat([Buffer.from('IKCFG_ST'), gzipSync(text), Buffer.from('IKCFG_ED')]);

/** A bzImage as far as the boot protocol goes: setup header, version string, payload (`payload` or none), then `tail`. */
function fakeBzImage(o: { version?: string; payload?: Buffer; tail?: Buffer } = {}): Buffer {
  const setupSects = 3;
  const head = Buffer.alloc((setupSects + 1) * 512);
  head[0x1f1] = setupSects;
  head.writeUInt32LE(0x53726448, 0x202); // "HdrS"
  head.writeUInt16LE(0x20f, 0x206);
  const version = o.version ?? `${RELEASE} (dev@box) #7 SMP PREEMPT_DYNAMIC Thu Jan  1 00:00:00 UTC 2026`;
  head.write(version + '\0', 0x400, 'latin1');
  head.writeUInt16LE(0x400 - 0x200, 0x20e);
  const pm = Buffer.alloc(64); // the protected-mode part before the payload
  if (o.payload) {
    head.writeUInt32LE(pm.length, 0x248);
    head.writeUInt32LE(o.payload.length, 0x24c);
  }
  return Buffer.concat([head, pm, o.payload ?? Buffer.alloc(0), o.tail ?? Buffer.alloc(0)]);
}

/** A vmlinux: an x86-64 ELF with (or without) the PVH note, then its banner and `tail`. */
function fakeVmlinux(o: { pvh?: boolean; tail?: Buffer } = {}): Buffer {
  const elf = elfWithNotes(o.pvh === false ? [{ name: 'GNU', type: 3, desc: Buffer.alloc(20) }] : [{ name: 'Xen', type: 18, desc: Buffer.alloc(4) }]);
  const banner = Buffer.from(`%s version %s (%s)\0Linux version ${RELEASE} (dev@box) (gcc 12.2) #7 SMP\n\0`, 'latin1');
  return Buffer.concat([elf, banner, o.tail ?? Buffer.alloc(0)]);
}

/** A module file built for `release` with `depends`. */
function ko(name: string, depends: string[] = [], release = RELEASE): Buffer {
  return elfWithModinfo([`name=${name}`, `depends=${depends.join(',')}`, `vermagic=${release} SMP preempt mod_unload`]);
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-local-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A modules_install tree: DIR/lib/modules/<release>/kernel/… plus modules.builtin. */
function installTree(dir: string, mods: Record<string, string[]>, o: { release?: string; builtin?: string[]; compress?: string[] } = {}): string {
  const root = join(dir, 'mods', 'lib', 'modules', o.release ?? RELEASE);
  mkdirSync(join(root, 'kernel', 'fs'), { recursive: true });
  for (const [name, deps] of Object.entries(mods)) {
    const buf = ko(name, deps, o.release);
    if (o.compress?.includes(name)) writeFileSync(join(root, 'kernel', 'fs', `${name}.ko.gz`), gzipSync(buf));
    else writeFileSync(join(root, 'kernel', 'fs', `${name}.ko`), buf);
  }
  writeFileSync(join(root, 'modules.builtin'), (o.builtin ?? []).map((n) => `kernel/fs/${n}.ko\n`).join(''));
  return join(dir, 'mods');
}

// --- the image --------------------------------------------------------------------------------

test('a bzImage names its release in the setup header; a vmlinux in its banner', () => {
  const bz = fakeBzImage();
  const hdr = bzImageHeader(bz)!;
  assert.equal(hdr.protocol, 0x20f);
  assert.match(hdr.kernelVersion!, /^6\.19\.0-rc3-00042-gabcdef \(dev@box\) #7/);
  assert.deepEqual(imageIdentity(bz, 'bz'), { kind: 'bzImage', release: RELEASE, version: hdr.kernelVersion });
  const vm = fakeVmlinux();
  assert.equal(bannerOf(vm), `${RELEASE} (dev@box) (gcc 12.2) #7 SMP`, 'the /proc/version format string is skipped');
  assert.equal(imageIdentity(vm, 'vm').kind, 'vmlinux');
  assert.equal(imageIdentity(vm, 'vm').release, RELEASE);
  assert.throws(() => imageIdentity(Buffer.from('#!/bin/sh\necho not a kernel\n'.repeat(40)), 'script'), ImageError);
  assert.equal(upstreamOfRelease(RELEASE), '6.19.0-rc3');
  assert.equal(upstreamOfRelease('6.1.0-50-amd64'), '6.1.0');
});

test('the embedded config is found in the raw image and inside a compressed payload', () => {
  const text = configText({ without: ['9P_FS'] });
  // extract-ikconfig's first place: the file as it is (a vmlinux, or a fake bzImage with the blob appended).
  assert.equal(ikconfigIn(fakeBzImage({ tail: ikcfg(text) })), text);
  assert.equal(embeddedConfig(fakeVmlinux({ tail: ikcfg(text) })).text, text);
  // Its second place: the kernel the bzImage payload decompresses to (gzip here; xz and zstd go through their tools).
  const inner = fakeVmlinux({ tail: ikcfg(text) });
  const bz = fakeBzImage({ payload: gzipSync(inner) });
  const d = decompressKernel(bz);
  assert.ok(d.elf && d.elf.equals(inner), 'the payload located by the setup header decompresses to the ELF');
  assert.equal(embeddedConfig(bz).text, text);
  const none = embeddedConfig(fakeBzImage({ payload: gzipSync(fakeVmlinux()) }));
  assert.equal(none.text, null);
  assert.match(none.why!, /without CONFIG_IKCONFIG/);
  assert.match(embeddedConfig(fakeBzImage({ payload: Buffer.from('not compressed at all') })).why!, /no compression fusebench knows/);
});

// --- the config check -------------------------------------------------------------------------

test('the config check names each missing option and what the guest needs it for', () => {
  const ok = checkGuestConfig(parseKconfig(configText({ modules: ['fuse', '9p'] })), { scratch: true });
  assert.deepEqual(ok.missing, []);
  assert.deepEqual(ok.asModules.sort(), ['9p', 'fuse']);
  assert.ok(ok.builtIn.includes('overlay'));
  const cfg = parseKconfig(configText({ without: ['9P_FS', 'NET_9P_VIRTIO', 'SERIAL_8250_CONSOLE'] }) + 'CONFIG_DEVTMPFS=m\n');
  const v = checkGuestConfig(cfg, { scratch: true });
  assert.deepEqual(v.missing.map((m) => m.option), ['DEVTMPFS', 'SERIAL_8250_CONSOLE', 'NET_9P_VIRTIO', '9P_FS']);
  const msg = describeMissing(v.missing);
  assert.match(msg, /CONFIG_9P_FS is not set \(needs y or m: the host's \/ is mounted over 9p\)/);
  assert.match(msg, /CONFIG_DEVTMPFS is m \(needs y:/, 'an option that must be built in is not satisfied by =m');
  assert.ok(!msg.includes('--scratch 0'));
  const noExt4 = checkGuestConfig(parseKconfig(configText({ without: ['EXT4_FS'] })), { scratch: true });
  assert.match(describeMissing(noExt4.missing), /CONFIG_EXT4_FS is not set.*--scratch 0/);
  assert.deepEqual(checkGuestConfig(parseKconfig(configText({ without: ['EXT4_FS'] })), { scratch: false }).missing, [], 'without a scratch disk ext4 is not needed');
});

// --- planning a local kernel ------------------------------------------------------------------

const ALL_MODULES = { virtio_pci: ['virtio'], virtio: [], '9pnet': [], '9pnet_virtio': ['9pnet', 'virtio'], '9p': ['9pnet', 'netfs'], netfs: [], overlay: [], fuse: [], ext4: ['jbd2'], jbd2: [], virtio_blk: ['virtio'] };
const AS_MODULES = ['virtio_pci', '9pnet', '9pnet_virtio', '9p', 'overlay', 'fuse', 'ext4', 'virtio_blk'];

test('a local kernel: release from the image, config embedded, modules from a modules_install tree', () => {
  withDir((dir) => {
    const image = join(dir, 'bzImage');
    writeFileSync(image, fakeBzImage({ tail: ikcfg(configText({ modules: AS_MODULES })) }));
    const mods = installTree(dir, ALL_MODULES, { compress: ['fuse'] });
    const plan = planLocalKernel({ image, modules: mods, config: null }, { scratch: true });
    assert.equal(plan.release, RELEASE);
    assert.equal(plan.config?.source, 'embedded in the image (IKCONFIG)');
    assert.equal(plan.modules?.kind, 'install');
    const order = plan.pick!.order;
    for (const [m, deps] of Object.entries(ALL_MODULES)) for (const d of deps) assert.ok(order.indexOf(d) < order.indexOf(m), `${d} before ${m}`);
    assert.ok(order.includes('fuse'), 'a compressed module (.ko.gz) is found and decompressed');
    assert.deepEqual(plan.warnings, []);
    const staged = stageLocalKernel(plan, join(dir, 'stage'));
    assert.equal(staged.abi, RELEASE);
    assert.equal(staged.config, 'config');
    assert.ok(staged.modules.some((m) => m.name === 'ext4' && m.optional), 'ext4 is shipped as an optional module');
    assert.ok(!staged.modules.some((m) => m.name === 'fuse' && m.optional));
  });
});

test('a local kernel fails fast, naming what is wrong', () => {
  withDir((dir) => {
    const image = join(dir, 'bzImage');
    const mods = installTree(dir, ALL_MODULES);
    // An option the guest needs is not set.
    writeFileSync(image, fakeBzImage({ tail: ikcfg(configText({ modules: AS_MODULES, without: ['9P_FS'] })) }));
    assert.throws(() => planLocalKernel({ image, modules: mods, config: null }, { scratch: true }), (e: Error) => e instanceof LocalKernelError && /lacks CONFIG_9P_FS:/.test(e.message));
    // --config wins over the embedded one.
    const cfg = join(dir, 'my.config');
    writeFileSync(cfg, configText({ modules: AS_MODULES }));
    assert.equal(planLocalKernel({ image, modules: mods, config: cfg }, { scratch: true }).config?.source, `--config ${cfg}`);
    // Modules are needed and none were given or found.
    writeFileSync(image, fakeBzImage({ tail: ikcfg(configText({ modules: ['fuse', '9p'] })) }));
    assert.throws(() => planLocalKernel({ image, modules: null, config: null }, { scratch: true }), /builds CONFIG_9P_FS=m, CONFIG_FUSE_FS=m as modules.*--modules DIR/);
    // A module the config builds as =m is not in the tree.
    const partial = installTree(join(dir, 'p'), { fuse: [] });
    assert.throws(() => planLocalKernel({ image, modules: partial, config: null }, { scratch: true }), /9p\.ko \(CONFIG_9P_FS=m\) is neither built in nor in/);
    // The modules are another build's.
    const other = installTree(join(dir, 'o'), ALL_MODULES, { release: RELEASE });
    const wrong = installTree(join(dir, 'w'), { fuse: [] }, { release: RELEASE });
    writeFileSync(join(wrong, 'lib', 'modules', RELEASE, 'kernel', 'fs', '9p.ko'), ko('9p', [], '6.19.0-rc2'));
    assert.throws(() => planLocalKernel({ image, modules: wrong, config: null }, { scratch: true }), /built for 6\.19\.0-rc2 \(9p: vermagic 6\.19\.0-rc2\), but the image is 6\.19\.0-rc3/);
    assert.ok(planLocalKernel({ image, modules: other, config: null }, { scratch: true }).pick);
    assert.throws(() => findModuleTree(installTree(join(dir, 'x'), {}, { release: '6.18.0' }), RELEASE), /holds modules for 6\.18\.0, but the image is 6\.19/);
    assert.throws(() => findModuleTree(join(dir, 'nonexistent'), RELEASE), /not a directory/);
    // A vmlinux QEMU cannot boot.
    writeFileSync(image, fakeVmlinux({ pvh: false }));
    assert.throws(() => planLocalKernel({ image, modules: null, config: null }, { scratch: true }), /without the PVH entry note \(CONFIG_PVH\)/);
    assert.throws(() => planLocalKernel({ image: join(dir, 'missing'), modules: null, config: null }, { scratch: true }), /ENOENT/);
  });
});

test('a build tree: modules from modules.order, config from .config, found from the image alone', () => {
  withDir((tree) => {
    for (const f of ['Makefile', 'Kconfig', 'MAINTAINERS']) writeFileSync(join(tree, f), '');
    mkdirSync(join(tree, 'arch', 'x86', 'boot'), { recursive: true });
    writeFileSync(join(tree, 'arch', 'x86', 'boot', 'bzImage'), fakeBzImage());
    writeFileSync(join(tree, '.config'), configText({ modules: ['fuse'] }));
    mkdirSync(join(tree, 'fs', 'fuse'), { recursive: true });
    writeFileSync(join(tree, 'fs', 'fuse', 'fuse.ko'), ko('fuse'));
    writeFileSync(join(tree, 'fs', 'fuse', 'stale.ko'), ko('stale', [], 'other')); // not in modules.order: ignored
    writeFileSync(join(tree, 'modules.order'), 'fs/fuse/fuse.o\n');
    const plan = planLocalKernel({ image: join(tree, 'arch', 'x86', 'boot', 'bzImage'), modules: null, config: null }, { scratch: true });
    assert.equal(plan.config?.source, join(tree, '.config'));
    assert.equal(plan.modules?.kind, 'build');
    assert.deepEqual(plan.pick?.order, ['fuse']);
    assert.ok(plan.builtin.includes('9p') && plan.builtin.includes('ext4'), 'the =y options are built in');
  });
});

test('without any config the kernel boots anyway, with a warning saying so', () => {
  withDir((dir) => {
    const image = join(dir, 'vmlinux');
    writeFileSync(image, fakeVmlinux());
    const plan = planLocalKernel({ image, modules: null, config: null }, { scratch: true });
    assert.equal(plan.config, null);
    assert.match(plan.warnings.join('\n'), /no config found .*booting anyway/);
  });
});

// --- the command line ---------------------------------------------------------------------------

test('kernel options belong to the kernel they follow', () => {
  const f = (...pairs: Array<[KernelFlag['flag'], string]>): KernelFlag[] => pairs.map(([flag, value]) => ({ flag, value }));
  const reqs = kernelRequestsFrom(
    f(['append', 'quiet'], ['kernel', '6.1,6.12'], ['append', 'fuse.enable_uring=1'], ['kernel-image', './bzImage'], ['modules', './mods'], ['config', './.config'], ['kernel', 'default']),
    isValidSpec,
  );
  assert.deepEqual(
    reqs.map((r) => [r.kind === 'debian' ? r.spec : r.image, r.append.join(' ')]),
    [
      ['6.1', 'quiet fuse.enable_uring=1'],
      ['6.12', 'quiet fuse.enable_uring=1'],
      ['./bzImage', 'quiet'],
      ['default', 'quiet'],
    ],
  );
  const img = reqs[2]!;
  assert.ok(img.kind === 'local' && img.modules === './mods' && img.config === './.config');
  assert.throws(() => kernelRequestsFrom(f(['kernel', '6.1'], ['modules', 'x']), isValidSpec), /--modules belongs to a --kernel-image/);
  assert.throws(() => kernelRequestsFrom(f(['modules', 'x']), isValidSpec), KernelArgsError);
  assert.throws(() => kernelRequestsFrom(f(['kernel-image', 'a'], ['config', 'x'], ['config', 'y']), isValidSpec), /--config given twice/);
  assert.throws(() => kernelRequestsFrom(f(['kernel', 'latest']), isValidSpec), /not a kernel version/);
  assert.throws(() => splitAppend('init=/bin/sh'), /guest init/);
  assert.deepEqual(splitAppend('  a=1   b '), ['a=1', 'b']);
  assert.deepEqual(runDirNames(['base', 'test', '6.1.0-50-amd64', '6.1.0-50-amd64', 'a b']), ['base', 'test', '6.1.0-50-amd64', '6.1.0-50-amd64-2', 'a_b']);
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, FUSEBENCH_KERNEL_CACHE: join(tmpdir(), 'fusebench-no-such-cache') } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('kernels run and kernels ab stop at once on an image whose config lacks 9p, naming the option', () => {
  withDir((dir) => {
    const image = join(dir, 'bzImage');
    writeFileSync(image, fakeBzImage({ tail: ikcfg(configText({ without: ['9P_FS'] })) }));
    const run = cli(['kernels', 'run', '--kernel-image', image, '--json']);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout, '', '--json prints nothing when there is no run');
    assert.match(run.stderr, /CONFIG_9P_FS is not set \(needs y or m/);
    // The base is a Debian version that is neither cached nor fetched: the image is checked before anything else.
    const ab = cli(['kernels', 'ab', '--base', '6.1', '--test-image', image]);
    assert.equal(ab.status, 1, ab.stderr);
    assert.match(ab.stderr, /lacks CONFIG_9P_FS/);
    assert.ok(!/downloading|booting/.test(ab.stderr), 'nothing was fetched or booted');
    const usage = cli(['kernels', 'ab', '--base', '6.1', '--base-image', image, '--test', '6.1']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /exactly one of --base VERSION and --base-image PATH/);
    assert.equal(cli(['kernels', 'run', '--modules', dir]).status, 2);
  });
});
