// Kernel matrix: the parts that need no download and no QEMU — archive parsing and version choice,
// module dependencies, the initramfs, the QEMU command line, the guest results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareDebVersions, upstreamOf } from '../bench/kernels/debversion.js';
import { classifyPackage, isValidSpec, kernelCandidates, parsePackages, pickNewest, resolveSpec, specMatches } from '../bench/kernels/packages.js';
import { aptConf, aptPaths, inheritedSettings, sourcesList, unverifiedSuites } from '../bench/kernels/apt.js';
import { aliasCandidates, moduleClosure, moduleDepends, moduleNameOfPath, moduleSoftPre, parseModulesBuiltin, readModinfo } from '../bench/kernels/modules.js';
import { buildCpio, buildInitramfs, commandScript, findBusybox, initScript, isStaticElf, readCpio, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, shQuote } from '../bench/kernels/initramfs.js';
import { kernelCmdline, parseMarker, qemuArgs, qemuEscape } from '../bench/kernels/qemu.js';
import { extractJson, guestResults, type GuestMeta } from '../bench/kernels/results.js';
import { guestArgv, guestEnv } from '../bench/kernels/matrix.js';
import { hasPvhNote } from '../bench/kernels/vmlinux.js';
import { locateKernelFiles, sweepStale } from '../bench/kernels/fetch.js';
import { defaultCacheDir, entryDirName, type CacheEntry } from '../bench/kernels/cache.js';
import { latestPerSeries } from '../bench/cli/commands/kernels.js';
import { defaultSpecs } from '../bench/kernels/resolve.js';
import { elfWithModinfo, elfWithNotes } from './helpers/elf.js';

// --- Debian versions -------------------------------------------------------------------------

test('Debian version ordering', () => {
  const lt = (a: string, b: string): void => {
    assert.ok(compareDebVersions(a, b) < 0, `${a} < ${b}`);
    assert.ok(compareDebVersions(b, a) > 0, `${b} > ${a}`);
  };
  lt('7.3~rc7-1~exp1', '7.3.4-1~bpo13+1');
  lt('7.3~rc7-1~exp1', '7.3-1');
  lt('6.12.94-1~bpo12+1', '6.12.94-1');
  lt('6.1.170-3', '6.1.176-1');
  lt('6.9.0-1', '6.12.0-1');
  lt('1.0~', '1.0');
  lt('1.0', '1.0a');
  lt('1.0a', '1.0+');
  lt('9.9-1', '1:0.1-1');
  lt('6.12.90-1~bpo12+1', '6.12.90-2~bpo12+1');
  assert.equal(compareDebVersions('6.1.176-1', '6.1.176-1'), 0);
  assert.equal(compareDebVersions('1.01', '1.1'), 0);
  const sorted = ['7.3.4-1~bpo13+1', '6.1.176-1', '7.3~rc7-1~exp1', '6.12.107-1', '6.12.94-1~bpo12+1'].sort(compareDebVersions);
  assert.deepEqual(sorted, ['6.1.176-1', '6.12.94-1~bpo12+1', '6.12.107-1', '7.3~rc7-1~exp1', '7.3.4-1~bpo13+1']);
});

test('upstream version of a Debian version', () => {
  assert.equal(upstreamOf('6.1.176-1'), '6.1.176');
  assert.equal(upstreamOf('7.3~rc7-1~exp1'), '7.3-rc7');
  assert.equal(upstreamOf('6.12.94-1~bpo12+1'), '6.12.94');
  assert.equal(upstreamOf('7.3.4+1~bpo13+1'), '7.3.4');
});

// --- the archive's kernel packages ---------------------------------------------------------

test('only generic amd64 kernel packages are kernel packages', () => {
  assert.deepEqual(classifyPackage('linux-image-6.1.0-50-amd64'), { part: 'image', abi: '6.1.0-50-amd64' });
  assert.deepEqual(classifyPackage('linux-binary-7.3.4+deb13-amd64'), { part: 'binary', abi: '7.3.4+deb13-amd64' });
  assert.deepEqual(classifyPackage('linux-binary-unsigned-7.3.4+deb13-amd64'), { part: 'binary-unsigned', abi: '7.3.4+deb13-amd64' });
  assert.deepEqual(classifyPackage('linux-modules-7.3-amd64'), { part: 'modules', abi: '7.3-amd64' });
  assert.deepEqual(classifyPackage('linux-base-6.12.90+deb12.1-amd64'), { part: 'base', abi: '6.12.90+deb12.1-amd64' });
  for (const other of [
    'linux-image-6.1.0-50-cloud-amd64',
    'linux-image-6.12.94+deb13-rt-amd64',
    'linux-image-6.1.0-50-amd64-dbg',
    'linux-image-6.1.0-50-amd64-unsigned',
    'linux-image-amd64',
    'linux-base',
    'linux-headers-6.1.0-50-amd64',
    'linux-image-6.1.0-50-arm64',
  ]) {
    assert.equal(classifyPackage(other), null, other);
  }
});

function stanza(name: string, version: string, fields: Record<string, string> = {}): string {
  const lines = [`Package: ${name}`, `Version: ${version}`, 'Architecture: amd64'];
  lines.push(`Installed-Size: ${fields['Installed-Size'] ?? '100000'}`);
  if (fields['Depends']) lines.push(`Depends: ${fields['Depends']}`);
  lines.push(`Filename: pool/main/l/linux/${name}_${version}_amd64.deb`, `Size: ${fields['Size'] ?? '1000'}`, `SHA256: ${'ab'.repeat(32)}`);
  lines.push('Description: a kernel', ' with a continuation line');
  return lines.join('\n');
}

const BOOKWORM = [
  stanza('linux-image-6.1.0-47-amd64', '6.1.170-3', { Size: '70000000' }),
  stanza('linux-image-6.1.0-50-amd64', '6.1.176-1', { Size: '70305560' }),
  stanza('linux-image-6.1.0-50-cloud-amd64', '6.1.176-1'),
  stanza('hello', '2.10-3'),
].join('\n\n');
const BPO = [
  stanza('linux-image-6.12.94+deb12-amd64', '6.12.94-1~bpo12+1'),
  // 6.19: the image is a metapackage over split parts, and only the binary made it to the archive.
  stanza('linux-image-6.19.14+deb13-amd64', '6.19.14-1~bpo13+1', {
    'Installed-Size': '16',
    Depends: 'kmod, linux-base-6.19.14+deb13-amd64 (= 6.19.14-1~bpo13+1), linux-binary-6.19.14+deb13-amd64 (= 6.19.14-1~bpo13+1), linux-modules-6.19.14+deb13-amd64 (= 6.19.14-1~bpo13+1)',
  }),
  stanza('linux-binary-6.19.14+deb13-amd64', '6.19.14-1~bpo13+1', { Size: '13504740' }),
  stanza('linux-image-7.3.4+deb13-amd64', '7.3.4-1~bpo13+1', { 'Installed-Size': '15', Depends: 'linux-binary-7.3.4+deb13-amd64 (= 7.3.4-1~bpo13+1)' }),
  stanza('linux-binary-unsigned-7.3.4+deb13-amd64', '7.3.4-1~bpo13+1', { Size: '14000000' }),
  stanza('linux-binary-7.3.4+deb13-amd64', '7.3.4-1~bpo13+1', { Size: '14138336' }),
  stanza('linux-modules-7.3.4+deb13-amd64', '7.3.4-1~bpo13+1', { Size: '106862204' }),
  stanza('linux-base-7.3.4+deb13-amd64', '7.3.4-1~bpo13+1', { Size: '1077476' }),
  stanza('linux-binary-7.3.4+deb13-cloud-amd64', '7.3.4-1~bpo13+1'),
].join('\n\n');
const TRIXIE = [stanza('linux-image-6.12.94+deb13-amd64', '6.12.94-1'), stanza('linux-image-6.12.107+deb13-amd64', '6.12.107-1')].join('\n\n');
const EXPERIMENTAL = ['binary', 'modules', 'base'].map((p) => stanza(`linux-${p}-7.3-amd64`, '7.3~rc7-1~exp1')).join('\n\n') + '\n';

function fixture() {
  return kernelCandidates([
    ...parsePackages(BOOKWORM, 'bookworm'),
    ...parsePackages(BPO, 'trixie-backports'),
    ...parsePackages(TRIXIE, 'trixie'),
    ...parsePackages(EXPERIMENTAL, 'experimental'),
  ]);
}

test('Packages stanzas are parsed, keeping kernel packages only', () => {
  const recs = parsePackages(BOOKWORM, 'bookworm');
  assert.deepEqual(
    recs.map((r) => r.name),
    ['linux-image-6.1.0-47-amd64', 'linux-image-6.1.0-50-amd64'],
  );
  const r = recs[1]!;
  assert.equal(r.version, '6.1.176-1');
  assert.equal(r.size, 70305560);
  assert.equal(r.suite, 'bookworm');
  assert.equal(r.filename, 'pool/main/l/linux/linux-image-6.1.0-50-amd64_6.1.176-1_amd64.deb');
  assert.equal(r.sha256, 'ab'.repeat(32));
});

test('kernels group into monolithic images and split 7.x parts; incomplete split kernels are marked', () => {
  const cands = fixture();
  const by = (abi: string) => cands.find((c) => c.abi === abi)!;
  assert.deepEqual(
    cands.map((c) => c.abi),
    ['6.1.0-47-amd64', '6.1.0-50-amd64', '6.12.94+deb12-amd64', '6.12.94+deb13-amd64', '6.12.107+deb13-amd64', '6.19.14+deb13-amd64', '7.3-amd64', '7.3.4+deb13-amd64'],
    'sorted by Debian version, cloud flavour left out',
  );
  const k61 = by('6.1.0-50-amd64');
  assert.equal(k61.layout, 'image');
  assert.equal(k61.complete, true);
  assert.deepEqual(k61.packages.map((p) => p.name), ['linux-image-6.1.0-50-amd64']);
  assert.equal(k61.upstream, '6.1.176');
  const k73 = by('7.3.4+deb13-amd64');
  assert.equal(k73.layout, 'split');
  assert.equal(k73.complete, true);
  assert.deepEqual(
    k73.packages.map((p) => `${p.part}:${p.name}`),
    ['binary:linux-binary-7.3.4+deb13-amd64', 'modules:linux-modules-7.3.4+deb13-amd64', 'base:linux-base-7.3.4+deb13-amd64'],
    'the signed binary is chosen over the unsigned one; the metapackage image is not downloaded',
  );
  assert.equal(k73.downloadBytes, 14138336 + 106862204 + 1077476);
  const k619 = by('6.19.14+deb13-amd64');
  assert.equal(k619.layout, 'split');
  assert.equal(k619.complete, false);
  assert.deepEqual(k619.missing, ['linux-modules-6.19.14+deb13-amd64', 'linux-base-6.19.14+deb13-amd64']);
  assert.deepEqual(by('7.3-amd64').suites, ['experimental']);
  assert.equal(by('7.3-amd64').upstream, '7.3-rc7');
});

test('a version spec resolves to the newest complete kernel it names', () => {
  const cands = fixture();
  const abi = (spec: string): string => resolveSpec(spec, cands).candidate.abi;
  assert.equal(abi('6.1'), '6.1.0-50-amd64');
  assert.equal(abi('6.1.170'), '6.1.0-47-amd64');
  assert.equal(abi('6.1.0-47-amd64'), '6.1.0-47-amd64');
  assert.equal(abi('6.1.170-3'), '6.1.0-47-amd64');
  assert.equal(abi('linux-image-6.1.0-47-amd64'), '6.1.0-47-amd64');
  assert.equal(abi('6.12'), '6.12.107+deb13-amd64', '6.12 does not match 6.1, and picks the newest 6.12');
  assert.equal(abi('6.12.94'), '6.12.94+deb13-amd64', 'trixie 6.12.94-1 is newer than the bookworm backport');
  assert.equal(abi('6.12.94+deb12-amd64'), '6.12.94+deb12-amd64');
  assert.equal(abi('7.3'), '7.3.4+deb13-amd64', 'the release beats the release candidate');
  assert.equal(abi('7'), '7.3.4+deb13-amd64');
  assert.equal(abi('7.3-amd64'), '7.3-amd64');
  assert.throws(() => resolveSpec('6.19', cands), /incomplete in the archive: linux-modules-6\.19\.14\+deb13-amd64/);
  assert.throws(() => resolveSpec('5.10', cands), /no generic amd64 kernel package matches/);
  // A newer, incomplete kernel of the series is skipped with a note.
  const six = resolveSpec('6', cands);
  assert.equal(six.candidate.abi, '6.12.107+deb13-amd64');
  assert.match(six.note ?? '', /6\.19\.14\+deb13-amd64.*linux-modules/);
});

test('spec matching works on dot boundaries and rejects junk', () => {
  const k = { abi: '6.12.107+deb13-amd64', version: '6.12.107-1', upstream: '6.12.107' };
  assert.equal(specMatches('6.12', k), 'series');
  assert.equal(specMatches('6.1', k), null);
  assert.equal(specMatches('6.12.107', k), 'exact');
  assert.equal(specMatches('6.12.10', k), null);
  assert.equal(pickNewest('6.12', [k]), k);
  for (const ok of ['6.1', '7.3', '6.12.94', '6.1.176-1', '7.3.4-1~bpo13+1', '6.1.0-50-amd64', '7.3.4+deb13-amd64', 'linux-image-6.1.0-50-amd64']) assert.ok(isValidSpec(ok), ok);
  for (const bad of ['', 'latest', '6.x', '../etc', '6.1;rm']) assert.ok(!isValidSpec(bad), bad);
});

test('newest complete kernel of each series', () => {
  assert.deepEqual(
    latestPerSeries(fixture()).map((c) => c.abi),
    ['6.1.0-50-amd64', '6.12.107+deb13-amd64', '7.3.4+deb13-amd64'],
  );
});

test('--kernel default: the history of the rules plus the newest, and what the archive lacks said', () => {
  const complete = fixture().filter((c) => c.complete);
  const d = defaultSpecs(complete, 'the test archive');
  assert.deepEqual(d.specs, ['6.1', '6.12', '7.3'], '7.3 is the newest complete series; incomplete 6.19 is not it');
  assert.equal(d.notes.length, 2);
  assert.match(d.notes[0]!, /^5\.10 \(.*\) is not available from the test archive: left out$/);
  assert.match(d.notes[1]!, /^6\.18 /);
  const upTo618 = defaultSpecs([...complete.filter((c) => !c.upstream.startsWith('7.')), { abi: '5.10.0-32-amd64', version: '5.10.223-1', upstream: '5.10.223' }, { abi: '6.18.15+deb13-amd64', version: '6.18.15-1~bpo13+1', upstream: '6.18.15' }], 'x');
  assert.deepEqual(upTo618.specs, ['5.10', '6.1', '6.12', '6.18'], 'no 7.x: the newest is 6.18, already in the set');
  assert.deepEqual(upTo618.notes, ['no 7.x kernel is available from x: the newest is 6.18.15']);
  assert.deepEqual(defaultSpecs([], 'nowhere').specs, []);
});

// --- private apt ---------------------------------------------------------------------------

test('the private apt configuration points every directory at the cache', () => {
  const p = aptPaths('/c');
  const conf = aptConf(p, true, ['Acquire::Check-Valid-Until "false";']);
  for (const line of ['Dir::Etc "/c/apt/etc";', 'Dir::State "/c/apt/state";', 'Dir::Cache "/c/apt/cache";', 'Dir::State::status "/c/apt/status";', 'Dir::Etc::parts "apt.conf.d";', 'APT::Sandbox::User "root";', 'Acquire::Check-Valid-Until "false";']) {
    assert.ok(conf.includes(line), line);
  }
  assert.ok(!conf.includes('/etc/apt'));
  const src = sourcesList({ suites: ['bookworm', 'sid'], mirror: 'http://deb.debian.org/debian', hostKeyring: '/k.gpg' }, ['/k.gpg', '/c/apt/keyrings/new.gpg']);
  assert.equal(
    src,
    'deb [arch=amd64 signed-by=/k.gpg,/c/apt/keyrings/new.gpg] http://deb.debian.org/debian bookworm main\n' +
      'deb [arch=amd64 signed-by=/k.gpg,/c/apt/keyrings/new.gpg] http://deb.debian.org/debian sid main\n',
  );
});

test('host apt settings: only network and validity ones are inherited', () => {
  const dump = [
    'Acquire::Check-Valid-Until "false";',
    'Acquire::http::Proxy "http://proxy:3128/";',
    'Acquire::http::Proxy::deb.debian.org "DIRECT";',
    'Acquire::IndexTargets::deb::DEP-11 "";',
    'Dir::Etc "/etc/apt/";',
    'APT::NeverAutoRemove "";',
  ].join('\n');
  assert.deepEqual(inheritedSettings(dump), [
    'Acquire::Check-Valid-Until "false";',
    'Acquire::http::Proxy "http://proxy:3128/";',
    'Acquire::http::Proxy::deb.debian.org "DIRECT";',
  ]);
});

test('suites that fail verification are recognised in apt-get update output', () => {
  const out = [
    'Err:5 http://deb.debian.org/debian sid InRelease',
    '  The following signatures couldn\'t be verified because the public key is not available: NO_PUBKEY 1234ABCD',
    'W: GPG error: http://deb.debian.org/debian sid InRelease: The following signatures couldn\'t be verified because the public key is not available: NO_PUBKEY 1234ABCD',
    'E: The repository \'http://deb.debian.org/debian experimental InRelease\' is not signed.',
    'Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]',
  ].join('\n');
  assert.deepEqual(unverifiedSuites(out).sort(), ['experimental', 'sid']);
});

test('cache location and entry names', () => {
  const saved = { ...process.env };
  try {
    process.env['FUSEBENCH_KERNEL_CACHE'] = '/x/cache';
    assert.equal(defaultCacheDir(), '/x/cache');
    delete process.env['FUSEBENCH_KERNEL_CACHE'];
    process.env['XDG_CACHE_HOME'] = '/xdg';
    assert.equal(defaultCacheDir(), '/xdg/fusebench/kernels');
  } finally {
    for (const k of ['FUSEBENCH_KERNEL_CACHE', 'XDG_CACHE_HOME']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
  assert.equal(entryDirName('7.3.4+deb13-amd64', '7.3.4-1~bpo13+1'), '7.3.4+deb13-amd64_7.3.4-1_bpo13+1');
});

test('scratch left by killed fetches is swept, live ones are kept', () => {
  const root = mkdtempSync(join(tmpdir(), 'fusebench-kernels-sweep-'));
  try {
    const dead = 2 ** 31 - 2; // above any pid_max
    for (const d of [`tmp/fetch-${dead}-x`, `tmp/fetch-${process.pid}-y`, `tmp/keyring-${dead}`, `k/6.1.0-50-amd64_6.1.176-1.partial-${dead}`, 'k/6.1.0-50-amd64_6.1.176-1']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    sweepStale(root);
    assert.deepEqual(readdirSync(join(root, 'tmp')), [`fetch-${process.pid}-y`]);
    assert.deepEqual(readdirSync(join(root, 'k')), ['6.1.0-50-amd64_6.1.176-1']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('kernel files are found in both package layouts', () => {
  const mono = locateKernelFiles(
    ['boot/vmlinuz-6.1.0-50-amd64', 'boot/config-6.1.0-50-amd64', 'lib/modules/6.1.0-50-amd64/modules.builtin', 'lib/modules/6.1.0-50-amd64/kernel/fs/fuse/fuse.ko'],
    '6.1.0-50-amd64',
  );
  assert.deepEqual(mono, { vmlinuz: 'boot/vmlinuz-6.1.0-50-amd64', config: 'boot/config-6.1.0-50-amd64', modulesDir: 'lib/modules/6.1.0-50-amd64', builtin: 'lib/modules/6.1.0-50-amd64/modules.builtin' });
  const split = locateKernelFiles(
    ['usr/lib/modules/7.3.4+deb13-amd64/vmlinuz', 'usr/lib/modules/7.3.4+deb13-amd64/config', 'usr/lib/modules/7.3.4+deb13-amd64/modules.builtin', 'usr/lib/modules/7.3.4+deb13-amd64/kernel/fs/9p/9p.ko.xz'],
    '7.3.4+deb13-amd64',
  );
  assert.equal(split.vmlinuz, 'usr/lib/modules/7.3.4+deb13-amd64/vmlinuz');
  assert.equal(split.modulesDir, 'usr/lib/modules/7.3.4+deb13-amd64');
  assert.throws(() => locateKernelFiles(['usr/share/doc/x'], '6.19.14+deb13-amd64'), /no vmlinuz/);
});

// --- modules -------------------------------------------------------------------------------


test('module dependencies come from the .modinfo section', () => {
  const ko = elfWithModinfo(['license=GPL', 'depends=9pnet,netfs', 'intree=Y', 'name=9p', 'vermagic=6.1.0-50-amd64 SMP']);
  assert.deepEqual(moduleDepends(ko), ['9pnet', 'netfs']);
  assert.deepEqual(readModinfo(ko).get('name'), ['9p']);
  assert.deepEqual(moduleDepends(elfWithModinfo(['depends=', 'name=virtio_ring'])), []);
  assert.deepEqual(moduleDepends(elfWithModinfo(['name=x', 'depends=virtio-pci-modern-dev'])), ['virtio_pci_modern_dev']);
  assert.throws(() => readModinfo(elfWithModinfo(null)), /no \.modinfo/);
  assert.throws(() => readModinfo(Buffer.from('not an elf at all, not at all, not at all, not at all, not at all')), /not an ELF/);
});

test('module closure: dependencies first, built-ins skipped, missing reported', () => {
  const deps: Record<string, string[]> = {
    '9p': ['9pnet', 'netfs'],
    '9pnet_virtio': ['9pnet', 'virtio', 'virtio_ring'],
    '9pnet': [],
    netfs: ['fscache'],
    fscache: [],
    overlay: [],
    virtio_pci: ['virtio', 'virtio_ring', 'virtio_pci_modern_dev'],
    virtio_pci_modern_dev: [],
  };
  const c = moduleClosure(['virtio_pci', '9pnet_virtio', '9p', 'overlay', 'fuse'], new Set(['virtio', 'virtio_ring', 'fuse']), (n) => deps[n] ?? null);
  assert.deepEqual(c.order, ['virtio_pci_modern_dev', 'virtio_pci', '9pnet', '9pnet_virtio', 'fscache', 'netfs', '9p', 'overlay']);
  for (const [m, ds] of Object.entries(deps)) {
    if (!c.order.includes(m)) continue;
    for (const d of ds) if (c.order.includes(d)) assert.ok(c.order.indexOf(d) < c.order.indexOf(m), `${d} before ${m}`);
  }
  assert.deepEqual(c.builtin.sort(), ['fuse', 'virtio', 'virtio_ring']);
  assert.deepEqual(c.missing, []);
  // Soft dependencies: loaded first when a module provides them (crypto aliases), ignored otherwise.
  const soft = moduleClosure(
    ['ext4'],
    new Set(),
    (n) => ({ ext4: ['jbd2'], jbd2: [], crc32c_generic: [] })[n] ?? null,
    (n) => (n === 'ext4' ? ['crypto_crc32c', 'nonexistent'] : []),
  );
  assert.deepEqual(soft.order, ['jbd2', 'crc32c_generic', 'ext4']);
  assert.deepEqual(soft.missing, []);
  assert.deepEqual(moduleSoftPre(elfWithModinfo(['softdep=pre: crypto-crc32c', 'depends=jbd2'])), ['crypto_crc32c']);
  assert.deepEqual(moduleSoftPre(elfWithModinfo(['softdep=pre: a b post: c'])), ['a', 'b']);
  assert.deepEqual(aliasCandidates('crypto-crc32c'), ['crypto_crc32c', 'crc32c', 'crc32c_generic']);
  const m = moduleClosure(['ext4'], new Set(), (n) => (n === 'ext4' ? ['jbd2'] : null));
  assert.deepEqual(m.missing, ['jbd2']);
  assert.deepEqual(parseModulesBuiltin('kernel/fs/fuse/fuse.ko\nkernel/drivers/virtio/virtio_pci.ko\n'), new Set(['fuse', 'virtio_pci']));
  assert.equal(moduleNameOfPath('usr/lib/modules/7.3.4+deb13-amd64/kernel/fs/9p/9p.ko.xz'), '9p');
  assert.equal(moduleNameOfPath('kernel/drivers/virtio/virtio-mmio.ko.zst'), 'virtio_mmio');
  assert.equal(moduleNameOfPath('kernel/fs/README'), null);
});

// --- initramfs -----------------------------------------------------------------------------

test('cpio newc archives round-trip with 4-byte alignment and a trailer', () => {
  const entries = [
    { path: 'bin', mode: S_IFDIR | 0o755 },
    { path: 'bin/x', mode: S_IFREG | 0o755, data: Buffer.from('abcde') },
    { path: 'bin/sh', mode: S_IFLNK | 0o777, data: Buffer.from('busybox') },
    { path: 'dev/console', mode: S_IFCHR | 0o600, rdev: { major: 5, minor: 1 } },
  ];
  const buf = buildCpio(entries);
  assert.equal(buf.length % 4, 0);
  assert.equal(buf.toString('ascii', 0, 6), '070701');
  assert.ok(buf.includes(Buffer.from('TRAILER!!!\0')));
  const back = readCpio(buf);
  assert.deepEqual(back.map((e) => e.path), ['bin', 'bin/x', 'bin/sh', 'dev/console']);
  assert.equal(back[1]!.data!.toString(), 'abcde');
  assert.equal(back[1]!.mode, S_IFREG | 0o755);
  assert.equal(back[2]!.data!.toString(), 'busybox');
  assert.deepEqual(back[3]!.rdev, { major: 5, minor: 1 });
  assert.deepEqual(buildCpio(entries), buf, 'same input, same bytes');
});

test('the guest command script quotes everything', () => {
  assert.equal(shQuote("it's"), `'it'\\''s'`);
  const s = commandScript({ argv: ['/usr/bin/node', '/work/main/dist/bench/cli/main.js', 'probe', '--only', "a b'c"], cwd: '/work/main', env: { FUSEBENCH_EMULATED: '1', X: 'a $b' } });
  assert.ok(s.includes(`export FUSEBENCH_EMULATED='1'`));
  assert.ok(s.includes(`export X='a $b'`));
  assert.ok(s.includes(`cd '/work/main' || exit 125`));
  assert.ok(s.includes(`exec '/usr/bin/node' '/work/main/dist/bench/cli/main.js' 'probe' '--only' 'a b'\\''c'`));
  assert.throws(() => commandScript({ argv: ['/bin/true'], cwd: '/', env: { 'A-B': '1' } }), /bad environment variable name/);
});

test('the init script loads modules in order, mounts the overlay root and always powers off', () => {
  const s = initScript({ modules: ['virtio_pci', '9pnet', '9p', 'overlay', 'fuse'], hasConfig: true });
  assert.ok(s.startsWith('#!/bin/busybox sh\n'));
  assert.ok(s.includes('for m in virtio_pci 9pnet 9p overlay fuse; do'));
  assert.ok(s.includes('insmod /modules/$m.ko $a') && s.includes('"$n".?*=*'), 'module parameters on the kernel command line reach insmod');
  assert.match(s, /mount -t 9p -o trans=virtio,version=9p2000\.L[^\n]*,ro hostroot \/lower/);
  assert.match(s, /mount -t overlay -o lowerdir=\/lower,upperdir=\/rw\/upper,workdir=\/rw\/work overlay \/newroot/);
  assert.ok(s.includes('fbout $R/run/fusebench-out'));
  assert.ok(s.includes('chroot $R /bin/sh /run/fusebench-cmd.sh >$R/run/fusebench-out/stdout 2>$R/run/fusebench-out/stderr'));
  assert.ok(s.includes('echo $rc >$R/run/fusebench-out/rc'));
  assert.ok(s.includes('cp /config "$R/boot/config-$(uname -r)"'));
  assert.ok(s.trimEnd().endsWith('off'), 'ends in poweroff');
  assert.ok(s.includes('mount -t tmpfs -o mode=1777 scratch $R/run/fusebench-scratch/tmp'), 'without a scratch disk TMPDIR is a tmpfs');
  assert.ok(!s.includes('$R/tmp'), "the host's /tmp (where a checkout may live) is never shadowed");
  const sc = initScript({ modules: ['fuse', 'optional/ext4'], hasConfig: false, scratch: true });
  assert.ok(sc.includes('S=$R/run/fusebench-scratch') && sc.includes('mount -t ext4 -o noinit_itable /dev/vda $S'));
  assert.ok(sc.includes('mkdir -p $S/tmp') && !sc.includes('$R/tmp'), "the scratch disk holds TMPDIR and leaves the host's /tmp visible");
  assert.ok(sc.indexOf('mount -t tmpfs -o mode=0755 run $R/run') < sc.indexOf('mount -t ext4'), '/run exists before the scratch mount point is made in it');
  const probe = initScript({ modules: [], hasConfig: false, probeOnly: true });
  assert.ok(probe.includes('say "probe-ok'));
  assert.ok(!probe.includes('chroot'));
});

test('initramfs with busybox-static, modules, config and command', (t) => {
  const busybox = findBusybox();
  if (!busybox) {
    process.stdout.write('SKIP: busybox-static is not installed (apt-get install busybox-static)\n');
    if (process.env['FUSEBENCH_REQUIRE_TOOLS'] === '1') assert.fail('busybox-static missing and FUSEBENCH_REQUIRE_TOOLS=1');
    t.skip('busybox-static missing');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-kernels-test-'));
  try {
    mkdirSync(join(dir, 'modules'));
    writeFileSync(join(dir, 'modules', 'fuse.ko'), 'KO');
    writeFileSync(join(dir, 'modules', 'ext4.ko'), 'EXT4');
    writeFileSync(join(dir, 'config'), 'CONFIG_FUSE_FS=m\n');
    writeFileSync(join(dir, 'vmlinuz'), 'K');
    const entry: CacheEntry = {
      formatVersion: 1, abi: '6.1.0-50-amd64', version: '6.1.176-1', upstream: '6.1.176', suites: ['bookworm'], layout: 'image', packages: [], fetchedAt: '',
      vmlinuz: 'vmlinuz', config: 'config', modules: [{ name: 'fuse', file: 'modules/fuse.ko' }, { name: 'ext4', file: 'modules/ext4.ko', optional: true }], builtin: [], unavailable: [], dir,
    };
    const cpio = readCpio(buildInitramfs({ busybox, entry, command: { argv: ['/bin/true'], cwd: '/', env: {} } }));
    const by = new Map(cpio.map((e) => [e.path, e]));
    assert.ok(isStaticElf(by.get('bin/busybox')!.data!), 'busybox is statically linked');
    assert.equal(by.get('bin/busybox')!.mode & 0o111, 0o111);
    assert.equal(by.get('modules/fuse.ko')!.data!.toString(), 'KO');
    assert.equal(by.get('config')!.data!.toString(), 'CONFIG_FUSE_FS=m\n');
    const init = by.get('init')!.data!.toString();
    assert.ok(init.includes('for m in fuse; do'), 'only the needed modules are loaded');
    assert.equal(by.get('modules/optional/ext4.ko')!.data!.toString(), 'EXT4');
    assert.ok(init.includes('cp /modules/optional/*.ko') && init.includes('echo ext4 >"$X/load-order"') && init.includes('load.sh'), 'optional ones are shipped to the guest');
    assert.ok(by.get('cmd.sh')!.data!.toString().includes(`exec '/bin/true'`));
    assert.equal(by.get('dev/console')!.mode & 0o170000, S_IFCHR);
    const withDisk = readCpio(buildInitramfs({ busybox, entry, command: { argv: ['/bin/true'], cwd: '/', env: {} }, scratch: true }));
    assert.ok(withDisk.find((e) => e.path === 'init')!.data!.toString().includes('for m in fuse optional/ext4; do'), 'a scratch disk loads ext4 at boot');
    const probe = readCpio(buildInitramfs({ busybox, entry: null, command: null, probeOnly: true }));
    assert.ok(!probe.some((e) => e.path.startsWith('modules/') && e.path.endsWith('.ko')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- QEMU ----------------------------------------------------------------------------------

test('QEMU command line: TCG, 9p host root read-only, writable output share', () => {
  const args = qemuArgs({
    accel: 'tcg',
    kernel: '/c/k/vmlinuz',
    initrd: '/tmp/i.cpio',
    memMiB: 3072,
    smp: 2,
    shares: [
      { tag: 'hostroot', path: '/', readonly: true },
      { tag: 'fbout', path: '/out/a,b', readonly: false },
    ],
  });
  const after = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
  assert.deepEqual(after('-accel'), ['tcg']);
  assert.deepEqual(after('-cpu'), ['max']);
  assert.deepEqual(after('-smp'), ['2']);
  assert.deepEqual(after('-m'), ['3072M']);
  assert.deepEqual(after('-kernel'), ['/c/k/vmlinuz']);
  assert.deepEqual(after('-initrd'), ['/tmp/i.cpio']);
  for (const f of ['-nographic', '-no-reboot', '-nodefaults']) assert.ok(args.includes(f), f);
  assert.deepEqual(after('-virtfs'), [
    'local,path=/,mount_tag=hostroot,security_model=none,multidevs=remap,readonly=on',
    'local,path=/out/a,,b,mount_tag=fbout,security_model=none,multidevs=remap',
  ]);
  const cmdline = after('-append')[0]!;
  assert.ok(cmdline.includes('console=ttyS0') && cmdline.includes('panic=-1'));
  assert.equal(kernelCmdline(['x=1']).split(' ').at(-1), 'x=1');
  assert.equal(qemuEscape('a,b,,c'), 'a,,b,,,,c');
  assert.deepEqual(after('-drive'), []);
  const disk = qemuArgs({ accel: 'tcg', kernel: 'k', initrd: 'i', memMiB: 512, smp: 1, shares: [], disks: ['/tmp/s.img'] });
  assert.deepEqual(disk.filter((_, i) => disk[i - 1] === '-drive'), ['file=/tmp/s.img,if=virtio,format=raw,cache=unsafe']);
  const kvm = qemuArgs({ accel: 'kvm', kernel: 'k', initrd: 'i', memMiB: 512, smp: 1, shares: [] });
  assert.equal(kvm[kvm.indexOf('-cpu') + 1], 'host');
  assert.ok(!kvm.includes('-virtfs'));
});

test('console markers', () => {
  assert.deepEqual(parseMarker('@@fusebench-guest ready 6.99 @@'), { kind: 'ready', args: ['6.99'] });
  assert.deepEqual(parseMarker('\x1bc\x1b[2J@@fusebench-guest init 4.48 7.3.4+deb13-amd64 @@\r'), { kind: 'init', args: ['4.48', '7.3.4+deb13-amd64'] });
  assert.deepEqual(parseMarker('@@fusebench-guest fail cannot mount the overlay root @@'), { kind: 'fail', args: ['cannot', 'mount', 'the', 'overlay', 'root'] });
  assert.equal(parseMarker('[    4.171482] Run /init as init process'), null);
});


test('direct boot needs the PVH note', () => {
  const entry = Buffer.alloc(4);
  assert.equal(hasPvhNote(elfWithNotes([{ name: 'GNU', type: 3, desc: Buffer.alloc(20) }, { name: 'Xen', type: 18, desc: entry }])), true);
  assert.equal(hasPvhNote(elfWithNotes([{ name: 'Xen', type: 1, desc: entry }])), false);
  assert.equal(hasPvhNote(Buffer.from('MZ not an ELF')), false);
});

// --- guest command and results -------------------------------------------------------------

test('guest argv and environment', () => {
  assert.deepEqual(guestArgv(['probe', '--json'], null, '/usr/bin/node', '/m.js'), ['/usr/bin/node', '/m.js', 'probe', '--json']);
  assert.deepEqual(guestArgv(['run', '--quick'], null, '/usr/bin/node', '/m.js'), ['/usr/bin/node', '/m.js', 'run', '--quick', '--out', '/run/fusebench-out/run', '--backing', '/run/fusebench-scratch/tmp/fusebench-backing']);
  assert.deepEqual(guestArgv(['run', '--backing', '/x'], null, 'n', 'm').slice(2), ['run', '--backing', '/x', '--out', '/run/fusebench-out/run']);
  assert.throws(() => guestArgv(['run', '--out=x'], null, 'n', 'm'), /drop --out/);
  assert.deepEqual(guestArgv(null, 'uname -r', 'n', 'm'), ['/bin/sh', '-c', 'uname -r']);
  const env = guestEnv('tcg', { A: '1' }, { FUSEBENCH_REQUIRE_TOOLS: '1', FUSEBENCH_KERNEL_CACHE: '/c', FUSEBENCH_EMULATED: '0', SECRET: 'x' });
  assert.equal(env['FUSEBENCH_EMULATED'], '1');
  assert.equal(env['FUSEBENCH_GUEST_SCRATCH'], '/run/fusebench-scratch');
  assert.equal(env['TMPDIR'], '/run/fusebench-scratch/tmp');
  assert.equal(env['FUSEBENCH_REQUIRE_TOOLS'], '1');
  assert.equal(env['A'], '1');
  assert.equal(env['FUSEBENCH_KERNEL_CACHE'], undefined);
  assert.equal(env['SECRET'], undefined, 'the host environment does not leak in');
  assert.equal(guestEnv('kvm', {}, {})['FUSEBENCH_EMULATED'], '0');
});

const META: GuestMeta = {
  abi: '6.1.0-50-amd64', debVersion: '6.1.176-1', upstream: '6.1.176', suites: ['bookworm'], packages: ['linux-image-6.1.0-50-amd64=6.1.176-1'],
  accel: 'tcg', qemu: 'QEMU 7.2', memMiB: 3072, smp: 2, command: ['probe', '--json'], bootMs: 9000, commandMs: 50000, exitCode: 1,
};
const HOST = { kernelRelease: '6.1.0-50-amd64', kernelVersion: '#1 SMP Debian 6.1.176-1', emulated: false, cpu: 'QEMU TCG CPU' };
const FUSE = { protocol: '7.38', initOffered: ['ASYNC_READ'], initNegotiated: ['ASYNC_READ'] };
const TIMES = { startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z' };

test('probe output becomes a results document marked emulated, with the guest recorded', () => {
  const probe = { host: HOST, fuse: FUSE, probes: [{ id: 'passthrough-read-bypass', rule: 'r', expected: 'e', observed: 'o', verdict: 'unsupported', changedIn: '6.9' }] };
  const doc = guestResults('fusebench: a progress line\n' + JSON.stringify(probe, null, 2), undefined, META, TIMES);
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.host.kernelRelease, '6.1.0-50-amd64');
  assert.equal(doc.host.emulated, true, 'TCG guests are emulated whatever the guest reported');
  assert.equal(doc.probes.length, 1);
  assert.deepEqual(doc.cells, []);
  assert.deepEqual((doc.config?.['guest'] as GuestMeta).debVersion, '6.1.176-1');
  assert.equal(doc.startedAt, TIMES.startedAt);
  const env = guestResults(JSON.stringify({ tool: { name: 'fusebench', version: '9.9.9' }, host: HOST, fuse: FUSE, ioUring: {}, error: null }), undefined, { ...META, accel: 'kvm' }, TIMES);
  assert.deepEqual(env.probes, []);
  assert.equal(env.tool.version, '9.9.9');
  assert.equal(env.host.emulated, false, 'KVM keeps what the guest said');
  assert.throws(() => guestResults('6.1.0-50-amd64\n', undefined, META, TIMES), /no results document/);
  assert.throws(() => guestResults(JSON.stringify({ host: { kernelRelease: 5 }, fuse: FUSE }), undefined, META, TIMES), /invalid field host/);
});

test('a run results.json from the share is kept, with the guest added', () => {
  const run = {
    schemaVersion: 1, tool: { name: 'fusebench', version: '0.1.0' }, startedAt: 'a', finishedAt: 'b', interrupted: false, loop: 'closed',
    host: HOST, fuse: FUSE, config: { preset: 'quick' }, cells: [], probes: [],
  };
  const doc = guestResults('summary table, not JSON\n', run, META, TIMES);
  assert.equal(doc.startedAt, 'a');
  assert.equal(doc.config?.['preset'], 'quick');
  assert.ok(doc.config?.['guest']);
  assert.equal(doc.host.emulated, true);
});

test('JSON is found after progress lines', () => {
  assert.deepEqual(extractJson('{"a":1}'), { a: 1 });
  assert.deepEqual(extractJson('line\nother\n{\n  "a": {"b": 2}\n}\n'), { a: { b: 2 } });
  assert.equal(extractJson('no json here'), undefined);
  assert.equal(extractJson(''), undefined);
});
