/* Name tables for fuse_names.h. Compiled through native/server/abi_names.c (and by the addon the same
 * way if it wants them), because binding.gyp builds only native/server/ and native/addon/. */
#include "fuse_names.h"
#include "fuse_abi.h"

#include <stddef.h>
#include <strings.h>

static const char *const opcode_names[FUSE_OPCODE_END] = {
	[FUSE_LOOKUP] = "LOOKUP",
	[FUSE_FORGET] = "FORGET",
	[FUSE_GETATTR] = "GETATTR",
	[FUSE_SETATTR] = "SETATTR",
	[FUSE_READLINK] = "READLINK",
	[FUSE_SYMLINK] = "SYMLINK",
	[FUSE_MKNOD] = "MKNOD",
	[FUSE_MKDIR] = "MKDIR",
	[FUSE_UNLINK] = "UNLINK",
	[FUSE_RMDIR] = "RMDIR",
	[FUSE_RENAME] = "RENAME",
	[FUSE_LINK] = "LINK",
	[FUSE_OPEN] = "OPEN",
	[FUSE_READ] = "READ",
	[FUSE_WRITE] = "WRITE",
	[FUSE_STATFS] = "STATFS",
	[FUSE_RELEASE] = "RELEASE",
	[FUSE_FSYNC] = "FSYNC",
	[FUSE_SETXATTR] = "SETXATTR",
	[FUSE_GETXATTR] = "GETXATTR",
	[FUSE_LISTXATTR] = "LISTXATTR",
	[FUSE_REMOVEXATTR] = "REMOVEXATTR",
	[FUSE_FLUSH] = "FLUSH",
	[FUSE_INIT] = "INIT",
	[FUSE_OPENDIR] = "OPENDIR",
	[FUSE_READDIR] = "READDIR",
	[FUSE_RELEASEDIR] = "RELEASEDIR",
	[FUSE_FSYNCDIR] = "FSYNCDIR",
	[FUSE_GETLK] = "GETLK",
	[FUSE_SETLK] = "SETLK",
	[FUSE_SETLKW] = "SETLKW",
	[FUSE_ACCESS] = "ACCESS",
	[FUSE_CREATE] = "CREATE",
	[FUSE_INTERRUPT] = "INTERRUPT",
	[FUSE_BMAP] = "BMAP",
	[FUSE_DESTROY] = "DESTROY",
	[FUSE_IOCTL] = "IOCTL",
	[FUSE_POLL] = "POLL",
	[FUSE_NOTIFY_REPLY] = "NOTIFY_REPLY",
	[FUSE_BATCH_FORGET] = "BATCH_FORGET",
	[FUSE_FALLOCATE] = "FALLOCATE",
	[FUSE_READDIRPLUS] = "READDIRPLUS",
	[FUSE_RENAME2] = "RENAME2",
	[FUSE_LSEEK] = "LSEEK",
	[FUSE_COPY_FILE_RANGE] = "COPY_FILE_RANGE",
	[FUSE_SETUPMAPPING] = "SETUPMAPPING",
	[FUSE_REMOVEMAPPING] = "REMOVEMAPPING",
	[FUSE_SYNCFS] = "SYNCFS",
	[FUSE_TMPFILE] = "TMPFILE",
	[FUSE_STATX] = "STATX",
	[FUSE_COPY_FILE_RANGE_64] = "COPY_FILE_RANGE_64",
};

static const char *const init_names[FUSE_INIT_BITS] = {
	[0] = "ASYNC_READ",
	[1] = "POSIX_LOCKS",
	[2] = "FILE_OPS",
	[3] = "ATOMIC_O_TRUNC",
	[4] = "EXPORT_SUPPORT",
	[5] = "BIG_WRITES",
	[6] = "DONT_MASK",
	[7] = "SPLICE_WRITE",
	[8] = "SPLICE_MOVE",
	[9] = "SPLICE_READ",
	[10] = "FLOCK_LOCKS",
	[11] = "HAS_IOCTL_DIR",
	[12] = "AUTO_INVAL_DATA",
	[13] = "DO_READDIRPLUS",
	[14] = "READDIRPLUS_AUTO",
	[15] = "ASYNC_DIO",
	[16] = "WRITEBACK_CACHE",
	[17] = "NO_OPEN_SUPPORT",
	[18] = "PARALLEL_DIROPS",
	[19] = "HANDLE_KILLPRIV",
	[20] = "POSIX_ACL",
	[21] = "ABORT_ERROR",
	[22] = "MAX_PAGES",
	[23] = "CACHE_SYMLINKS",
	[24] = "NO_OPENDIR_SUPPORT",
	[25] = "EXPLICIT_INVAL_DATA",
	[26] = "MAP_ALIGNMENT",
	[27] = "SUBMOUNTS",
	[28] = "HANDLE_KILLPRIV_V2",
	[29] = "SETXATTR_EXT",
	[30] = "INIT_EXT",
	[31] = "INIT_RESERVED",
	[32] = "SECURITY_CTX",
	[33] = "HAS_INODE_DAX",
	[34] = "CREATE_SUPP_GROUP",
	[35] = "HAS_EXPIRE_ONLY",
	[36] = "DIRECT_IO_ALLOW_MMAP",
	[37] = "PASSTHROUGH",
	[38] = "NO_EXPORT_SUPPORT",
	[39] = "HAS_RESEND",
	[40] = "ALLOW_IDMAP",
	[41] = "OVER_IO_URING",
	[42] = "REQUEST_TIMEOUT",
};

static const char *const fopen_names[FUSE_FOPEN_BITS] = {
	"DIRECT_IO", "KEEP_CACHE", "NONSEEKABLE", "CACHE_DIR", "STREAM", "NOFLUSH", "PARALLEL_DIRECT_WRITES", "PASSTHROUGH",
};

/* Case-insensitive match of name[0..len) against want, optionally preceded by prefix. */
static int name_matches(const char *name, uint32_t len, const char *prefix, const char *want)
{
	size_t plen = 0;
	while (prefix[plen])
		plen++;
	if (len > plen && strncasecmp(name, prefix, plen) == 0) {
		name += plen;
		len -= (uint32_t)plen;
	}
	size_t wlen = 0;
	while (want[wlen])
		wlen++;
	return wlen == len && strncasecmp(name, want, len) == 0;
}

static int lookup(const char *const *table, unsigned n, const char *prefix, const char *name, uint32_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (table[i] && name_matches(name, len, prefix, table[i]))
			return (int)i;
	return -1;
}

const char *fuse_opcode_name(uint32_t opcode)
{
	return opcode < FUSE_OPCODE_END ? opcode_names[opcode] : (opcode == CUSE_INIT ? "CUSE_INIT" : NULL);
}

int fuse_opcode_by_name(const char *name, uint32_t len)
{
	return lookup(opcode_names, FUSE_OPCODE_END, "FUSE_", name, len);
}

const char *fuse_init_bit_name(unsigned bit)
{
	return bit < FUSE_INIT_BITS ? init_names[bit] : NULL;
}

int fuse_init_bit_by_name(const char *name, uint32_t len)
{
	return lookup(init_names, FUSE_INIT_BITS, "FUSE_", name, len);
}

const char *fuse_fopen_bit_name(unsigned bit)
{
	return bit < FUSE_FOPEN_BITS ? fopen_names[bit] : NULL;
}

int fuse_fopen_bit_by_name(const char *name, uint32_t len)
{
	return lookup(fopen_names, FUSE_FOPEN_BITS, "FOPEN_", name, len);
}
