// A private apt: its own sources, lists, cache and status under the kernel cache, selected with
// APT_CONFIG so nothing under /etc/apt is read or written (apt reads APT_CONFIG before its parts
// directory, so pointing Dir::Etc elsewhere there keeps the host's configuration out entirely).
// Used only to list and `apt-get download` kernel packages; nothing is ever installed.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parsePackages, type PackageRecord } from './packages.js';
import { runTool, tail } from './proc.js';

const DEFAULT_SUITES = ['bullseye', 'bookworm', 'bookworm-backports', 'trixie', 'trixie-backports', 'sid', 'experimental'];
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const HOST_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const APT_HELPER = '/usr/lib/apt/apt-helper';

export interface AptSettings {
  suites: string[];
  mirror: string;
  /** Keyring the sources are verified with; a newer one fetched into the cache is added when present. */
  hostKeyring: string;
}

export function aptSettingsFromEnv(): AptSettings {
  const suites = process.env['FUSEBENCH_KERNEL_SUITES'];
  return {
    suites: suites ? suites.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT_SUITES,
    mirror: process.env['FUSEBENCH_DEBIAN_MIRROR'] || DEFAULT_MIRROR,
    hostKeyring: process.env['FUSEBENCH_APT_KEYRING'] || HOST_KEYRING,
  };
}

export interface AptPaths {
  dir: string;
  conf: string;
  etc: string;
  sources: string;
  state: string;
  cache: string;
  status: string;
  keyrings: string;
  privateKeyring: string;
  stamp: string;
}

export function aptPaths(root: string): AptPaths {
  const dir = join(root, 'apt');
  return {
    dir,
    conf: join(dir, 'apt.conf'),
    etc: join(dir, 'etc'),
    sources: join(dir, 'etc', 'sources.list'),
    state: join(dir, 'state'),
    cache: join(dir, 'cache'),
    status: join(dir, 'status'),
    keyrings: join(dir, 'keyrings'),
    privateKeyring: join(dir, 'keyrings', 'debian-archive-keyring.gpg'),
    stamp: join(dir, 'updated'),
  };
}

/** sources.list text: one line per suite, main only, verified with the given keyrings. */
export function sourcesList(s: AptSettings, keyrings: string[]): string {
  const signed = keyrings.join(',');
  return s.suites.map((suite) => `deb [arch=amd64 signed-by=${signed}] ${s.mirror} ${suite} main\n`).join('');
}

/**
 * Host apt settings the private configuration keeps: how to reach the network (proxies, IP family,
 * timeouts) and whether Release files may be past their Valid-Until (a machine pinned to a frozen
 * mirror snapshot turns that check off). Read from `apt-config dump`, never written.
 */
const INHERITED = /^Acquire::(https?::(Proxy|proxy|Timeout|Pipeline-Depth)(::.*)?|ForceIPv4|ForceIPv6|Check-Valid-Until|Check-Date|Max-ValidTime)$/;

/** The inherited `Key "value";` lines from an `apt-config dump` text. */
export function inheritedSettings(dump: string): string[] {
  const out: string[] = [];
  for (const line of dump.split('\n')) {
    const m = /^(\S+)\s+"(.*)";$/.exec(line.trim());
    if (m && INHERITED.test(m[1]!) && m[2] !== '') out.push(`${m[1]} ${JSON.stringify(m[2])};`);
  }
  return out;
}

let hostSettings: string[] | null = null;
function hostAptSettings(): string[] {
  if (hostSettings === null) {
    const env = { ...process.env };
    delete env['APT_CONFIG'];
    const r = spawnSync('apt-config', ['dump'], { encoding: 'utf8', env });
    hostSettings = r.status === 0 ? inheritedSettings(r.stdout) : [];
  }
  return hostSettings;
}

/** apt.conf text that moves every directory apt touches under the private tree. */
export function aptConf(p: AptPaths, root: boolean, inherited: string[] = []): string {
  const q = (v: string): string => JSON.stringify(v);
  const lines = [
    `Dir::Etc ${q(p.etc)};`,
    `Dir::Etc::main "apt.conf";`,
    `Dir::Etc::parts "apt.conf.d";`,
    `Dir::Etc::sourcelist "sources.list";`,
    `Dir::Etc::sourceparts "sources.list.d";`,
    `Dir::Etc::preferences "preferences";`,
    `Dir::Etc::preferencesparts "preferences.d";`,
    `Dir::Etc::trusted "trusted.gpg";`,
    `Dir::Etc::trustedparts "trusted.gpg.d";`,
    `Dir::State ${q(p.state)};`,
    `Dir::State::status ${q(p.status)};`,
    `Dir::Cache ${q(p.cache)};`,
    `Dir::Log ${q(join(p.dir, 'log'))};`,
    `APT::Architecture "amd64";`,
    `APT::Architectures { "amd64"; };`,
    `Acquire::Languages "none";`,
    // Keep the cache small: lists stay compressed (apt-helper cat-file reads them), and the source
    // package cache, a second copy of the binary one, is not written.
    `Acquire::GzipIndexes "true";`,
    `Dir::Cache::srcpkgcache "";`,
    `Acquire::Retries "3";`,
    `Acquire::http::Timeout "60";`,
    // Downloads land in our own directories; apt's _apt sandbox user cannot write there.
    ...(root ? [`APT::Sandbox::User "root";`] : []),
    ...inherited,
  ];
  return lines.join('\n') + '\n';
}

/** Writes the private configuration (idempotent). Returns the environment apt must run with. */
function prepareApt(root: string, s: AptSettings): NodeJS.ProcessEnv {
  const p = aptPaths(root);
  for (const d of [
    p.etc,
    join(p.etc, 'apt.conf.d'),
    join(p.etc, 'sources.list.d'),
    join(p.etc, 'preferences.d'),
    join(p.etc, 'trusted.gpg.d'),
    join(p.state, 'lists', 'partial'),
    join(p.cache, 'archives', 'partial'),
    join(p.dir, 'log'),
    p.keyrings,
  ]) {
    mkdirSync(d, { recursive: true });
  }
  if (!existsSync(p.status)) writeFileSync(p.status, '');
  const keyrings = [s.hostKeyring, ...(existsSync(p.privateKeyring) ? [p.privateKeyring] : [])];
  writeFileSync(p.sources, sourcesList(s, keyrings));
  writeFileSync(p.conf, aptConf(p, process.getuid?.() === 0, hostAptSettings()));
  return { ...process.env, APT_CONFIG: p.conf, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive' };
}

/** Age of the lists in ms, or null when they were never fetched. */
export function listsAgeMs(root: string): number | null {
  const p = aptPaths(root);
  if (!existsSync(p.stamp) || !haveLists(p)) return null;
  return Date.now() - statSync(p.stamp).mtimeMs;
}

function haveLists(p: AptPaths): boolean {
  const lists = join(p.state, 'lists');
  return existsSync(lists) && readdirSync(lists).some((f) => f.includes('_Packages'));
}

/** Suites apt could not verify, from `apt-get update` output. */
export function unverifiedSuites(output: string): string[] {
  const out = new Set<string>();
  for (const line of output.split('\n')) {
    if (!/NO_PUBKEY|EXPKEYSIG|is not signed|could not be verified|invalid signature/i.test(line)) continue;
    const m = /\/debian\s+(\S+)\s+InRelease/.exec(line) ?? /dists\/([^/\s]+)\//.exec(line) ?? /\s([a-z-]+)\s+InRelease/.exec(line);
    if (m) out.add(m[1]!);
  }
  return [...out];
}

export type Log = (line: string) => void;

/**
 * `apt-get update` in the private tree. When some suites fail verification with the host's keyring
 * (a machine older than the suite's signing key), fetch `debian-archive-keyring` from a suite that did
 * verify, keep its keyring in the cache, and update again. Fails only when no list at all is usable.
 */
export async function aptUpdate(root: string, s: AptSettings, log: Log): Promise<void> {
  let env = prepareApt(root, s);
  log(`updating package lists (${s.suites.join(', ')}) from ${s.mirror}`);
  let r = await runTool('apt-get', ['-q', 'update'], { env });
  let output = r.stdout + r.stderr;
  const p = aptPaths(root);
  const bad = unverifiedSuites(output);
  if (bad.length > 0 && !existsSync(p.privateKeyring)) {
    log(`suites ${bad.join(', ')} are signed with keys ${s.hostKeyring} lacks; fetching a newer debian-archive-keyring into the cache`);
    try {
      await fetchNewerKeyring(root, env);
      env = prepareApt(root, s);
      r = await runTool('apt-get', ['-q', 'update'], { env });
      output = r.stdout + r.stderr;
    } catch (e) {
      log(`could not fetch a newer keyring: ${(e as Error).message}`);
    }
  }
  const still = unverifiedSuites(output);
  if (still.length > 0) log(`warning: suites ${still.join(', ')} could not be verified and are ignored`);
  if (!haveLists(p)) {
    throw new Error(`apt-get update (private configuration ${p.conf}) produced no package lists:\n${tail(output, 15)}`);
  }
  if (r.code !== 0) log(`warning: apt-get update exited ${r.code}; using the lists it could fetch:\n${tail(output, 6)}`);
  writeFileSync(p.stamp, new Date().toISOString() + '\n');
}

async function fetchNewerKeyring(root: string, env: NodeJS.ProcessEnv): Promise<void> {
  const p = aptPaths(root);
  const tmp = join(root, 'tmp', `keyring-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const d = await runTool('apt-get', ['-q', 'download', 'debian-archive-keyring'], { env, cwd: tmp });
    if (d.code !== 0) throw new Error(tail(d.stdout + d.stderr, 5));
    const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download left no .deb');
    const x = await runTool('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'x')]);
    if (x.code !== 0) throw new Error(tail(x.stderr, 5));
    const src = join(tmp, 'x', 'usr', 'share', 'keyrings', 'debian-archive-keyring.gpg');
    if (!existsSync(src)) throw new Error(`${deb} holds no usr/share/keyrings/debian-archive-keyring.gpg`);
    copyFileSync(src, p.privateKeyring);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The Packages index files apt holds, with the suite each came from. */
async function packageIndexes(root: string, s: AptSettings): Promise<{ file: string; suite: string }[]> {
  const env = prepareApt(root, s);
  const r = await runTool('apt-get', ['indextargets', '--format', '$(FILENAME)\t$(RELEASE)', 'Identifier: Packages'], { env });
  if (r.code !== 0) throw new Error(`apt-get indextargets failed: ${tail(r.stderr, 5)}`);
  return r.stdout
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f): f is [string, string] => f.length === 2 && f[0] !== '' && existsSync(f[0]))
    .map(([file, suite]) => ({ file, suite }));
}

/** Kernel package records from every index, read through apt-helper (it decompresses lz4/xz/gz). */
export async function readKernelRecords(root: string, s: AptSettings): Promise<PackageRecord[]> {
  const out: PackageRecord[] = [];
  for (const { file, suite } of await packageIndexes(root, s)) {
    out.push(...(await streamStanzas(file, suite)));
  }
  return out;
}

function streamStanzas(file: string, suite: string): Promise<PackageRecord[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(APT_HELPER, ['cat-file', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: PackageRecord[] = [];
    let rest = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    // Whole indexes are tens of MB; keep only complete stanzas that start with a kernel package name.
    const take = (text: string): void => {
      for (const st of text.split('\n\n')) if (st.startsWith('Package: linux-')) out.push(...parsePackages(st, suite));
    };
    child.stdout.on('data', (c: string) => {
      rest += c;
      const cut = rest.lastIndexOf('\n\n');
      if (cut >= 0) {
        take(rest.slice(0, cut));
        rest = rest.slice(cut + 2);
      }
    });
    child.stderr.on('data', (c: string) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`apt-helper cat-file ${file} failed: ${tail(err, 5)}`));
      take(rest);
      resolvePromise(out);
    });
  });
}

/**
 * Downloads exact versions (`name=version`) into `dest` with `apt-get download`, which checks each
 * file's hash against the signed index.
 */
export async function aptDownload(root: string, s: AptSettings, pkgs: { name: string; version: string }[], dest: string, log: Log): Promise<void> {
  const env = prepareApt(root, s);
  mkdirSync(dest, { recursive: true });
  const args = ['-q', 'download', ...pkgs.map((x) => `${x.name}=${x.version}`)];
  const r = await runTool('apt-get', args, { env, cwd: dest, onStdout: (c) => c.split('\n').filter((l) => l.startsWith('Get:')).forEach((l) => log(l.trim())) });
  if (r.code !== 0) throw new Error(`apt-get download failed:\n${tail(r.stderr, 10)}`);
}
