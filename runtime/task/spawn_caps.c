/* Capabilities as docker and ECS grant them: a default set, changed by
 * linuxParameters.capabilities, the bounding set cut down to it, and for
 * a non-root user nothing effective (what docker does). Straight
 * syscalls: no libcap. */
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "task/spawn_child.h"

static const int docker_default_caps[] = {
	CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER,	       CAP_MKNOD,
	CAP_NET_RAW, CAP_SETGID,	      CAP_SETUID, CAP_SETFCAP,	       CAP_SETPCAP,
	CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE,
};

/* The highest capability this kernel knows (what
 * /proc/sys/kernel/cap_last_cap says, without needing /proc). */
static int last_cap(void)
{
	int last = 0;

	while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	return last;
}

/* What berth itself may pass on: its bounding set (a confined berth, in
 * a container or under systemd, may lack some). */
static uint64_t available_caps(void)
{
	int last = last_cap();
	uint64_t caps = 0;

	for (int cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			caps |= 1ULL << cap;
	return caps;
}

static bool names_all(const struct taskdef_strv *names)
{
	for (size_t i = 0; i < names->n; i++)
		if (names->v[i] && strcmp(names->v[i], "ALL") == 0)
			return true;
	return false;
}

static uint64_t cap_bits(const struct taskdef_strv *names)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < names->n; i++) {
		int n = names->v[i] ? taskdef_capability_number(names->v[i]) : -1;

		if (n >= 0 && n < 64)
			bits |= 1ULL << n;
	}
	return bits;
}

/* moby's TweakCapabilities: add ALL = everything but the drops; drop ALL
 * = only the adds; else the defaults minus the drops plus the adds. Then
 * only those berth has: it cannot grant more. */
uint64_t spawn_caps_wanted(const struct container_def *def)
{
	const struct taskdef_linux_params *lp = &def->linux_params;
	uint64_t add = cap_bits(&lp->cap_add), drop = cap_bits(&lp->cap_drop);
	uint64_t caps = 0;

	if (names_all(&lp->cap_add))
		caps = ~drop;
	else if (names_all(&lp->cap_drop))
		caps = add;
	else {
		for (size_t i = 0; i < ARRAY_SIZE(docker_default_caps); i++)
			caps |= 1ULL << docker_default_caps[i];
		caps = (caps & ~drop) | add;
	}
	return caps & available_caps();
}

int spawn_caps_bound(uint64_t caps, struct berr *err)
{
	int last = last_cap();

	for (int cap = 0; cap <= last; cap++)
		if (!(caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return berr_sys(err, "drop capability %d from the bounding set", cap);
	return 0;
}

int spawn_caps_set(uint64_t caps, struct berr *err)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)caps, .permitted = (uint32_t)caps },
		{ .effective = (uint32_t)(caps >> 32), .permitted = (uint32_t)(caps >> 32) },
	};

	if (syscall(SYS_capset, &header, data) < 0)
		return berr_sys(err, "set capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return berr_sys(err, "clear ambient capabilities");
	return 0;
}
