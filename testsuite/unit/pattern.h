/* pattern.h -- what the placement tests share: argument bytes that are all
   different within one call, so that a byte found in a register or stack
   slot names the one argument and the one byte it came from.  */
#ifndef PATTERN_H
#define PATTERN_H
#include <criterion/criterion.h>
#include <ffi.h>
#include <stddef.h>
#include <string.h>

#include "unit.h"

/* Byte values the pattern never uses: 0x00, which zero and sign extension
   and cleared registers produce, and 0xee, which the capture buffers hold
   before each call (capture_callee, ms_capture_callee): neither can pass
   for an argument byte that was never written.  That leaves 254 values.  */
enum { PATTERN_BYTES = 254 };

/* The Nth pattern byte, for 0 <= N < PATTERN_BYTES: N + 1 up to 0xed, then
   N + 2 (0xef to 0xff).  It is strictly increasing in N, so different N
   give different bytes, and it is never 0x00 or 0xee.  */
static inline unsigned char pattern_byte(size_t n)
{
  return (unsigned char)(n + 1 < 0xee ? n + 1 : n + 2);
}

/* Fill the N arguments of TYPES, argument I at VALUES[I] (of room for
   ROOM bytes each), with consecutive pattern bytes: byte J of argument I
   is pattern_byte(S_I + J), where S_I is the sum of the sizes of
   arguments 0 to I-1.

   Why no two bytes of one call are equal: for two bytes (I, J) and
   (I', J') with I < I', S_I + J < S_I + size_I = S_(I+1) <= S_I' <=
   S_I' + J', and within one argument J != J' gives S_I + J != S_I + J';
   so the indices are all different, and pattern_byte maps different
   indices below PATTERN_BYTES to different bytes.  The indices stay below
   PATTERN_BYTES when the sizes add up to at most PATTERN_BYTES, which is
   asserted (the largest call here has 90 bytes of arguments).  So an
   argument found 16 bytes off, two arguments swapped, or one argument's
   bytes where another's belong all fail a byte comparison -- which the
   old 0x10 * (I + 1) + J did not: it gave argument I's byte J + 16 the
   value of argument I + 1's byte J.  The distinctness is also checked
   byte by byte below, for what was actually written.  Returns the number
   of bytes filled.  */
static inline size_t fill_pattern(unsigned n, ffi_type **types, void **values, size_t room)
{
  size_t next = 0;
  for (unsigned i = 0; i < n; i++) {
    size_t size = types[i]->size;
    cr_assert(size <= room, "argument %u (%zu bytes) does not fit its %zu bytes of storage", i, size, room);
    cr_assert(next + size <= PATTERN_BYTES, "%zu bytes of arguments: more than %d distinct pattern bytes",
              next + size, PATTERN_BYTES);
    for (size_t j = 0; j < size; j++) ((unsigned char *)values[i])[j] = pattern_byte(next + j);
    next += size;
  }
  unsigned char seen[256] = {0};
  for (unsigned i = 0; i < n; i++)
    for (size_t j = 0; j < types[i]->size; j++) {
      unsigned char b = ((unsigned char *)values[i])[j];
      cr_assert(b != 0x00 && b != 0xee && !seen[b], "pattern byte %#x of argument %u byte %zu is not unique", b, i, j);
      seen[b] = 1;
    }
  return next;
}

#endif
