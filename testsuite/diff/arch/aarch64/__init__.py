"""AArch64 (AAPCS64 as Linux uses it): what gen.py emits that depends on the architecture,
and runner.py's messages.

One calling convention, FFI_SYSV (= FFI_DEFAULT_ABI, value 1), named 'sysv' like x86-64's
default one so that keys and test ids keep their form.  long double is IEEE binary128 (16
bytes, all significant), so the generator's long double types are gen.BINARY128_LONG_DOUBLE;
it also draws homogeneous aggregates (HFA/HVA: gen.Generator._st_homogeneous).  The C half is
arch.h (inline assembly of the runtime) and thunks.h (macros of the thunks below); abi.py
classifies the types and names libffi's known bugs.  The interface every architecture
package provides is described in ../__init__.py.
"""

import gen

from . import abi

NAME = 'aarch64'
ABIS = ('sysv',)

# long double is binary128: the x87 codes of gen.py's tables stand for it here
SCALAR_OVERRIDES = gen.BINARY128_LONG_DOUBLE
# homogeneous floating-point and short-vector aggregates, a struct kind of their own
EXTRA_STRUCT_KINDS = (('homogeneous', 6),)

# Programs built for AArch64 on another machine run under qemu-user, unless TEST_RUNNER says
# otherwise (make check exports configure's); the oracle, Debian's libffi8:arm64 and
# libffi-dev:arm64, is unpacked by this script into <cache>/arm64-oracle.
DEFAULT_TEST_RUNNER = 'qemu-aarch64-static -L /usr/aarch64-linux-gnu'
ORACLE_FETCH = 'tools/fetch-arm64-oracle.sh'

# included at the top of thunks.c
THUNKS_HEADER = 'arch/aarch64/thunks.h'

ret_in_memory = abi.ret_in_memory
describe = abi.describe
known_libffi_bugs = abi.known_libffi_bugs


def default_abis(windows):
    return ['sysv']


def callee_attribute(abi_name):
    return ''


def read_va_tail(sig):
    """Variadic tails are read with <stdarg.h>'s va_list."""
    return None


def rvalue_limit(sig):
    """C expression: how many bytes of rvalue ffi_call may write: the result's size, at least
    8 (an ffi_arg): gen.default_rvalue_limit."""
    return gen.default_rvalue_limit(sig)


def checks_narrow_extension(sig):
    """Closures returning an 8- or 16-bit integer are also called as returning uint64_t: w0
    must be sign- or zero-extended.  AAPCS64 leaves the upper bits unspecified, but libffi
    widens a narrow result to a whole ffi_arg on AArch64 too (callers built against it may
    rely on that), so ffix must as well."""
    return True


# --------------------------------------------------------------------------------------------
# Assembly thunks (thunks.c)

# A narrow integer result is defined only in its low 8/16/32 bits of x0 (AAPCS64 leaves the
# rest unspecified); GCC extends anyway, so a thunk puts junk in the upper bits: the caller
# (ffi_call, or the compiler at the direct call) has to do the widening itself.  The return
# address is in x30, not on the stack, so the callee sees the very same stack and registers;
# the thunk keeps x30 in a variable of its own around the call (x16/x17, IP0/IP1, are free at
# a call boundary).
NARROW_THUNK = r"""ASM_FUNC_BEGIN("%(f)s")
        "  adrp x16, %(f)s_ra\n"
        "  str x30, [x16, #:lo12:%(f)s_ra]\n"
        "  bl %(f)s_impl\n"
        "  %(ext)s\n"
%(junk)s
        "  orr x0, x0, x17\n"
        "  adrp x16, %(f)s_ra\n"
        "  ldr x30, [x16, #:lo12:%(f)s_ra]\n"
        "  ret\n"
        ASM_FUNC_END("%(f)s")"""
NARROW_THUNK_VAR = '__attribute__((visibility("hidden"), used)) uint64_t %(f)s_ra;'

# A result returned in memory: the caller passes the address of its buffer in x8, and the
# type's alignment is part of the contract (a callee may store with aligned pair stores).  A
# thunk records the address, the callee logs !MISALIGNED-RETPTR: if it is not aligned for the
# result type.
RETPTR_THUNK = r"""ASM_FUNC_BEGIN("%(f)s")
        "  adrp x16, %(f)s_rp\n"
        "  str x8, [x16, #:lo12:%(f)s_rp]\n"
        "  b %(f)s_impl\n"
        ASM_FUNC_END("%(f)s")"""
RETPTR_THUNK_VAR = '__attribute__((visibility("hidden"), used)) uint64_t %(f)s_rp;'

_NARROW = {1: ('and x0, x0, #0xff', 0xa5c3e1f00f1e3c00),
           2: ('and x0, x0, #0xffff', 0xa5c3e1f00f1e0000),
           4: ('mov w0, w0', 0xa5c3e1f000000000)}


def _load_x17(value):
    """movz/movk lines that load the 64-bit constant value into x17."""
    out = []
    for k in range(4):
        chunk = (value >> (16 * k)) & 0xffff
        if chunk:
            op = 'movk' if out else 'movz'
            out.append('        "  %s x17, #0x%x, lsl #%d\\n"' % (op, chunk, 16 * k))
    return '\n'.join(out)


def thunk(sig):
    """The assembly thunk of sig's callee (a gen.Thunk), or None if it has none: for a
    narrow integer result (junk in the upper bits of x0) and for a result returned in memory
    (records x8)."""
    f = sig.fname
    if gen.is_narrow(sig.ret):
        ext, junk = _NARROW[sig.ret.size]
        return gen.Thunk(NARROW_THUNK % {'f': f, 'ext': ext, 'junk': _load_x17(junk)},
                         [NARROW_THUNK_VAR % {'f': f}])
    if ret_in_memory(sig):
        return gen.Thunk(RETPTR_THUNK % {'f': f}, [RETPTR_THUNK_VAR % {'f': f}],
                         retptr='%s_rp' % f)
    return None


# --------------------------------------------------------------------------------------------
# Hand-written signatures (ids 920000..., as closures c970000...): AAPCS64's corner cases and
# libffi's known AArch64 bugs, whatever the seed.  Same format as gen.FIXED_SPECS: (note,
# return, arguments, nfixed); 'f128'/'cf128' are long double and _Complex long double.
BYREF_LD = ('struct', 'f128', 'i8')            # 32 bytes, 16-aligned, not an HFA: by reference
FIXED_SPECS = [
    ('libffi byref-pointer-misplaced: a 16-aligned struct over 16 bytes whose pointer goes on '
     'the stack at NSAA 8 (TESTING.md)',
     None, ['i64'] * 5 + [('struct', 'i8')] + ['i64'] * 3 + [BYREF_LD], None),
    ('byref-pointer-misplaced with a result and stacked arguments after the pointer', 'i64',
     ['i64'] * 9 + [BYREF_LD, 'i64', 'f64', 'i32'] + ['f64'] * 8, None),
    ('the same struct\'s pointer at NSAA 0 (16-aligned already)', 'f64',
     ['i64'] * 8 + [BYREF_LD, 'i32'], None),
    ('an 8-aligned struct over 16 bytes, its pointer at NSAA 8', 'i32',
     ['i64'] * 9 + [('struct', ['i64', 3]), 'i16'], None),
    ('libffi 3.8.0: __int128 in x6:x7, an int64 on the stack, then a struct by reference',
     'i64', ['i64'] * 6 + ['i128', 'i64', BYREF_LD], None),
    ('HFAs of one to four floats', ('struct', 'f32', 'f32', 'f32', 'f32'),
     [('struct', 'f32'), ('struct', ['f32', 2]), ('struct', 'f32', 'f32', 'f32'), 'f32'], None),
    ('HFAs of doubles and of long doubles (q registers)', ('struct', 'f128', 'f128'),
     [('struct', 'f64', 'f64', 'f64', 'f64'), ('struct', 'f128', 'f128', 'f128'), 'f128'], None),
    ('an HFA that no longer fits in v0-v7 goes on the stack, and so does every later '
     'floating-point argument (NSRN = 8)', 'f64',
     ['f64'] * 6 + [('struct', 'f64', 'f64', 'f64'), 'f64', 'f32', 'i32'], None),
    ('a composite that no longer fits in x0-x7 goes on the stack, and so does every later '
     'integer (NGRN = 8)', 'i32', ['i64'] * 7 + [('struct', 'i64', 'i64'), 'i32', 'f32'], None),
    ('__int128 takes an even register pair (x1 is skipped)', 'i128',
     ['i32', 'i128', 'i64', 'u128', 'i8', 'i128'], None),
    ('a 16-aligned composite of 16 bytes takes an even register pair', ('struct', 'i128'),
     ['i8', ('struct', 'i128'), 'i16', ('struct', 'u128')], None),
    ('HFAs built of complex numbers, nested structs and arrays', ('struct', 'cf32', 'f32'),
     [('struct', ('struct', ['f64', 2]), 'cf64'), ('struct', 'cf128'),
      ('struct', ('struct', 'f32'), ['f32', 2]), 'cf32'], None),
    ('not HFAs: float and double mixed (16 bytes in x0:x1)', ('struct', 'f32', 'f64'),
     [('struct', 'f64', 'f32'), ('struct', 'f32', 'i32'), ('struct', 'f32', ('struct', 'f64'))],
     None),
    ('not HFAs: five floats (by reference), returned in memory', ('struct', ['f32', 5]),
     [('struct', ['f32', 5]), ('struct', ['f64', 5]), 'f32'], None),
    ('HVAs of 8- and 16-byte vectors (lanes of any type)', ('struct', 'v16_f32', 'v16_i32'),
     [('struct', 'v8_i8', 'v8_f32', 'v8_i16'), ('struct', ['v16_f64', 4]), 'v16_i8'], None),
    ('an HVA of four 16-byte vectors returned in q0-q3', ('struct', ['v16_f64', 4]),
     ['v8_f32', ('struct', 'v16_i16', 'v16_i16'), ('struct', 'v16_f32', 'v8_f32')], None),
    ('variadic: an HFA, long double, doubles, complex in the variadic part', 'f64',
     ['i32', ('struct', 'f32', 'f32', 'f32'), 'f128', 'f64', ('struct', 'f64', 'f64'), 'cf64',
      'i64'], 1),
    ('variadic: doubles past v7 on the stack', 'f64', ['i32'] + ['f64'] * 10, 1),
    ('variadic __int128 and vectors', 'i64', ['i32', 'i64', 'i128', 'v16_f32', 'u128'], 1),
    ('stack alignment: long double and an HFA of long doubles after an odd number of 8-byte '
     'stack slots', 'f128', ['f64'] * 9 + ['f128', 'f32', ('struct', 'f128', 'f128'), 'i8'],
     None),
    ('narrow integers in 8-byte stack slots, narrow result', 'i16',
     ['i64'] * 8 + ['i8', 'u16', 'i32', 'u8', 'i16'], None),
    ('small composites in x registers: 3, 6 and 12 bytes', ('struct', ['u8', 3]),
     [('struct', ['u8', 3]), ('struct', 'i32', 'i32', 'i32'), ('struct', 'i16', 'i8', 'i16')],
     None),
    ('a result in memory (x8) with x0-x7 all taken', ('struct', ['i64', 5]),
     ['i64'] * 8 + ['i32', 'f64'], None),
    ('16-aligned structs over 16 bytes by reference, returned in memory', ('struct', 'i128', 'i64'),
     [('struct', 'i128', 'i8'), ('struct', 'f128', 'i32'), 'i8'], None),
    ('floats and integers interleaved', 'f32', ['f32', 'i32', 'f64', 'i64', 'f32', 'i8', 'cf32'],
     None),
    ('complex long double: two q registers each, the fifth on the stack', 'cf128',
     ['cf128'] * 5, None),
    ('many arguments: 20 mixed', ('struct', 'f64', 'f64', 'f64'),
     ['i8', 'f32', 'u16', 'f64', 'i32', 'f128', 'i64', 'cf32', 'ptr', 'u8',
      ('struct', 'f32', 'i32'), 'f64', 'i16', ('struct', ['u8', 11]), 'u32', 'f32', 'cf64',
      'i64', ('struct', 'f32', 'f32'), 'u64'], None),
]
