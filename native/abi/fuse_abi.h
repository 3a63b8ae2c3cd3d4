/*
 * The Linux FUSE kernel ABI, protocol 7.45 (Linux 6.18), written for fusebench.
 *
 * Why our own: Debian 12's <linux/fuse.h> stops at 7.38 (no passthrough, no io_uring, no flags2 bits
 * past 7.38), and libfuse's copy is tied to its own release. Layouts and values are the kernel's wire
 * format; names keep the kernel's spelling so they can be grepped against fs/fuse. Only what the server
 * and the addon need is here, plus the opcode and INIT bit numbers of everything 7.45 defines.
 */
#ifndef FUSEBENCH_FUSE_ABI_H
#define FUSEBENCH_FUSE_ABI_H

#include <stdint.h>

#define FUSE_KERNEL_VERSION 7
#define FUSE_KERNEL_MINOR_VERSION 45
#define FUSE_ROOT_ID 1
/* read() on /dev/fuse fails with EINVAL below max(this, in_header + write_in + max_write). */
#define FUSE_MIN_READ_BUFFER 8192

/* ---- opcodes ---------------------------------------------------------------------------------- */
enum fuse_opcode {
	FUSE_LOOKUP = 1,
	FUSE_FORGET = 2, /* no reply */
	FUSE_GETATTR = 3,
	FUSE_SETATTR = 4,
	FUSE_READLINK = 5,
	FUSE_SYMLINK = 6,
	FUSE_MKNOD = 8,
	FUSE_MKDIR = 9,
	FUSE_UNLINK = 10,
	FUSE_RMDIR = 11,
	FUSE_RENAME = 12,
	FUSE_LINK = 13,
	FUSE_OPEN = 14,
	FUSE_READ = 15,
	FUSE_WRITE = 16,
	FUSE_STATFS = 17,
	FUSE_RELEASE = 18,
	FUSE_FSYNC = 20,
	FUSE_SETXATTR = 21,
	FUSE_GETXATTR = 22,
	FUSE_LISTXATTR = 23,
	FUSE_REMOVEXATTR = 24,
	FUSE_FLUSH = 25,
	FUSE_INIT = 26,
	FUSE_OPENDIR = 27,
	FUSE_READDIR = 28,
	FUSE_RELEASEDIR = 29,
	FUSE_FSYNCDIR = 30,
	FUSE_GETLK = 31,
	FUSE_SETLK = 32,
	FUSE_SETLKW = 33,
	FUSE_ACCESS = 34,
	FUSE_CREATE = 35,
	FUSE_INTERRUPT = 36, /* no reply */
	FUSE_BMAP = 37,
	FUSE_DESTROY = 38,
	FUSE_IOCTL = 39,
	FUSE_POLL = 40,
	FUSE_NOTIFY_REPLY = 41,
	FUSE_BATCH_FORGET = 42, /* no reply */
	FUSE_FALLOCATE = 43,
	FUSE_READDIRPLUS = 44,
	FUSE_RENAME2 = 45,
	FUSE_LSEEK = 46,
	FUSE_COPY_FILE_RANGE = 47,
	FUSE_SETUPMAPPING = 48,
	FUSE_REMOVEMAPPING = 49,
	FUSE_SYNCFS = 50,
	FUSE_TMPFILE = 51,
	FUSE_STATX = 52,
	FUSE_COPY_FILE_RANGE_64 = 53,
	CUSE_INIT = 4096,
};
/* One past the highest FUSE opcode in 7.45 (tables indexed by opcode use this). */
#define FUSE_OPCODE_END 54

enum fuse_notify_code {
	FUSE_NOTIFY_POLL = 1,
	FUSE_NOTIFY_INVAL_INODE = 2,
	FUSE_NOTIFY_INVAL_ENTRY = 3,
	FUSE_NOTIFY_STORE = 4,
	FUSE_NOTIFY_RETRIEVE = 5,
	FUSE_NOTIFY_DELETE = 6,
	FUSE_NOTIFY_RESEND = 7,
	FUSE_NOTIFY_INC_EPOCH = 8,
	FUSE_NOTIFY_PRUNE = 9,
};

/* in_header.unique of an INTERRUPT has this bit set; the interrupted request's unique does not. */
#define FUSE_INT_REQ_BIT (1ULL << 0)

/* ---- INIT flags (64-bit: the high word travels in init_in/out.flags2, needs FUSE_INIT_EXT) ------ */
#define FUSE_ASYNC_READ (1ULL << 0)
#define FUSE_POSIX_LOCKS (1ULL << 1)
#define FUSE_FILE_OPS (1ULL << 2)
#define FUSE_ATOMIC_O_TRUNC (1ULL << 3)
#define FUSE_EXPORT_SUPPORT (1ULL << 4)
#define FUSE_BIG_WRITES (1ULL << 5)
#define FUSE_DONT_MASK (1ULL << 6)
#define FUSE_SPLICE_WRITE (1ULL << 7)
#define FUSE_SPLICE_MOVE (1ULL << 8)
#define FUSE_SPLICE_READ (1ULL << 9)
#define FUSE_FLOCK_LOCKS (1ULL << 10)
#define FUSE_HAS_IOCTL_DIR (1ULL << 11)
#define FUSE_AUTO_INVAL_DATA (1ULL << 12)
#define FUSE_DO_READDIRPLUS (1ULL << 13)
#define FUSE_READDIRPLUS_AUTO (1ULL << 14)
#define FUSE_ASYNC_DIO (1ULL << 15)
#define FUSE_WRITEBACK_CACHE (1ULL << 16)
#define FUSE_NO_OPEN_SUPPORT (1ULL << 17)
#define FUSE_PARALLEL_DIROPS (1ULL << 18)
#define FUSE_HANDLE_KILLPRIV (1ULL << 19)
#define FUSE_POSIX_ACL (1ULL << 20)
#define FUSE_ABORT_ERROR (1ULL << 21)
#define FUSE_MAX_PAGES (1ULL << 22)
#define FUSE_CACHE_SYMLINKS (1ULL << 23)
#define FUSE_NO_OPENDIR_SUPPORT (1ULL << 24)
#define FUSE_EXPLICIT_INVAL_DATA (1ULL << 25)
#define FUSE_MAP_ALIGNMENT (1ULL << 26)
#define FUSE_SUBMOUNTS (1ULL << 27)
#define FUSE_HANDLE_KILLPRIV_V2 (1ULL << 28)
#define FUSE_SETXATTR_EXT (1ULL << 29)
#define FUSE_INIT_EXT (1ULL << 30)
#define FUSE_INIT_RESERVED (1ULL << 31)
#define FUSE_SECURITY_CTX (1ULL << 32)
#define FUSE_HAS_INODE_DAX (1ULL << 33)
#define FUSE_CREATE_SUPP_GROUP (1ULL << 34)
#define FUSE_HAS_EXPIRE_ONLY (1ULL << 35)
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ULL << 36)
#define FUSE_PASSTHROUGH (1ULL << 37)
#define FUSE_NO_EXPORT_SUPPORT (1ULL << 38)
#define FUSE_HAS_RESEND (1ULL << 39)
#define FUSE_ALLOW_IDMAP (1ULL << 40)
#define FUSE_OVER_IO_URING (1ULL << 41)
#define FUSE_REQUEST_TIMEOUT (1ULL << 42)
/* Before 6.7-rc6 bit 36 was called FUSE_DIRECT_IO_RELAX. */
#define FUSE_DIRECT_IO_RELAX FUSE_DIRECT_IO_ALLOW_MMAP

/* ---- FOPEN_* (open_out.open_flags) ---------------------------------------------------------------- */
#define FOPEN_DIRECT_IO (1U << 0)
#define FOPEN_KEEP_CACHE (1U << 1)
#define FOPEN_NONSEEKABLE (1U << 2)
#define FOPEN_CACHE_DIR (1U << 3)
#define FOPEN_STREAM (1U << 4)
#define FOPEN_NOFLUSH (1U << 5)
#define FOPEN_PARALLEL_DIRECT_WRITES (1U << 6)
#define FOPEN_PASSTHROUGH (1U << 7)

/* ---- FATTR_* (setattr_in.valid) ------------------------------------------------------------------- */
#define FATTR_MODE (1U << 0)
#define FATTR_UID (1U << 1)
#define FATTR_GID (1U << 2)
#define FATTR_SIZE (1U << 3)
#define FATTR_ATIME (1U << 4)
#define FATTR_MTIME (1U << 5)
#define FATTR_FH (1U << 6)
#define FATTR_ATIME_NOW (1U << 7)
#define FATTR_MTIME_NOW (1U << 8)
#define FATTR_LOCKOWNER (1U << 9)
#define FATTR_CTIME (1U << 10)
#define FATTR_KILL_SUIDGID (1U << 11)

/* ---- misc request flags ----------------------------------------------------------------------- */
#define FUSE_GETATTR_FH (1U << 0)
#define FUSE_RELEASE_FLUSH (1U << 0)
#define FUSE_RELEASE_FLOCK_UNLOCK (1U << 1)
#define FUSE_WRITE_CACHE (1U << 0)
#define FUSE_WRITE_LOCKOWNER (1U << 1)
#define FUSE_WRITE_KILL_SUIDGID (1U << 2)
#define FUSE_READ_LOCKOWNER (1U << 1)
#define FUSE_FSYNC_FDATASYNC (1U << 0)
#define FUSE_OPEN_KILL_SUIDGID (1U << 0)
#define FUSE_ATTR_SUBMOUNT (1U << 0)
#define FUSE_ATTR_DAX (1U << 1)

/* ---- wire structures -------------------------------------------------------------------------- */
struct fuse_attr {
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t atime;
	uint64_t mtime;
	uint64_t ctime;
	uint32_t atimensec;
	uint32_t mtimensec;
	uint32_t ctimensec;
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint32_t rdev;
	uint32_t blksize;
	uint32_t flags;
};

struct fuse_kstatfs {
	uint64_t blocks;
	uint64_t bfree;
	uint64_t bavail;
	uint64_t files;
	uint64_t ffree;
	uint32_t bsize;
	uint32_t namelen;
	uint32_t frsize;
	uint32_t padding;
	uint32_t spare[6];
};

struct fuse_in_header {
	uint32_t len;
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
	uint16_t total_extlen; /* length of extensions at the end of the request, in 8-byte units */
	uint16_t padding;
};

struct fuse_out_header {
	uint32_t len;
	int32_t error; /* 0 or a negative errno */
	uint64_t unique;
};

struct fuse_init_in {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint32_t flags2;
	uint32_t unused[11];
};

struct fuse_init_out {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t max_write;
	uint32_t time_gran;
	uint16_t max_pages;
	uint16_t map_alignment;
	uint32_t flags2;
	uint32_t max_stack_depth;
	uint16_t request_timeout;
	uint16_t unused[11];
};

struct fuse_entry_out {
	uint64_t nodeid;
	uint64_t generation; /* nodeid:generation must be unique for the life of the mount */
	uint64_t entry_valid;
	uint64_t attr_valid;
	uint32_t entry_valid_nsec;
	uint32_t attr_valid_nsec;
	struct fuse_attr attr;
};

struct fuse_forget_in {
	uint64_t nlookup;
};

struct fuse_forget_one {
	uint64_t nodeid;
	uint64_t nlookup;
};

struct fuse_batch_forget_in {
	uint32_t count;
	uint32_t dummy;
};

struct fuse_getattr_in {
	uint32_t getattr_flags;
	uint32_t dummy;
	uint64_t fh;
};

struct fuse_attr_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t dummy;
	struct fuse_attr attr;
};

struct fuse_setattr_in {
	uint32_t valid;
	uint32_t padding;
	uint64_t fh;
	uint64_t size;
	uint64_t lock_owner;
	uint64_t atime;
	uint64_t mtime;
	uint64_t ctime;
	uint32_t atimensec;
	uint32_t mtimensec;
	uint32_t ctimensec;
	uint32_t mode;
	uint32_t unused4;
	uint32_t uid;
	uint32_t gid;
	uint32_t unused5;
};

struct fuse_mknod_in {
	uint32_t mode;
	uint32_t rdev;
	uint32_t umask;
	uint32_t padding;
};

struct fuse_mkdir_in {
	uint32_t mode;
	uint32_t umask;
};

struct fuse_rename_in {
	uint64_t newdir;
};

struct fuse_rename2_in {
	uint64_t newdir;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_link_in {
	uint64_t oldnodeid;
};

struct fuse_open_in {
	uint32_t flags;
	uint32_t open_flags; /* FUSE_OPEN_KILL_SUIDGID */
};

struct fuse_create_in {
	uint32_t flags;
	uint32_t mode;
	uint32_t umask;
	uint32_t open_flags;
};

struct fuse_open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id; /* with FOPEN_PASSTHROUGH: an id from FUSE_DEV_IOC_BACKING_OPEN */
};

struct fuse_release_in {
	uint64_t fh;
	uint32_t flags;
	uint32_t release_flags;
	uint64_t lock_owner;
};

struct fuse_flush_in {
	uint64_t fh;
	uint32_t unused;
	uint32_t padding;
	uint64_t lock_owner;
};

struct fuse_read_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t size;
	uint32_t read_flags;
	uint64_t lock_owner;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_write_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t size;
	uint32_t write_flags;
	uint64_t lock_owner;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_write_out {
	uint32_t size;
	uint32_t padding;
};

struct fuse_statfs_out {
	struct fuse_kstatfs st;
};

struct fuse_fsync_in {
	uint64_t fh;
	uint32_t fsync_flags;
	uint32_t padding;
};

/* 16 bytes with FUSE_SETXATTR_EXT negotiated, else only the first 8. */
struct fuse_setxattr_in {
	uint32_t size;
	uint32_t flags;
	uint32_t setxattr_flags;
	uint32_t padding;
};

struct fuse_getxattr_in {
	uint32_t size;
	uint32_t padding;
};

struct fuse_getxattr_out {
	uint32_t size;
	uint32_t padding;
};

struct fuse_access_in {
	uint32_t mask;
	uint32_t padding;
};

struct fuse_interrupt_in {
	uint64_t unique;
};

struct fuse_fallocate_in {
	uint64_t fh;
	uint64_t offset;
	uint64_t length;
	uint32_t mode;
	uint32_t padding;
};

struct fuse_lseek_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t whence;
	uint32_t padding;
};

struct fuse_lseek_out {
	uint64_t offset;
};

struct fuse_copy_file_range_in {
	uint64_t fh_in;
	uint64_t off_in;
	uint64_t nodeid_out;
	uint64_t fh_out;
	uint64_t off_out;
	uint64_t len;
	uint64_t flags;
};

struct fuse_copy_file_range_out {
	uint64_t bytes_copied;
};

struct fuse_dirent {
	uint64_t ino;
	uint64_t off; /* cookie of the NEXT entry: the offset a later READDIR continues from */
	uint32_t namelen;
	uint32_t type; /* DT_* */
	char name[];
};
#define FUSE_NAME_OFFSET 24u
#define FUSE_DIRENT_ALIGN(x) (((x) + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1))
#define FUSE_DIRENT_SIZE(namelen) FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + (namelen))

/* Extension header appended to requests (SECURITY_CTX, CREATE_SUPP_GROUP); total_extlen counts it. */
struct fuse_ext_header {
	uint32_t size;
	uint32_t type;
};

/* ---- /dev/fuse ioctls (magic 229; values as on x86-64, spelled out so no <linux/ioctl.h> needed) */
struct fuse_backing_map {
	int32_t fd;
	uint32_t flags; /* must be 0 */
	uint64_t padding; /* must be 0 */
};

#define FUSE_DEV_IOC_MAGIC 229
#define FUSE_DEV_IOC_CLONE 0x8004E500UL /* _IOR(229, 0, uint32_t): arg = fd of the session */
#define FUSE_DEV_IOC_BACKING_OPEN 0x4010E501UL /* _IOW(229, 1, struct fuse_backing_map) -> id > 0 */
#define FUSE_DEV_IOC_BACKING_CLOSE 0x4004E502UL /* _IOW(229, 2, uint32_t) */
#define FUSE_DEV_IOC_SYNC_INIT 0xE503UL /* _IO(229, 3), 6.18+: INIT inside mount(2) */

/* ---- FUSE over io_uring (7.42+, fs/fuse/dev_uring.c) ------------------------------------------------ */
/* IORING_OP_URING_CMD on a /dev/fuse fd, in a ring set up with IORING_SETUP_SQE128: sqe->cmd_op is one of
 * these, the SQE's 80-byte command area holds a fuse_uring_cmd_req. */
#define FUSE_IO_URING_CMD_REGISTER 1 /* sqe->addr: iovec[2] = { header buffer, payload buffer }, sqe->len 2 */
#define FUSE_IO_URING_CMD_COMMIT_AND_FETCH 2 /* reply to commit_id, then wait for the next request */
#define FUSE_URING_IN_OUT_HEADER_SZ 128
#define FUSE_URING_OP_IN_OUT_SZ 128

struct fuse_uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id; /* the request's unique, to be echoed by COMMIT_AND_FETCH */
	uint32_t payload_sz; /* bytes used in the payload buffer, in either direction */
	uint32_t padding;
	uint64_t reserved;
};

/* The header buffer of a ring entry: in_out holds the fuse_in_header of a request and receives the
 * fuse_out_header of its reply; op_in holds the opcode's first argument (its fixed struct; empty for
 * opcodes whose first argument is a name), the payload buffer the rest. Replies put every out-arg in
 * the payload. */
struct fuse_uring_req_header {
	char in_out[FUSE_URING_IN_OUT_HEADER_SZ];
	char op_in[FUSE_URING_OP_IN_OUT_SZ];
	struct fuse_uring_ent_in_out ring_ent_in_out;
};

struct fuse_uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id; /* 0 for REGISTER */
	uint16_t qid; /* queue = CPU index, below the number of possible CPUs */
	uint8_t padding[6];
};

/* ---- sizes the kernel checks (docs/kernel-fuse.md "Protocol 7.45: bit values and sizes") ---------------------------------------------- */
_Static_assert(sizeof(struct fuse_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct fuse_out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct fuse_init_in) == 64, "fuse_init_in");
_Static_assert(sizeof(struct fuse_init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct fuse_attr) == 88, "fuse_attr");
_Static_assert(sizeof(struct fuse_entry_out) == 128, "fuse_entry_out");
_Static_assert(sizeof(struct fuse_attr_out) == 104, "fuse_attr_out");
_Static_assert(sizeof(struct fuse_setattr_in) == 88, "fuse_setattr_in");
_Static_assert(sizeof(struct fuse_open_in) == 8, "fuse_open_in");
_Static_assert(sizeof(struct fuse_create_in) == 16, "fuse_create_in");
_Static_assert(sizeof(struct fuse_open_out) == 16, "fuse_open_out");
_Static_assert(sizeof(struct fuse_release_in) == 24, "fuse_release_in");
_Static_assert(sizeof(struct fuse_flush_in) == 24, "fuse_flush_in");
_Static_assert(sizeof(struct fuse_read_in) == 40, "fuse_read_in");
_Static_assert(sizeof(struct fuse_write_in) == 40, "fuse_write_in");
_Static_assert(sizeof(struct fuse_write_out) == 8, "fuse_write_out");
_Static_assert(sizeof(struct fuse_kstatfs) == 80, "fuse_kstatfs");
_Static_assert(sizeof(struct fuse_getattr_in) == 16, "fuse_getattr_in");
_Static_assert(sizeof(struct fuse_mknod_in) == 16, "fuse_mknod_in");
_Static_assert(sizeof(struct fuse_mkdir_in) == 8, "fuse_mkdir_in");
_Static_assert(sizeof(struct fuse_rename2_in) == 16, "fuse_rename2_in");
_Static_assert(sizeof(struct fuse_fallocate_in) == 32, "fuse_fallocate_in");
_Static_assert(sizeof(struct fuse_lseek_in) == 24, "fuse_lseek_in");
_Static_assert(sizeof(struct fuse_copy_file_range_in) == 56, "fuse_copy_file_range_in");
_Static_assert(sizeof(struct fuse_forget_one) == 16, "fuse_forget_one");
_Static_assert(sizeof(struct fuse_batch_forget_in) == 8, "fuse_batch_forget_in");
_Static_assert(sizeof(struct fuse_dirent) == FUSE_NAME_OFFSET, "fuse_dirent");
_Static_assert(sizeof(struct fuse_backing_map) == 16, "fuse_backing_map");
_Static_assert(sizeof(struct fuse_uring_ent_in_out) == 32, "fuse_uring_ent_in_out");
_Static_assert(sizeof(struct fuse_uring_req_header) == 288, "fuse_uring_req_header");
_Static_assert(sizeof(struct fuse_uring_cmd_req) == 24, "fuse_uring_cmd_req");

#endif
