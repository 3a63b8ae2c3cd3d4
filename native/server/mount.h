/* Mounting and unmounting: mount(2) as root, fusermount3 otherwise. */
#ifndef FB_MOUNT_H
#define FB_MOUNT_H

#include <stdbool.h>
#include <stddef.h>

/* Opens /dev/fuse and mounts it on g_session.mountpoint; sets dev_fd and via_fusermount. Returns 0, or
 * -1 with a message (saying what to do) in err. */
int mount_fuse(char *err, size_t errlen);
/* Unmounts (lazily if busy). Safe to call when already unmounted. Returns true if the mount was
 * only detached (files still open keep the connection alive). */
bool unmount_fuse(void);
/* The FUSE connection number of our mount (/sys/fs/fuse/connections/<N>) from /proc/self/mountinfo,
 * without touching the mount itself; 0 if not found. */
unsigned mount_connection(void);
/* Writes to /sys/fs/fuse/connections/<N>/abort if fusectl is mounted: frees every request stuck on the
 * connection. Returns true if it did. */
bool mount_abort_connection(void);

#endif
