/*
 * fdfill.h: filling a process's descriptor table, for the tests of a
 * client whose table is full (issue 11, defect 4).
 *
 *	tf_fill(128);		// RLIMIT_NOFILE 128, every slot taken
 *	...			// calls that need a descriptor: EMFILE
 *	tf_unfill(1);		// one slot free again
 *	tf_unfill(-1);		// all of them
 */
#ifndef GNTBOX_TESTS_FDFILL_H
#define GNTBOX_TESTS_FDFILL_H

/* Lower the soft RLIMIT_NOFILE to lim (the test fails if it cannot). */
void tf_limit(unsigned lim);

/*
 * tf_limit(lim), then dup() until EMFILE: the table is full (lim must be
 * above the descriptors already open, and at most TF_MAX).
 */
#define TF_MAX 1024
void tf_fill(unsigned lim);

/* Close n of the descriptors tf_fill() took (-1: all). */
void tf_unfill(int n);

/* How many descriptors the process has open. */
unsigned tf_open_fds(void);

#endif /* GNTBOX_TESTS_FDFILL_H */
