/*
 * rbgen.h: base/tree.h, for files that generate red-black tree code.
 *
 * cppcheck cannot find libbsd's <sys/tree.h> (it is behind the libbsd
 * overlay's include path), so it does not know RB_GENERATE_INTERNAL and
 * stops at the first RB_GENERATE_STATIC_UNUSED line.  When the libbsd
 * macro is missing, which happens only to cppcheck, the line expands to
 * nothing and the rest of the file is checked.
 */
#ifndef GNTBOX_HV_RBGEN_H
#define GNTBOX_HV_RBGEN_H

#include "base/tree.h"

#ifndef RB_GENERATE_INTERNAL
#undef RB_GENERATE_STATIC_UNUSED
#define RB_GENERATE_STATIC_UNUSED(name, type, field, cmp)
#endif

#endif /* GNTBOX_HV_RBGEN_H */
