/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process and its threads: each file saves one kind of record at the
 * freeze and checks and restores it at the thaw.
 *
 *   proc.c     PROCESS, AUXV, FS: ids, limits, mm bounds, exe and cwd
 *   creds.c    GROUPS and the credentials of the restored process
 *   signals.c  SIGNALS: dispositions, ITIMER_REAL, pending signals
 *   timers.c   POSIX_TIMER, CPU_ITIMERS: timer_create(2) timers, and
 *              ITIMER_PROF and ITIMER_VIRTUAL
 *   cpu.c      THREAD: registers, FPU state, per-thread kernel state
 *   tree.c     TREE: the members of the tree, and how they are related
 *   sched.c    THREAD's scheduling, affinity and timer slack; THP disable
 */
#ifndef _CRYO_TASK_H
#define _CRYO_TASK_H

#include <linux/types.h>

struct cred;
struct cryo_image;
struct cryo_image_thread;
struct cryo_rec;
struct cryo_thaw;
struct cryo_thaw_cpu;
struct cryo_thaw_tree;
struct cryo_thawing;
struct cryo_thawing_thread;
struct cryo_thread;
struct cryo_why;
struct task_struct;

/* proc.c */
void cryo_proc_save(struct cryo_image *img);
void cryo_proc_save_auxv(struct cryo_image *img);
int cryo_proc_save_fs(struct cryo_image *img);
int cryo_proc_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_proc_load_auxv(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_proc_load_fs(struct cryo_thawing *t, const struct cryo_rec *rec);
void cryo_proc_restore(struct cryo_thawing *t);
void cryo_proc_restore_leader(struct cryo_thawing *t);
void cryo_proc_release(struct cryo_thawing *t);
int cryo_proc_check_shared(struct cryo_thawing *t);

/* creds.c */
int cryo_creds_save_groups(struct cryo_image *img);
int cryo_creds_load_groups(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_creds_plan(struct cryo_thawing *t);
const struct cred *cryo_creds_open_cred(struct cryo_thawing *t);
int cryo_creds_out(struct cryo_thawing *t, struct cryo_thaw *arg);
unsigned long cryo_creds_nofile(struct cryo_thawing *t);
void cryo_creds_apply(struct cryo_thawing *t);
void cryo_creds_release(struct cryo_thawing *t);

/* signals.c */
int cryo_signals_save(struct cryo_image *img);
int cryo_signals_load(struct cryo_thawing *t, const struct cryo_rec *rec);
void cryo_signals_capture(struct cryo_image_thread *r);
void cryo_signals_restore(struct cryo_thawing *t);
void cryo_signals_restore_thread(const struct cryo_thawing_thread *th);
void cryo_signals_final(struct cryo_thawing *t);
void cryo_signals_keep_sigkill(void);
int cryo_signals_refuse(struct cryo_image *img, struct cryo_why *why);
int cryo_sigq_save(struct cryo_image *img);
void cryo_sigq_save_end(struct cryo_image *img);
int cryo_sigq_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_sigq_restore(struct cryo_thawing *t);
void cryo_sigq_release(struct cryo_thawing *t);

/* timers.c */
struct cryo_session;
struct cryo_thaw_timers;
int cryo_timers_refuse(struct cryo_image *img, struct cryo_why *why);
int cryo_timers_save(struct cryo_image *img);
void cryo_timers_save_end(struct cryo_image *img);
int cryo_timers_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_itimers_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_timers_check(struct cryo_thawing *t);
int cryo_thaw_timers(struct cryo_session *s, struct cryo_thaw_timers *arg);

/* tree.c */
int cryo_tree_find(struct cryo_image *img, struct task_struct *root);
bool cryo_tree_changed(struct cryo_image *img);
void cryo_tree_put(struct cryo_image *img);
void cryo_tree_release(struct cryo_image *img);
void cryo_tree_save(struct cryo_image *img);
int cryo_tree_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_tree_check_shared(struct cryo_thawing *t);

/* cpu.c */
int cryo_cpu_fpu_layout(unsigned int *note, unsigned int *size);
bool cryo_cpu_fpu_dynamic(struct task_struct *leader);
u64 cryo_cpu_xfeatures(void);
int cryo_cpu_capture(struct cryo_thread *th);
bool cryo_cpu_save(struct cryo_image *img);
int cryo_cpu_load_header(struct cryo_thawing *t);
int cryo_cpu_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_cpu_out(struct cryo_thawing *t, struct cryo_thawing_thread *th,
		 struct cryo_thaw_cpu *cpu);
void cryo_cpu_restore(struct cryo_thawing *t, struct cryo_thawing_thread *th);
void cryo_cpu_release(struct cryo_thawing *t);
bool cryo_cpu_saves_sched(void);

/* sleep.c */
struct pt_regs;
void cryo_sleep_capture(struct cryo_thread *th);
bool cryo_sleep_save(struct cryo_image *img, const struct cryo_thread *th,
		     s32 tid);
int cryo_sleep_load(struct cryo_thawing *t, const struct cryo_rec *rec);
int cryo_sleep_check(struct cryo_thawing *t);
int cryo_sleep_out(struct cryo_thawing *t, struct cryo_thawing_thread *th);
void cryo_sleep_restore(const struct cryo_thawing_thread *th,
			struct pt_regs *regs);

/* sched.c */
struct cryo_why;
struct mm_struct;
void cryo_sched_capture(struct cryo_image_thread *r);
int cryo_sched_refuse(struct cryo_image *img, struct cryo_why *why);
int cryo_sched_load(struct cryo_thawing_thread *th);
int cryo_sched_check(struct cryo_thawing *t);
void cryo_sched_restore(struct cryo_thawing_thread *th);
void cryo_sched_release(struct cryo_thawing_thread *th);
u32 cryo_sched_save_thp(struct mm_struct *mm);
void cryo_sched_restore_thp(struct cryo_thawing *t, struct mm_struct *mm);

#endif /* _CRYO_TASK_H */
