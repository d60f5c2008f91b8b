/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cryo: the generic netlink family.
 *
 * The ABI between the cryo module and whoever listens to its events or
 * asks it about its sessions (libcryoctl, cluster schedulers).  The
 * ioctls are in <linux/cryo.h>, the image in <linux/cryo_image.h>.
 */
#ifndef _UAPI_LINUX_CRYO_NETLINK_H
#define _UAPI_LINUX_CRYO_NETLINK_H

#include <linux/types.h>

/**
 * DOC: Generic netlink: events and session queries
 *
 * The module registers the generic netlink family %CRYO_GENL_NAME,
 * version %CRYO_GENL_VERSION (resolve its id with the controller,
 * CTRL_CMD_GETFAMILY, as for any family).  It has one multicast group,
 * %CRYO_GENL_MCGRP_EVENTS, on which every freeze and thaw is reported as
 * it happens, and two commands a caller sends: %CRYO_NL_CMD_GET_SESSION
 * (the open sessions) and %CRYO_NL_CMD_GET_STATS (counters since the
 * module was loaded).  Messages have no family header beyond struct
 * genlmsghdr (whose reserved field must be 0); everything is in
 * attributes of &enum cryo_nl_attr.
 *
 * Namespaces.  The family exists in the initial network namespace only:
 * in any other one the controller does not know it (ENOENT).  Events of
 * freezes and thaws issued from any namespace go to the listeners of the
 * initial network namespace.  Every pid the family reports is a
 * thread-group id in the initial pid namespace, whatever the namespaces
 * of the caller, the target and the listener.
 *
 * Permissions.  %CRYO_NL_CMD_GET_SESSION and %CRYO_NL_CMD_GET_STATS need
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN in the initial user namespace
 * (EPERM with an extended ack message otherwise).  Joining the events
 * group needs CAP_SYS_ADMIN there (EPERM from bind(2) or
 * setsockopt(NETLINK_ADD_MEMBERSHIP)): the generic netlink core of the
 * supported kernels can only require CAP_SYS_ADMIN or CAP_NET_ADMIN of a
 * group's members, and a family cannot refuse a join itself.
 *
 * Validation.  Every command has its own attribute policy and is parsed
 * strictly: an attribute the command does not take, a wrong length or a
 * value out of range is refused with EINVAL or ERANGE and an extended
 * ack (NETLINK_EXT_ACK) that names the problem and the attribute.
 *
 * Versioning.  Attributes and event types are only ever added; a
 * listener must ignore attributes and commands it does not know.  An
 * attribute that does not apply to an event is left out.
 */

/** CRYO_GENL_NAME - name of the generic netlink family */
#define CRYO_GENL_NAME		"cryo"
/** CRYO_GENL_VERSION - version of the family (struct genlmsghdr.version) */
#define CRYO_GENL_VERSION	1
/** CRYO_GENL_MCGRP_EVENTS - name of the multicast group of events */
#define CRYO_GENL_MCGRP_EVENTS	"events"

/**
 * enum cryo_nl_cmd - generic netlink commands and event types
 * @CRYO_NL_CMD_UNSPEC: unused.
 * @CRYO_NL_CMD_GET_SESSION: request.  With NLM_F_DUMP: one message per
 *	open /dev/cryo session, in the order of their ids; an optional
 *	%CRYO_NL_A_PID limits the dump to the sessions whose %CRYO_NL_A_PID
 *	is that.  Without NLM_F_DUMP: the one session %CRYO_NL_A_SESSION_ID
 *	(required; ENOENT if there is none).  Each reply carries
 *	%CRYO_NL_A_SESSION_ID, %CRYO_NL_A_STATE, %CRYO_NL_A_OPEN_TIME_NS,
 *	%CRYO_NL_A_OPENER_PID and, once a freeze or thaw began,
 *	%CRYO_NL_A_CALLER_PID, %CRYO_NL_A_FLAGS, %CRYO_NL_A_START_TIME_NS,
 *	%CRYO_NL_A_BYTES (image bytes read so far), %CRYO_NL_A_PID (the
 *	freeze's target, or the process a thaw restores once it exists)
 *	and, for a thaw, %CRYO_NL_A_IMAGE_PID.  Since ABI 1.7 a reply also
 *	carries %CRYO_NL_A_NR_PROCESSES once it is known: for a freeze, the
 *	processes of the tree %CRYO_IOC_FREEZE found and parked (from its
 *	return on, whatever becomes of the freeze); for a thaw, those of the
 *	image's tree, once %CRYO_IOC_THAW is over and has read the TREE
 *	record (1 for an image of one process without one).
 * @CRYO_NL_CMD_GET_STATS: request, no attributes.  The reply carries the
 *	%CRYO_NL_A_STAT_* counters, %CRYO_NL_A_STAT_FREEZE_ERRORS and
 *	%CRYO_NL_A_STAT_THAW_ERRORS.
 * @CRYO_NL_CMD_FREEZE_BEGIN: event: %CRYO_IOC_FREEZE found its target and
 *	is about to park it.  %CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID (the
 *	target), %CRYO_NL_A_CALLER_PID, %CRYO_NL_A_FLAGS (&enum
 *	cryo_freeze_flags), %CRYO_NL_A_TIME_NS.  Every FREEZE_BEGIN is
 *	followed by exactly one %CRYO_NL_CMD_FREEZE_END of the same session.
 * @CRYO_NL_CMD_FREEZE_END: event: the freeze's image stream is over,
 *	complete (%CRYO_NL_A_ERRNO 0: the last byte has been read) or not
 *	(the errno that ended it; a %CRYO_NL_CMD_FREEZE_ABORT came first).
 *	%CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID, %CRYO_NL_A_ERRNO,
 *	%CRYO_NL_A_BYTES (read by the caller: for a complete image, its
 *	size), %CRYO_NL_A_PAGES (pages in the image), %CRYO_NL_A_NR_THREADS,
 *	%CRYO_NL_A_NR_PROCESSES (since ABI 1.6),
 *	%CRYO_NL_A_DURATION_NS (since FREEZE_BEGIN), %CRYO_NL_A_TARGET (how
 *	the target was left: %CRYO_NL_TARGET_RESUMED for a checkpoint or a
 *	failure, %CRYO_NL_TARGET_HELD with %CRYO_FREEZE_KILL or
 *	%CRYO_FREEZE_LEAVE_FROZEN, %CRYO_NL_TARGET_EXITED),
 *	%CRYO_NL_A_TIME_NS.
 * @CRYO_NL_CMD_FREEZE_ABORT: event: the target was let go, untouched,
 *	because the freeze did not finish: %CRYO_NL_A_REASON says why,
 *	%CRYO_NL_A_ERRNO with which error (EPIPE when the session was
 *	closed, or its reader killed, too early).  Also sent when a
 *	%CRYO_FREEZE_KILL session whose image was complete is closed without
 *	%CRYO_IOC_COMMIT.  %CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID,
 *	%CRYO_NL_A_REASON, %CRYO_NL_A_ERRNO, %CRYO_NL_A_BYTES,
 *	%CRYO_NL_A_DURATION_NS, %CRYO_NL_A_TARGET (%CRYO_NL_TARGET_RESUMED,
 *	or %CRYO_NL_TARGET_EXITED when the target died), %CRYO_NL_A_TIME_NS.
 * @CRYO_NL_CMD_FREEZE_COMMIT: event: %CRYO_IOC_COMMIT let go of a target
 *	held after a complete image: %CRYO_NL_A_TARGET is
 *	%CRYO_NL_TARGET_KILLED (%CRYO_FREEZE_KILL) or
 *	%CRYO_NL_TARGET_RESUMED.  %CRYO_NL_A_SESSION_ID, %CRYO_NL_A_PID,
 *	%CRYO_NL_A_BYTES, %CRYO_NL_A_DURATION_NS, %CRYO_NL_A_TIME_NS.
 * @CRYO_NL_CMD_FREEZE_RELEASE: event: a target held with
 *	%CRYO_FREEZE_LEAVE_FROZEN after a complete image was resumed because
 *	its session was closed without %CRYO_IOC_COMMIT.  Same attributes as
 *	FREEZE_COMMIT.
 * @CRYO_NL_CMD_THAW_BEGIN: event: %CRYO_IOC_THAW started reading an image.
 *	%CRYO_NL_A_SESSION_ID, %CRYO_NL_A_CALLER_PID, %CRYO_NL_A_FLAGS
 *	(&enum cryo_thaw_flags), %CRYO_NL_A_TIME_NS.  Followed by exactly
 *	one %CRYO_NL_CMD_THAW_END of the same session, unless the process
 *	being restored is killed from outside during the restore and nobody
 *	waits for the outcome (%CRYO_THAW_STATUS_WAIT).
 * @CRYO_NL_CMD_THAW_END: event: the thaw is over.  %CRYO_NL_A_SESSION_ID,
 *	%CRYO_NL_A_ERRNO (0: the restored process runs), %CRYO_NL_A_IMAGE_PID
 *	(the pid recorded in the image, in the freezer's pid namespace; left
 *	out if the image was not read that far), %CRYO_NL_A_PID (the restored
 *	process; left out if none was created), %CRYO_NL_A_BYTES (image bytes
 *	read: for a successful thaw, the image's size),
 *	%CRYO_NL_A_NR_PROCESSES (since ABI 1.7: the processes of the image's
 *	tree, zombies included, which a successful thaw restored all; left
 *	out if the image was not read as far as its TREE record),
 *	%CRYO_NL_A_DURATION_NS (since THAW_BEGIN), %CRYO_NL_A_MESSAGE (the
 *	reason of a failure, as %CRYO_IOC_THAW_STATUS gives it; ECANCELED
 *	when the session was closed before the restore began),
 *	%CRYO_NL_A_TIME_NS.
 * @__CRYO_NL_CMD_MAX: one past the last command.
 * @CRYO_NL_CMD_MAX: the last command.
 *
 * Events are sent to the %CRYO_GENL_MCGRP_EVENTS group with the event
 * type as struct genlmsghdr.cmd.  They are sent in the order things
 * happen within one session; a listener too slow to read them loses some
 * (recv(2) fails with ENOBUFS once).  A thaw through %CRYO_IOC_REMAP
 * sends no event.
 */
enum cryo_nl_cmd {
	CRYO_NL_CMD_UNSPEC,
	CRYO_NL_CMD_GET_SESSION,
	CRYO_NL_CMD_GET_STATS,
	CRYO_NL_CMD_FREEZE_BEGIN,
	CRYO_NL_CMD_FREEZE_END,
	CRYO_NL_CMD_FREEZE_ABORT,
	CRYO_NL_CMD_FREEZE_COMMIT,
	CRYO_NL_CMD_FREEZE_RELEASE,
	CRYO_NL_CMD_THAW_BEGIN,
	CRYO_NL_CMD_THAW_END,

	__CRYO_NL_CMD_MAX,
	CRYO_NL_CMD_MAX = __CRYO_NL_CMD_MAX - 1
};

/**
 * enum cryo_nl_attr - generic netlink attributes
 * @CRYO_NL_A_UNSPEC: unused.
 * @CRYO_NL_A_PAD: padding for 64-bit attributes; ignore it.
 * @CRYO_NL_A_SESSION_ID: u64: the session, numbered from 1 in the order
 *	/dev/cryo was opened since the module was loaded; never reused.
 *	Request (GET_SESSION): at least 1.
 * @CRYO_NL_A_TIME_NS: u64: CLOCK_REALTIME of the event, in ns.
 * @CRYO_NL_A_PID: s32: a freeze's target, or the process a thaw restored
 *	(initial pid namespace).  Request (GET_SESSION dump): at least 1.
 * @CRYO_NL_A_CALLER_PID: s32: the process that issued %CRYO_IOC_FREEZE
 *	or %CRYO_IOC_THAW.
 * @CRYO_NL_A_IMAGE_PID: s32: a thaw's image's process id, as recorded in
 *	the image (the freezer's pid namespace).
 * @CRYO_NL_A_FLAGS: u32: the &enum cryo_freeze_flags or &enum
 *	cryo_thaw_flags of the operation.
 * @CRYO_NL_A_STATE: u32: &enum cryo_nl_state of a session.
 * @CRYO_NL_A_TARGET: u32: &enum cryo_nl_target.
 * @CRYO_NL_A_REASON: u32: &enum cryo_nl_reason.
 * @CRYO_NL_A_ERRNO: u32: a positive errno, 0 for success.
 * @CRYO_NL_A_BYTES: u64: image bytes read.
 * @CRYO_NL_A_PAGES: u64: pages of memory in the image.
 * @CRYO_NL_A_NR_THREADS: u32: threads in the image.
 * @CRYO_NL_A_NR_PROCESSES: u32: processes in the image (the frozen tree's
 *	members, zombies included), in FREEZE_END (since ABI 1.6), THAW_END
 *	and GET_SESSION replies (since ABI 1.7).
 * @CRYO_NL_A_DURATION_NS: u64: how long the operation took, in ns of
 *	CLOCK_MONOTONIC.
 * @CRYO_NL_A_START_TIME_NS: u64: CLOCK_REALTIME when the session's freeze
 *	or thaw began.
 * @CRYO_NL_A_OPEN_TIME_NS: u64: CLOCK_REALTIME when the session was
 *	opened.
 * @CRYO_NL_A_OPENER_PID: s32: the process that opened the session.
 * @CRYO_NL_A_MESSAGE: NUL-terminated string: why a thaw failed.
 * @CRYO_NL_A_STAT_LOAD_TIME_NS: u64: CLOCK_REALTIME when the module was
 *	loaded; every counter counts from then.
 * @CRYO_NL_A_STAT_SESSIONS: u64: sessions open now.
 * @CRYO_NL_A_STAT_FREEZES: u64: freezes begun (FREEZE_BEGIN events).
 * @CRYO_NL_A_STAT_FREEZES_DONE: u64: freezes whose image was complete.
 * @CRYO_NL_A_STAT_FREEZES_ABORTED: u64: FREEZE_ABORT events.
 * @CRYO_NL_A_STAT_FREEZES_REFUSED: u64: %CRYO_IOC_FREEZE commands refused
 *	before anything was done to a target (no such process, no
 *	permission, already frozen ...).
 * @CRYO_NL_A_STAT_COMMITS: u64: FREEZE_COMMIT events.
 * @CRYO_NL_A_STAT_KILLS: u64: targets killed by a commit.
 * @CRYO_NL_A_STAT_FREEZE_BYTES: u64: bytes of the complete images.
 * @CRYO_NL_A_STAT_FREEZE_PAGES: u64: pages in the complete images.
 * @CRYO_NL_A_STAT_THAWS: u64: thaws begun (THAW_BEGIN events).
 * @CRYO_NL_A_STAT_THAWS_DONE: u64: thaws that restored a process.
 * @CRYO_NL_A_STAT_THAWS_FAILED: u64: thaws that failed.
 * @CRYO_NL_A_STAT_THAW_BYTES: u64: bytes of the images of successful
 *	thaws.
 * @CRYO_NL_A_STAT_FREEZE_ERRORS: nested: one %CRYO_NL_A_STAT_ERROR per
 *	errno that ended a freeze (refused or aborted), lowest errno first.
 * @CRYO_NL_A_STAT_THAW_ERRORS: nested: the same for failed thaws.
 * @CRYO_NL_A_STAT_ERROR: nested: %CRYO_NL_A_ERRNO (0 stands for errnos
 *	above 255) and %CRYO_NL_A_STAT_COUNT.
 * @CRYO_NL_A_STAT_COUNT: u64: how many times.
 * @__CRYO_NL_A_MAX: one past the last attribute.
 * @CRYO_NL_A_MAX: the last attribute.
 *
 * Integers are in host byte order.  The 64-bit ones are aligned with
 * %CRYO_NL_A_PAD attributes where needed.
 */
enum cryo_nl_attr {
	CRYO_NL_A_UNSPEC,
	CRYO_NL_A_PAD,
	CRYO_NL_A_SESSION_ID,
	CRYO_NL_A_TIME_NS,
	CRYO_NL_A_PID,
	CRYO_NL_A_CALLER_PID,
	CRYO_NL_A_IMAGE_PID,
	CRYO_NL_A_FLAGS,
	CRYO_NL_A_STATE,
	CRYO_NL_A_TARGET,
	CRYO_NL_A_REASON,
	CRYO_NL_A_ERRNO,
	CRYO_NL_A_BYTES,
	CRYO_NL_A_PAGES,
	CRYO_NL_A_NR_THREADS,
	CRYO_NL_A_DURATION_NS,
	CRYO_NL_A_START_TIME_NS,
	CRYO_NL_A_OPEN_TIME_NS,
	CRYO_NL_A_OPENER_PID,
	CRYO_NL_A_MESSAGE,
	CRYO_NL_A_STAT_LOAD_TIME_NS,
	CRYO_NL_A_STAT_SESSIONS,
	CRYO_NL_A_STAT_FREEZES,
	CRYO_NL_A_STAT_FREEZES_DONE,
	CRYO_NL_A_STAT_FREEZES_ABORTED,
	CRYO_NL_A_STAT_FREEZES_REFUSED,
	CRYO_NL_A_STAT_COMMITS,
	CRYO_NL_A_STAT_KILLS,
	CRYO_NL_A_STAT_FREEZE_BYTES,
	CRYO_NL_A_STAT_FREEZE_PAGES,
	CRYO_NL_A_STAT_THAWS,
	CRYO_NL_A_STAT_THAWS_DONE,
	CRYO_NL_A_STAT_THAWS_FAILED,
	CRYO_NL_A_STAT_THAW_BYTES,
	CRYO_NL_A_STAT_FREEZE_ERRORS,
	CRYO_NL_A_STAT_THAW_ERRORS,
	CRYO_NL_A_STAT_ERROR,
	CRYO_NL_A_STAT_COUNT,
	CRYO_NL_A_NR_PROCESSES,

	__CRYO_NL_A_MAX,
	CRYO_NL_A_MAX = __CRYO_NL_A_MAX - 1
};

/**
 * enum cryo_nl_state - %CRYO_NL_A_STATE: where a session stands
 * @CRYO_NL_STATE_IDLE: opened, nothing issued yet (or only what leaves
 *	no trace: %CRYO_IOC_VERSION, a refused freeze).
 * @CRYO_NL_STATE_FREEZING: parking the target or streaming its image.
 * @CRYO_NL_STATE_FROZEN: the image is complete and the target is held:
 *	%CRYO_FREEZE_KILL waiting for %CRYO_IOC_COMMIT, or
 *	%CRYO_FREEZE_LEAVE_FROZEN until the session is closed.
 * @CRYO_NL_STATE_FREEZE_DONE: the image is complete and the target has
 *	been let go (resumed or killed).
 * @CRYO_NL_STATE_FREEZE_FAILED: the freeze was aborted.
 * @CRYO_NL_STATE_THAWING: a thaw is under way.
 * @CRYO_NL_STATE_THAW_DONE: the thaw restored its process.
 * @CRYO_NL_STATE_THAW_FAILED: the thaw failed.
 */
enum cryo_nl_state {
	CRYO_NL_STATE_IDLE		= 0,
	CRYO_NL_STATE_FREEZING		= 1,
	CRYO_NL_STATE_FROZEN		= 2,
	CRYO_NL_STATE_FREEZE_DONE	= 3,
	CRYO_NL_STATE_FREEZE_FAILED	= 4,
	CRYO_NL_STATE_THAWING		= 5,
	CRYO_NL_STATE_THAW_DONE		= 6,
	CRYO_NL_STATE_THAW_FAILED	= 7,
};

/**
 * enum cryo_nl_target - %CRYO_NL_A_TARGET: how a freeze left its target
 * @CRYO_NL_TARGET_RESUMED: running again, as if nothing had happened.
 * @CRYO_NL_TARGET_HELD: still parked in the kernel.
 * @CRYO_NL_TARGET_KILLED: killed (SIGKILL) after %CRYO_IOC_COMMIT.
 * @CRYO_NL_TARGET_EXITED: it died during the freeze (killed from
 *	outside); nothing was done to it.
 */
enum cryo_nl_target {
	CRYO_NL_TARGET_RESUMED	= 1,
	CRYO_NL_TARGET_HELD	= 2,
	CRYO_NL_TARGET_KILLED	= 3,
	CRYO_NL_TARGET_EXITED	= 4,
};

/**
 * enum cryo_nl_reason - %CRYO_NL_A_REASON: why a freeze was aborted
 * @CRYO_NL_REASON_READER_GONE: the session was closed, or the process
 *	reading the image was killed, before the image was complete (or,
 *	with %CRYO_FREEZE_KILL, before %CRYO_IOC_COMMIT).
 * @CRYO_NL_REASON_TARGET_EXITED: the target exited or was killed.
 * @CRYO_NL_REASON_TIMEOUT: a thread of the target did not park within
 *	&cryo_freeze.timeout_ms.
 * @CRYO_NL_REASON_ERROR: another error, see %CRYO_NL_A_ERRNO (a file cryo
 *	cannot save, a thread that could not save its state ...).
 */
enum cryo_nl_reason {
	CRYO_NL_REASON_READER_GONE	= 1,
	CRYO_NL_REASON_TARGET_EXITED	= 2,
	CRYO_NL_REASON_TIMEOUT		= 3,
	CRYO_NL_REASON_ERROR		= 4,
};

#endif /* _UAPI_LINUX_CRYO_NETLINK_H */
