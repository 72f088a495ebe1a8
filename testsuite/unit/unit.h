/* unit.h -- what the unit tests share.  */
#ifndef UNIT_H
#define UNIT_H
#include <stddef.h>

/* The number of elements of the array A, counted by the compiler rather
   than typed by hand; a compile-time error if A is a pointer (whose
   sizeof would give a wrong count silently).  */
#define ARRAY_LEN(a)                                                                               \
  (sizeof(a) / sizeof((a)[0]) +                                                                    \
   0 * sizeof(struct {                                                                             \
     _Static_assert(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])),            \
                    "ARRAY_LEN of a pointer");                                                     \
     int unused;                                                                                   \
   }))

#endif
