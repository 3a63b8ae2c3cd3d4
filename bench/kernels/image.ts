// What a kernel image from a build tree says about itself, read before it boots: its release (the
// string `uname -r` will print, which names its modules directory) and, when built with IKCONFIG, its
// own configuration.
import { gunzipSync } from 'node:zlib';
import { bzImageHeader, decompressKernel, isElf } from './vmlinux.js';

export interface ImageIdentity {
  kind: 'bzImage' | 'vmlinux';
  /** First word of the version string: "6.19.0-rc3-00042-gabc" (uname -r). */
  release: string;
  /** The whole version string: release, builder, build number, date. */
  version: string;
}

const BANNER = Buffer.from('Linux version ', 'latin1');

/**
 * The banner in a kernel ELF ("Linux version 6.1.0 (user@host) (gcc …) #1 SMP …"). The format string
 * of /proc/version ("%s version %s") is skipped: only a banner whose release starts with a digit counts.
 */
export function bannerOf(elf: Buffer): string | null {
  for (let at = elf.indexOf(BANNER); at >= 0; at = elf.indexOf(BANNER, at + 1)) {
    const start = at + BANNER.length;
    if (!/[0-9]/.test(String.fromCharCode(elf[start] ?? 0))) continue;
    let end = start;
    while (end < elf.length && end - start < 512 && elf[end] !== 0 && elf[end] !== 0x0a) end++;
    return elf.toString('latin1', start, end);
  }
  return null;
}

export class ImageError extends Error {}

/**
 * Release and version string of a bzImage (from the setup header's kernel_version field) or of a
 * vmlinux (its `Linux version` banner). Throws ImageError when the file is neither.
 */
export function imageIdentity(image: Buffer, path: string): ImageIdentity {
  const ident = (kind: ImageIdentity['kind'], version: string): ImageIdentity => ({ kind, version, release: version.split(/\s+/)[0]! });
  if (isElf(image)) {
    const b = bannerOf(image);
    if (!b) throw new ImageError(`${path} is an ELF file without a "Linux version" banner: not a kernel vmlinux`);
    return ident('vmlinux', b);
  }
  const hdr = bzImageHeader(image);
  if (!hdr) throw new ImageError(`${path} is neither a bzImage (no "HdrS" setup header at 0x202) nor an ELF vmlinux`);
  if (hdr.kernelVersion && /^[0-9]/.test(hdr.kernelVersion)) return ident('bzImage', hdr.kernelVersion);
  // Protocols before 2.00 carry no version pointer: read the banner of the decompressed kernel.
  const d = decompressKernel(image);
  const b = d.elf ? bannerOf(d.elf) : null;
  if (!b) throw new ImageError(`${path}: the setup header names no kernel version and ${d.elf ? 'the kernel has no banner' : d.why}`);
  return ident('bzImage', b);
}

const IKCFG_ST = Buffer.from('IKCFG_ST', 'latin1');
const IKCFG_ED = Buffer.from('IKCFG_ED', 'latin1');

/** The config text between IKCFG_ST and IKCFG_ED (a gzip stream), as scripts/extract-ikconfig finds it. */
export function ikconfigIn(buf: Buffer): string | null {
  for (let at = buf.indexOf(IKCFG_ST); at >= 0; at = buf.indexOf(IKCFG_ST, at + 1)) {
    const start = at + IKCFG_ST.length;
    const end = buf.indexOf(IKCFG_ED, start);
    try {
      return gunzipSync(buf.subarray(start, end > start ? end : undefined), { finishFlush: 2 /* Z_SYNC_FLUSH: tolerate trailing bytes */ }).toString('utf8');
    } catch {
      continue; // the marker string itself also occurs outside the blob (in the code that reads it)
    }
  }
  return null;
}

export interface EmbeddedConfig {
  text: string | null;
  /** Why none was found, when none was. */
  why: string | null;
  /** The decompressed kernel, when it had to be decompressed (for the PVH check). */
  elf: Buffer | null;
}

/** The image's own config (CONFIG_IKCONFIG): in the file as it is, else in its decompressed kernel. */
export function embeddedConfig(image: Buffer): EmbeddedConfig {
  const raw = ikconfigIn(image);
  if (raw !== null) return { text: raw, why: null, elf: isElf(image) ? image : null };
  const d = decompressKernel(image);
  if (!d.elf) return { text: null, why: `cannot decompress the image to look for it: ${d.why}`, elf: null };
  const inner = d.elf === image ? null : ikconfigIn(d.elf);
  return { text: inner, why: inner === null ? 'the kernel was built without CONFIG_IKCONFIG' : null, elf: d.elf };
}

