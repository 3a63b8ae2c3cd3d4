// Under TCG the bzImage's own decompressor is slow (an xz kernel spends ~3 s unpacking itself before
// its clock starts). The host decompresses it in well under a second, and QEMU boots the resulting
// ELF vmlinux directly through its PVH entry point, which Debian kernels have (CONFIG_PVH). Only
// used when the ELF carries the PVH note; otherwise the bzImage boots as usual.
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

interface Codec {
  magic: Buffer;
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
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), decode: viaTool('xz', ['-dc', '--single-stream']) },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), decode: viaTool('zstd', ['-dcq']) },
  {
    magic: Buffer.from([0x1f, 0x8b, 0x08]),
    decode: (d) => {
      try {
        return gunzipSync(d, { finishFlush: 2 /* Z_SYNC_FLUSH: tolerate trailing bytes */ });
      } catch {
        return null;
      }
    },
  },
];

/** The PVH-bootable ELF inside a bzImage, or null (unknown compression, tool missing, no PVH note). */
export function extractVmlinux(bzImage: Buffer): Buffer | null {
  for (const c of CODECS) {
    let at = bzImage.indexOf(c.magic);
    // The magic can occur by chance in the setup code; try a few occurrences.
    for (let tries = 0; at >= 0 && tries < 4; tries++, at = bzImage.indexOf(c.magic, at + 1)) {
      const out = c.decode(bzImage.subarray(at));
      if (out && hasPvhNote(out)) return out;
    }
  }
  return null;
}
