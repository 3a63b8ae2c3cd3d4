#include "mount.h"

#include "log.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Full path of fusermount3 in PATH, or NULL. */
static const char *find_fusermount(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, len, "%.*s/fusermount3", (int)n, path);
		if (n && access(buf, X_OK) == 0)
			return buf;
		path += n;
		if (*path)
			path++;
	}
	return NULL;
}

/* fusermount3 mounts for us and passes the /dev/fuse fd back over the socket named by _FUSE_COMMFD. */
static int mount_with_fusermount(const char *prog, char *err, size_t errlen)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	char opts[512];
	snprintf(opts, sizeof opts, "default_permissions,fsname=%s", g_session.cfg.fsname);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		char fdstr[16];
		snprintf(fdstr, sizeof fdstr, "%d", sv[1]);
		setenv("_FUSE_COMMFD", fdstr, 1);
		execl(prog, "fusermount3", "-o", opts, "--", g_session.mountpoint, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	char data;
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
	ssize_t n;
	do
		n = recvmsg(sv[0], &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(sv[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	int fd = -1;
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if (fd < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "fusermount3 could not mount %s (exit status %d; see its message above)",
			 g_session.mountpoint, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	g_session.dev_fd = fd;
	g_session.via_fusermount = true;
	return 0;
}

int mount_fuse(char *err, size_t errlen)
{
	if (geteuid() != 0) {
		char prog[4096];
		if (!find_fusermount(prog, sizeof prog)) {
			snprintf(err, errlen,
				 "not root and fusermount3 is not installed: run as root (sudo) or install fuse3 "
				 "(apt-get install fuse3)");
			return -1;
		}
		if (access("/dev/fuse", F_OK) < 0) {
			snprintf(err, errlen, "/dev/fuse is missing: load the fuse module (modprobe fuse) or, in a "
				 "container, pass the device in (--device /dev/fuse)");
			return -1;
		}
		return mount_with_fusermount(prog, err, errlen);
	}
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open /dev/fuse: %s: load the fuse module (modprobe fuse) or, in a "
			 "container, pass the device in (--device /dev/fuse)", strerror(errno));
		return -1;
	}
	char opts[256];
	snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=%u,group_id=%u,allow_other,default_permissions", fd,
		 (unsigned)getuid(), (unsigned)getgid());
	if (mount(g_session.cfg.fsname, g_session.mountpoint, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
		int e = errno;
		close(fd);
		snprintf(err, errlen, "mount(2) of %s failed: %s%s", g_session.mountpoint, strerror(e),
			 e == EPERM ? " (no CAP_SYS_ADMIN here: run as real root, or in a container with --privileged / "
				      "--cap-add SYS_ADMIN)"
				    : "");
		return -1;
	}
	g_session.dev_fd = fd;
	g_session.via_fusermount = false;
	return 0;
}

static int run_fusermount_unmount(bool lazy)
{
	char prog[4096];
	if (!find_fusermount(prog, sizeof prog))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		execl(prog, "fusermount3", lazy ? "-uz" : "-u", "--", g_session.mountpoint, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

bool unmount_fuse(void)
{
	if (g_session.via_fusermount) {
		if (run_fusermount_unmount(false) == 0)
			return false;
		if (run_fusermount_unmount(true) < 0)
			fb_log("fusermount3 -u %s failed", g_session.mountpoint);
		return true;
	}
	if (umount2(g_session.mountpoint, 0) == 0)
		return false;
	if (errno == EBUSY) {
		fb_log("%s is busy: detaching it lazily", g_session.mountpoint);
		if (umount2(g_session.mountpoint, MNT_DETACH) < 0)
			fb_log("umount2(%s, MNT_DETACH): %s", g_session.mountpoint, strerror(errno));
		return true;
	}
	if (errno != EINVAL && errno != ENOENT)
		fb_log("umount2(%s): %s", g_session.mountpoint, strerror(errno));
	return false;
}

/* /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

unsigned mount_connection(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return 0;
	char *line = NULL;
	size_t cap = 0;
	unsigned found = 0;
	while (getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
		unsigned major, minor;
		char mnt[4096];
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, mnt) != 3)
			continue;
		const char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "fuse", 4) != 0 || (sep[7] != ' ' && sep[7] != '.'))
			continue;
		unescape(mnt);
		if (major == 0 && strcmp(mnt, g_session.mountpoint) == 0)
			found = minor; /* the last one is the most recent mount on that point */
	}
	free(line);
	fclose(f);
	return found;
}

bool mount_abort_connection(void)
{
	if (!g_session.connection)
		return false;
	char path[64];
	snprintf(path, sizeof path, "/sys/fs/fuse/connections/%u/abort", g_session.connection);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, "1", 1) == 1;
	close(fd);
	return ok;
}
