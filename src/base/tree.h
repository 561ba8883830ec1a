/*
 * tree.h: libbsd's <sys/tree.h> and <sys/queue.h>, with one fix.
 *
 * libbsd leaves __unused empty (Debian #522773: a Linux header has a member
 * of that name), so RB_GENERATE_STATIC would make -Werror builds fail on
 * every generated function a file does not call.  RB_GENERATE_STATIC_UNUSED
 * marks them unused instead.  Include this rather than <sys/tree.h>;
 * base/rbfloor.h adds the floor search that tree.h lacks.
 */
#ifndef GNTBOX_BASE_TREE_H
#define GNTBOX_BASE_TREE_H

#include <sys/queue.h>
#include <sys/tree.h>

#define RB_GENERATE_STATIC_UNUSED(name, type, field, cmp)                      \
	RB_GENERATE_INTERNAL(name, type, field, cmp,                           \
	    __attribute__((__unused__)) static)

#endif /* GNTBOX_BASE_TREE_H */
