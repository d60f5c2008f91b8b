// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests of the System V segments a thaw makes (thaw_shm.c) against
 * the fake device: made with the image's key, owner and mode, attached
 * and given to the module before R exists, refused when the key is
 * taken, and never left behind by a failed thaw.  The host's own System
 * V IPC is used: keys are made from our pid, and every segment a test
 * makes is removed.
 */
#include <sys/ipc.h>
#include <sys/shm.h>

#include "unit.h"

/* What the fake module saw of each segment when it was given. */
struct seen {
	bool attached;		/* a read-write mapping of it starts there */
	struct shmid_ds ds;
};

static struct seen seen[4];

/* Keys of our own, unlikely to be anyone else's. */
static key_t test_key(unsigned int n)
{
	return (key_t)(0x7e000000 | ((getpid() & 0xffff) << 4) | n);
}

/* Segments in the whole system (/proc/sysvipc/shm, less its heading). */
static int count_segments(void)
{
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	int n = -1, c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* The id of the segment of key @key, -1 if none. */
static int key_id(key_t key)
{
	return shmget(key, 0, 0);
}

/*
 * The fake module was given segment @i: find its mapping at the address
 * (/proc/self/maps names it /SYSV<key> with its id as the inode) and
 * look at the segment, as the module will.
 */
static void look_at(unsigned int i)
{
	char line[256], perms[8], name[32];
	unsigned long start;
	FILE *f;
	int id;

	memset(&seen[i], 0, sizeof(seen[i]));
	f = fopen("/proc/self/maps", "r");
	if (!f)
		abort();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%*x %7s %*x %*s %d %31s", &start, perms, &id,
			   name) == 4 && start == fake_shm_addr[i] &&
		    !strncmp(name, "/SYSV", 5) && !strcmp(perms, "rw-s"))
			seen[i].attached = !shmctl(id, IPC_STAT, &seen[i].ds);
	}
	fclose(f);
}

static void reset_fake_shm(void)
{
	reset_fake_thaw();
	fake_abi_minor = 7;
	fake_nr_shm = 0;
	fake_shm_errno = 0;
	memset(fake_shm, 0, sizeof(fake_shm));
	memset(fake_shm_addr, 0, sizeof(fake_shm_addr));
}

static void set_seg(unsigned int i, key_t key, uint64_t size, uint32_t mode,
		    uint32_t uid, uint32_t gid, uint32_t flags)
{
	fake_shm[i] = (struct cryo_thaw_shm){
		.size = sizeof(fake_shm[i]), .index = i, .seg_size = size,
		.key = key, .shmid = 1000 + i, .mode = mode, .uid = uid,
		.gid = gid, .shm_flags = flags,
	};
	fake_nr_shm = i + 1;
}

static void test_made_and_removed(int img)
{
	struct cryoctl_thaw_result res;
	int before = count_segments(), ret;
	key_t k = test_key(1);

	/* A module before 1.7 is never asked, whatever it would say. */
	reset_fake_shm();
	fake_abi_minor = 6;
	set_seg(0, k, 2 * PAGE, 0640, getuid(), getgid(), 0);
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -ENOTTY && !fake_shm_addr[0] && key_id(k) < 0 &&
	      count_segments() == before,
	      "ABI 1.6: no segment made: %d '%s'", ret, res.message);

	/*
	 * Two segments: one of a key, given to another owner (we may: we
	 * made it), one private and removed.  The stub's ioctls fail on the
	 * fake device, so the thaw fails and both must go.
	 */
	reset_fake_shm();
	set_seg(0, k, 3 * PAGE, 0604, 1234, 5678, 0);
	set_seg(1, 0, PAGE, 0600, getuid(), getgid(), CRYO_SHM_REMOVED);
	fake_shm_given = look_at;
	ret = cryoctl_thaw(fake_dev, img, CRYOCTL_THAW_WAIT, NULL, 0, &res);
	fake_shm_given = NULL;
	CHECK(ret == -ENOTTY && fake_shm_addr[0] && fake_shm_addr[1] &&
	      fake_shm_addr[0] != fake_shm_addr[1] && fake_status_waits,
	      "two segments given before R: %d '%s', at 0x%llx 0x%llx", ret,
	      res.message, (unsigned long long)fake_shm_addr[0],
	      (unsigned long long)fake_shm_addr[1]);
	CHECK(seen[0].attached && seen[0].ds.shm_perm.__key == k &&
	      seen[0].ds.shm_segsz == 3 * PAGE && seen[0].ds.shm_perm.uid == 1234 &&
	      seen[0].ds.shm_perm.gid == 5678 &&
	      (seen[0].ds.shm_perm.mode & 0777) == 0604,
	      "the keyed segment as the image says: key 0x%x, %zu bytes, %u:%u, 0%o",
	      seen[0].ds.shm_perm.__key, seen[0].ds.shm_segsz, seen[0].ds.shm_perm.uid,
	      seen[0].ds.shm_perm.gid, seen[0].ds.shm_perm.mode);
	CHECK(seen[1].attached && seen[1].ds.shm_perm.__key == IPC_PRIVATE &&
	      seen[1].ds.shm_segsz == PAGE && (seen[1].ds.shm_perm.mode & 0777) == 0600,
	      "the private segment as the image says: 0%o", seen[1].ds.shm_perm.mode);
	CHECK(key_id(k) < 0 && count_segments() == before && no_children(),
	      "the failed thaw left no segment: %d of %d", count_segments(), before);
}

/* The module refuses a segment it is given: the thaw fails, nothing stays. */
static void test_refused(int img)
{
	struct cryoctl_thaw_result res;
	key_t k = test_key(2);
	int ret;

	reset_fake_shm();
	set_seg(0, k, 2 * PAGE, 0444, 4321, 8765, 0);
	fake_shm_errno = EINVAL;
	strcpy(fake_status.message, "segment 0 is not of 8192 bytes");
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -EINVAL && strstr(res.message, "key 0x") &&
	      strstr(res.message, fake_status.message) && key_id(k) < 0 &&
	      !fake_status_waits && no_children(),
	      "refused by the module: removed, no R: %d '%s'", ret, res.message);
}

static void test_key_taken(int img)
{
	struct cryoctl_thaw_result res;
	int before, ret, other;
	key_t k = test_key(3);
	char want[64];

	other = shmget(k, PAGE, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(other >= 0, "someone else's segment of key 0x%08x: %s", k, strerror(errno));
	before = count_segments();

	/* The first segment is made, the second's key is taken. */
	reset_fake_shm();
	set_seg(0, 0, PAGE, 0600, getuid(), getgid(), 0);
	set_seg(1, k, 2 * PAGE, 0600, getuid(), getgid(), 0);
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	snprintf(want, sizeof(want), "System V segment key 0x%08x exists", (unsigned int)k);
	CHECK(ret == -EEXIST && res.error == EEXIST && strstr(res.message, want) &&
	      fake_shm_addr[0] && !fake_shm_addr[1] && !fake_status_waits && no_children(),
	      "key taken: %d '%s'", ret, res.message);
	CHECK(count_segments() == before && key_id(k) == other,
	      "the first segment removed, the other's kept: %d of %d",
	      count_segments(), before);
	shmctl(other, IPC_RMID, NULL);
}

/* Once the thaw succeeded: detached, the removed ones removed, the others kept. */
static void test_end(void)
{
	struct thaw_ctx c = { 0 };
	key_t k = test_key(4);
	struct shmid_ds ds;
	int kept, gone;

	kept = shmget(k, PAGE, IPC_CREAT | IPC_EXCL | 0600);
	gone = shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600);
	c.shms = calloc(2, sizeof(*c.shms));
	if (kept < 0 || gone < 0 || !c.shms)
		abort();
	c.nr_shms = 2;
	c.shms[0] = (struct thaw_shm){ .shmid = kept, .addr = shmat(kept, NULL, 0) };
	c.shms[1] = (struct thaw_shm){ .shmid = gone, .addr = shmat(gone, NULL, 0),
				       .flags = CRYO_SHM_REMOVED, .made = true };
	thaw_shm_end(&c, true);
	CHECK(!c.shms && !c.nr_shms && !shmctl(kept, IPC_STAT, &ds) && !ds.shm_nattch &&
	      shmctl(gone, IPC_STAT, &ds) < 0,
	      "success: the kept segment detached, the removed one gone");

	/* Taken back, not made: kept, whatever the image says, failed or not. */
	c.shms = calloc(1, sizeof(*c.shms));
	if (!c.shms)
		abort();
	c.nr_shms = 1;
	c.shms[0] = (struct thaw_shm){ .shmid = kept, .addr = shmat(kept, NULL, 0),
				       .flags = CRYO_SHM_REMOVED };
	thaw_shm_end(&c, false);
	CHECK(!shmctl(kept, IPC_STAT, &ds) && !ds.shm_nattch,
	      "a segment taken back is never removed by the thaw");
	shmctl(kept, IPC_RMID, NULL);
}

/*
 * A segment with the image's key, id and size and nobody attached, but
 * another mode (or owner) than the image's, is not the image's: EEXIST,
 * and it is left as it is (no IPC_SET to the image's owner and mode).
 */
static void test_survivor_changed(int img)
{
	struct cryoctl_thaw_result res;
	struct shmid_ds ds;
	key_t k = test_key(5);
	int other, ret;

	other = shmget(k, PAGE, IPC_CREAT | IPC_EXCL | 0640);
	CHECK(other >= 0, "a segment of key 0x%08x: %s", k, strerror(errno));
	reset_fake_shm();
	set_seg(0, k, PAGE, 0600, getuid(), getgid(), 0);
	fake_shm[0].shmid = other;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -EEXIST && !fake_shm_addr[0] && no_children() &&
	      !shmctl(other, IPC_STAT, &ds) && (ds.shm_perm.mode & 0777) == 0640 &&
	      !ds.shm_nattch,
	      "another mode: not taken back, untouched: %d '%s'", ret, res.message);
	/* Marked removed: it has no key any more, so it is not this one. */
	set_seg(0, k, PAGE, 0640, getuid(), getgid(), CRYO_SHM_REMOVED);
	fake_shm[0].shmid = other;
	ret = cryoctl_thaw(fake_dev, img, 0, NULL, 0, &res);
	CHECK(ret == -EEXIST && !shmctl(other, IPC_STAT, &ds) && !ds.shm_nattch,
	      "removed with a key: not taken back, kept: %d '%s'", ret, res.message);
	shmctl(other, IPC_RMID, NULL);
}

void test_thaw_shm(void)
{
	int img;

	fake_dev = open("/dev/null", O_RDWR | O_CLOEXEC);
	img = feed("not read by the fake module", 27);
	if (!CHECK(count_segments() >= 0, "/proc/sysvipc/shm: %s", strerror(errno)))
		goto out;
	test_made_and_removed(img);
	test_refused(img);
	test_key_taken(img);
	test_survivor_changed(img);
	test_end();
out:
	reset_fake_shm();
	fake_abi_minor = 1;
	close(img);
	close(fake_dev);
	fake_dev = -1;
}
