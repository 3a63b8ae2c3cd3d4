// The FUSE opcodes by their kernel names, as fusebench-server names them (native/abi/fuse_names.c,
// numbers from native/abi/fuse_abi.h, protocol 7.45). The CLI checks delay specs against this table
// before anything is mounted; test/opcodes.test.ts fails when it and the C table drift apart.

export const FUSE_OPCODES = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  GETLK: 31,
  SETLK: 32,
  SETLKW: 33,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  BMAP: 37,
  DESTROY: 38,
  IOCTL: 39,
  POLL: 40,
  NOTIFY_REPLY: 41,
  BATCH_FORGET: 42,
  FALLOCATE: 43,
  READDIRPLUS: 44,
  RENAME2: 45,
  LSEEK: 46,
  COPY_FILE_RANGE: 47,
  SETUPMAPPING: 48,
  REMOVEMAPPING: 49,
  SYNCFS: 50,
  TMPFILE: 51,
  STATX: 52,
  COPY_FILE_RANGE_64: 53,
} as const;

export type FuseOpcode = keyof typeof FUSE_OPCODES;

export const FUSE_OPCODE_NAMES = Object.keys(FUSE_OPCODES) as FuseOpcode[];

/** The kernel name for NAME in any case, with or without `FUSE_` (as the server accepts it); null if unknown. */
export function opcodeByName(name: string): FuseOpcode | null {
  const n = name.toUpperCase().replace(/^FUSE_/, '');
  return Object.prototype.hasOwnProperty.call(FUSE_OPCODES, n) ? (n as FuseOpcode) : null;
}
