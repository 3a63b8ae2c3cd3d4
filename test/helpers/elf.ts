// Small ELF files built in memory: kernel modules (.modinfo) and kernels (PT_NOTE), for tests of the
// parts of `kernels` that read them.

/** A minimal ELF64 relocatable with a .shstrtab and, optionally, a .modinfo section. */
export function elfWithModinfo(modinfo: string[] | null): Buffer {
  const shstr = Buffer.from('\0.shstrtab\0.modinfo\0', 'latin1');
  const info = Buffer.from(modinfo ? modinfo.join('\0') + '\0' : '', 'utf8');
  const shstrOff = 64;
  const infoOff = shstrOff + shstr.length;
  const shoff = (infoOff + info.length + 7) & ~7;
  const shnum = modinfo ? 3 : 2;
  const buf = Buffer.alloc(shoff + shnum * 64);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2;
  buf[5] = 1;
  buf[6] = 1;
  buf.writeUInt16LE(1, 0x10); // ET_REL
  buf.writeUInt16LE(62, 0x12); // x86-64
  buf.writeBigUInt64LE(BigInt(shoff), 0x28);
  buf.writeUInt16LE(64, 0x34);
  buf.writeUInt16LE(64, 0x3a);
  buf.writeUInt16LE(shnum, 0x3c);
  buf.writeUInt16LE(1, 0x3e);
  shstr.copy(buf, shstrOff);
  info.copy(buf, infoOff);
  const sect = (i: number, name: number, type: number, off: number, size: number): void => {
    const b = shoff + i * 64;
    buf.writeUInt32LE(name, b);
    buf.writeUInt32LE(type, b + 4);
    buf.writeBigUInt64LE(BigInt(off), b + 0x18);
    buf.writeBigUInt64LE(BigInt(size), b + 0x20);
  };
  sect(1, 1, 3, shstrOff, shstr.length);
  if (modinfo) sect(2, 11, 1, infoOff, info.length);
  return buf;
}

/** ELF64 executable with one PT_NOTE holding the given notes. */
export function elfWithNotes(notes: { name: string; type: number; desc: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  for (const n of notes) {
    const name = Buffer.from(n.name + '\0', 'latin1');
    const h = Buffer.alloc(12);
    h.writeUInt32LE(name.length, 0);
    h.writeUInt32LE(n.desc.length, 4);
    h.writeUInt32LE(n.type, 8);
    const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
    parts.push(h, pad(name), pad(n.desc));
  }
  const note = Buffer.concat(parts);
  const buf = Buffer.alloc(64 + 56 + note.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2;
  buf[5] = 1;
  buf.writeUInt16LE(2, 0x10);
  buf.writeUInt16LE(62, 0x12); // x86-64
  buf.writeBigUInt64LE(64n, 0x20);
  buf.writeUInt16LE(56, 0x36);
  buf.writeUInt16LE(1, 0x38);
  buf.writeUInt32LE(4, 64); // PT_NOTE
  buf.writeBigUInt64LE(120n, 64 + 0x08);
  buf.writeBigUInt64LE(BigInt(note.length), 64 + 0x20);
  note.copy(buf, 120);
  return buf;
}
