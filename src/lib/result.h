/*
 * result.h: the return convention of include/gntbox.h.
 *
 * Internal functions return 0 or an errno value; the public API returns 0
 * or -1 with errno set.
 */
#ifndef GNTBOX_LIB_RESULT_H
#define GNTBOX_LIB_RESULT_H

#include <errno.h>

/* Return 0, or -1 with errno set to error. */
static inline int
gbx_ret(int error)
{

	if (error == 0)
		return (0);
	errno = error;
	return (-1);
}

#endif /* GNTBOX_LIB_RESULT_H */
