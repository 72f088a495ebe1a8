/* scalars.h -- the scalar types the portable tests pass and return, as an
   X-macro list, with the arithmetic their callees do and the values they
   start from.

   X(name, C type, ffi_type, formula, return kind, value a, value b)
     formula      F_INT (in uint64_t arithmetic, so that nothing
                  overflows) or F_FLT (plain arithmetic, also complex)
     return kind  S (signed integer: ffi_call widens it into an ffi_arg),
                  U (unsigned integer, likewise), F (stored as itself)
   The integer values have their sign bits set at every width, so that a
   missing sign or zero extension shows; the floating-point ones are of
   similar magnitude (each matters to the result), and the long double
   ones need more than a double's precision.  ffi_type_slong and ffi_type_ulong are
   32-bit on Windows and 64-bit on Linux: both are listed, with the C
   types they must match.  */
#ifndef FFIX_PORTABLE_SCALARS_H
#define FFIX_PORTABLE_SCALARS_H

#include <complex.h>
#include <stdint.h>

#define VA 0xF0E1D2C3B4A59687ull
#define VB 0x8123456789ABCDEFull

#define SCALAR_TYPES(X)                                                                        \
  X(uint8, uint8_t, ffi_type_uint8, F_INT, U, VA, VB)                                          \
  X(sint8, int8_t, ffi_type_sint8, F_INT, S, VA, VB)                                           \
  X(uint16, uint16_t, ffi_type_uint16, F_INT, U, VA, VB)                                       \
  X(sint16, int16_t, ffi_type_sint16, F_INT, S, VA, VB)                                        \
  X(uint32, uint32_t, ffi_type_uint32, F_INT, U, VA, VB)                                       \
  X(sint32, int32_t, ffi_type_sint32, F_INT, S, VA, VB)                                        \
  X(uint64, uint64_t, ffi_type_uint64, F_INT, U, VA, VB)                                       \
  X(sint64, int64_t, ffi_type_sint64, F_INT, S, VA, VB)                                        \
  X(uchar, unsigned char, ffi_type_uchar, F_INT, U, VA, VB)                                    \
  X(schar, signed char, ffi_type_schar, F_INT, S, VA, VB)                                      \
  X(ushort, unsigned short, ffi_type_ushort, F_INT, U, VA, VB)                                 \
  X(sshort, short, ffi_type_sshort, F_INT, S, VA, VB)                                          \
  X(uint, unsigned int, ffi_type_uint, F_INT, U, VA, VB)                                       \
  X(sint, int, ffi_type_sint, F_INT, S, VA, VB)                                                \
  X(ulong, unsigned long, ffi_type_ulong, F_INT, U, VA, VB)                                    \
  X(slong, long, ffi_type_slong, F_INT, S, VA, VB)                                             \
  X(float, float, ffi_type_float, F_FLT, F, -1.75, 1234.5)                                     \
  X(double, double, ffi_type_double, F_FLT, F, -1.0e10 / 7, 3.0e9 + 0.125)                         \
  X(longdouble, long double, ffi_type_longdouble, F_FLT, F, -1.0e10L / 7, 3.0e9L + 0.125L)        \
  X(complex_float, float _Complex, ffi_type_complex_float, F_FLT, F, 1.5f - 2.25f * I, -0.5f + 8.0f * I) \
  X(complex_double, double _Complex, ffi_type_complex_double, F_FLT, F, -1.0e10 / 3 + 7.5 * I, 0.25 - 1.0e9 / 7 * I) \
  X(complex_longdouble, long double _Complex, ffi_type_complex_longdouble, F_FLT, F,           \
    -1.0e10L / 3 + 7.5L * I, 0.25L - 1.0e9L / 7 * I)

#define F_INT(T, a, b) ((T)((uint64_t)(a) * 3u + (uint64_t)(b) + 1u))
#define F_FLT(T, a, b) ((T)((a) * 3 + (b) + 1))

/* Fold a formula over twelve values.  */
#define FOLD12(F, T, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11)                      \
  F(T, F(T, F(T, F(T, F(T, F(T, F(T, F(T, F(T, F(T, F(T, a0, a1), a2), a3), a4), a5), a6), a7), \
                           a8), a9), a10), a11)

/* A result as ffi_call stores it (rvalue) against the expected value.  */
#define RESULT_S(T, rv, want) (*(const ffi_arg *)(rv) == (ffi_arg)(ffi_sarg)(want))
#define RESULT_U(T, rv, want) (*(const ffi_arg *)(rv) == (ffi_arg)(want))
#define RESULT_F(T, rv, want) (*(const T *)(rv) == (want))

/* And as a closure's handler must store it.  */
#define STORE_S(T, rv, v) (*(ffi_arg *)(rv) = (ffi_arg)(ffi_sarg)(v))
#define STORE_U(T, rv, v) (*(ffi_arg *)(rv) = (ffi_arg)(v))
#define STORE_F(T, rv, v) (*(T *)(rv) = (v))

/* Storage for any result.  */
union result {
  ffi_arg arg;
  long double ld;
  long double _Complex cld;
  unsigned char bytes[64];
};

#endif
