// Under TCG the bzImage's own decompressor is slow (an xz kernel spends ~3 s unpacking itself before
// its clock starts). The host decompresses it in well under a second, and QEMU boots the resulting
// ELF vmlinux directly through its PVH entry point, which Debian kernels have (CONFIG_PVH). Only
// used when the ELF carries the PVH note; otherwise the bzImage boots as usual. The same
// decompression lets a local kernel's embedded config (IKCONFIG) be read before it boots.
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';

const PT_NOTE = 4;
/** XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit entry point QEMU's PVH loader looks for. */
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/** True for an ELF64 executable with a "Xen" PHYS32_ENTRY note (bootable by QEMU as PVH). */
export function hasPvhNote(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > elf.length) return false;
    if (elf.readUInt32LE(ph) !== PT_NOTE) continue;
    const off = Number(elf.readBigUInt64LE(ph + 0x08));
    const size = Number(elf.readBigUInt64LE(ph + 0x20));
    let p = off;
    const end = Math.min(off + size, elf.length);
    while (p + 12 <= end) {
      const namesz = elf.readUInt32LE(p);
      const descsz = elf.readUInt32LE(p + 4);
      const type = elf.readUInt32LE(p + 8);
      const name = elf.toString('latin1', p + 12, p + 12 + Math.max(0, namesz - 1));
      if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      p += 12 + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** The parts of the x86 boot protocol's setup header that say what a bzImage holds. */
export interface SetupHeader {
  /** Boot protocol version, e.g. 0x20f. */
  protocol: number;
  /** The string the header's kernel_version field points to ("6.1.0-50-amd64 (debian-kernel@…) #1 SMP …"). */
  kernelVersion: string | null;
  /** Where the compressed kernel starts in the file and how long it is (protocol 2.08+). */
  payload: { offset: number; length: number } | null;
}

const HDRS = 0x53726448; // "HdrS", little-endian at 0x202

/** The setup header of a bzImage, or null when `buf` is not one. */
export function bzImageHeader(buf: Buffer): SetupHeader | null {
  if (buf.length < 0x250 || buf.readUInt32LE(0x202) !== HDRS) return null;
  const protocol = buf.readUInt16LE(0x206);
  const setupSects = buf[0x1f1] || 4; // 0 means 4 (the oldest loaders' convention)
  // kernel_version: a pointer, less 0x200, to a NUL-terminated string in the setup code.
  const kv = buf.readUInt16LE(0x20e);
  let kernelVersion: string | null = null;
  if (kv !== 0 && kv + 0x200 < buf.length) {
    const start = kv + 0x200;
    const end = buf.indexOf(0, start);
    if (end > start) kernelVersion = buf.toString('latin1', start, end);
  }
  let payload: SetupHeader['payload'] = null;
  if (protocol >= 0x208) {
    const offset = (setupSects + 1) * 512 + buf.readUInt32LE(0x248);
    const length = buf.readUInt32LE(0x24c);
    if (length > 0 && offset + length <= buf.length) payload = { offset, length };
  }
  return { protocol, kernelVersion, payload };
}

export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46;
}

interface Codec {
  name: string;
  magic: Buffer;
  /** The outside tool that decodes it (null: zlib, built into Node). */
  tool: string | null;
  decode: (data: Buffer) => Buffer | null;
}

/**
 * Runs a decompressor on `data`. Its exit status and write errors are ignored: the bytes after the
 * compressed stream are normal in a bzImage, and xz --single-stream may exit before reading them
 * (EPIPE on our side). What it printed is judged by the caller (an ELF with the PVH note, or nothing).
 */
function viaTool(cmd: string, args: string[]): (data: Buffer) => Buffer | null {
  return (data) => {
    const r = spawnSync(cmd, args, { input: data, maxBuffer: 1 << 30 });
    const out = r.stdout as Buffer | null;
    return out && out.length > 0 ? out : null;
  };
}

const CODECS: Codec[] = [
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: 'xz', decode: viaTool('xz', ['-dc', '--single-stream']) },
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: 'zstd', decode: viaTool('zstd', ['-dcq']) },
  {
    name: 'gzip',
    magic: Buffer.from([0x1f, 0x8b, 0x08]),
    tool: null,
    decode: (d) => {
      try {
        return gunzipSync(d, { finishFlush: 2 /* Z_SYNC_FLUSH: tolerate trailing bytes */ });
      } catch {
        return null;
      }
    },
  },
  // The rarer CONFIG_KERNEL_* choices of self-built kernels; only ever tried at the payload offset the
  // setup header gives (their magics are too short to scan for).
  { name: 'lzma', magic: Buffer.from([0x5d, 0x00, 0x00]), tool: 'xz', decode: viaTool('xz', ['-dc', '--format=lzma']) },
  { name: 'bzip2', magic: Buffer.from('BZh', 'latin1'), tool: 'bzip2', decode: viaTool('bzip2', ['-dc']) },
  { name: 'lz4', magic: Buffer.from([0x02, 0x21, 0x4c, 0x18]), tool: 'lz4', decode: viaTool('lz4', ['-dc']) },
  { name: 'lzo', magic: Buffer.from([0x89, 0x4c, 0x5a, 0x4f]), tool: 'lzop', decode: viaTool('lzop', ['-dc']) },
];
const SCANNABLE = new Set(['xz', 'zstd', 'gzip']);

export type Decompressed = { elf: Buffer; format: string } | { elf: null; why: string };

/**
 * The kernel ELF inside an image: the image itself when it is one (a vmlinux), else the bzImage's
 * payload, found through the setup header and decoded by its magic; images without a usable header
 * are scanned for an xz, zstd or gzip stream that decodes to an ELF.
 */
export function decompressKernel(image: Buffer): Decompressed {
  if (isElf(image)) return { elf: image, format: 'none (an ELF vmlinux)' };
  const hdr = bzImageHeader(image);
  if (hdr?.payload) {
    const data = image.subarray(hdr.payload.offset, hdr.payload.offset + hdr.payload.length);
    const c = CODECS.find((x) => data.subarray(0, x.magic.length).equals(x.magic));
    if (!c) return { elf: null, why: `the bzImage payload starts with ${data.subarray(0, 4).toString('hex')}, no compression fusebench knows` };
    const out = c.decode(data);
    if (out && isElf(out)) return { elf: out, format: c.name };
    return { elf: null, why: `the ${c.name} payload did not decompress to an ELF${c.tool ? ` (is ${c.tool} installed?)` : ''}` };
  }
  for (const c of CODECS.filter((x) => SCANNABLE.has(x.name))) {
    let at = image.indexOf(c.magic);
    // The magic can occur by chance in the setup code; try a few occurrences.
    for (let tries = 0; at >= 0 && tries < 4; tries++, at = image.indexOf(c.magic, at + 1)) {
      const out = c.decode(image.subarray(at));
      if (out && isElf(out)) return { elf: out, format: c.name };
    }
  }
  return { elf: null, why: 'no setup header with a payload, and no xz, zstd or gzip stream that decompresses to an ELF' };
}

/** The PVH-bootable ELF inside a bzImage, or null (unknown compression, tool missing, no PVH note). */
export function extractVmlinux(bzImage: Buffer): Buffer | null {
  const d = decompressKernel(bzImage);
  return d.elf && hasPvhNote(d.elf) ? d.elf : null;
}
