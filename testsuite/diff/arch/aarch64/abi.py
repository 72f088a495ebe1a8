"""AAPCS64 (the Procedure Call Standard for the Arm 64-bit Architecture, as Linux uses it)
classification of gen.py's types.

The verdicts never depend on this module (the compiler's direct call is the ground truth); it
says which results come back through the indirect result register x8 (ret_in_memory: those
callees get a thunk that checks the address's alignment), where each argument should travel,
so that a failure message can print it, and it names the known libffi bugs among the oracle's
disagreements.  The argument rules are those of AAPCS64 stage C (C.1-C.17): NGRN, NSRN and
NSAA are the next general-purpose register, SIMD/FP register and stacked argument address;
on Linux variadic arguments are passed like named ones.
"""

import re

import gen

NGR = NSR = 8     # x0-x7, v0-v7


def _round_up(n, a):
    return (n + a - 1) // a * a


def _fundamental(t):
    """(base, members) of a floating-point or short-vector type, the candidates for a
    homogeneous aggregate's base type, else None.  A complex number counts as two members of
    its part type; short vectors of one size are one base type, whatever their lanes."""
    if isinstance(t, gen.Vector):
        return ('v%d' % t.size, 1)
    if isinstance(t, gen.Scalar):
        k = t.kind
        if k in ('f32', 'f64', 'f128'):
            return (k, 1)
        if k in ('cf32', 'cf64', 'cf128'):
            return (k[1:], 2)
    return None


def homogeneous(t):
    """(base, members) if t is a floating-point or short-vector type, or an HFA/HVA of one to
    four members (AAPCS64 5.9.5: every member, arrays and nested structs flattened, of one base
    type), else None."""
    if not isinstance(t, gen.Struct):
        return _fundamental(t)
    base, n = None, 0
    for _, ft, cnt in t.fields:
        h = homogeneous(ft)
        if h is None or (base is not None and h[0] != base):
            return None
        base = h[0]
        n += h[1] * (cnt or 1)
    if base is None or not 1 <= n <= 4:
        return None
    return (base, n)


def by_reference(t):
    """A composite larger than 16 bytes that is not an HFA/HVA is passed as a pointer to a
    copy the caller makes (B.4).  A complex number of integer parts is a composite of its two
    parts (the C mapping of _Complex), so GCC's _Complex __int128 (32 bytes) is one too."""
    composite = isinstance(t, gen.Struct) or (isinstance(t, gen.Scalar) and t.kind == 'ci')
    return composite and t.size > 16 and homogeneous(t) is None


def ret_in_memory(sig):
    """Whether the result comes back in memory at the address the caller passes in x8: a
    composite larger than 16 bytes that is not an HFA/HVA (AAPCS64 6.9)."""
    return sig.ret is not None and by_reference(sig.ret)


def _vregs(first, n):
    return '+'.join('v%d' % (first + k) for k in range(n))


def _xregs(first, n):
    return '+'.join('x%d' % (first + k) for k in range(n))


def allocate(sig):
    """Where each argument goes, per AAPCS64 stage C: a list of (location, stack offset or
    None), location e.g. 'x3', 'x2+x3', 'v0+v1+v2', '&copy in x5', 'stack+16',
    'stack+8 (&copy)'."""
    ngrn = nsrn = nsaa = 0
    out = []

    def stack(size, align):
        nonlocal nsaa
        nsaa = _round_up(nsaa, max(8, min(align, 16)))
        off = nsaa
        nsaa += _round_up(size, 8)
        return off

    for t in sig.args:
        h = homogeneous(t)
        if h is not None:
            # C.2-C.5: floating-point, short vector, HFA or HVA: n consecutive v registers,
            # else NSRN is set to 8 and the argument goes on the stack
            n = h[1]
            if nsrn + n <= NSR:
                out.append((_vregs(nsrn, n), None))
                nsrn += n
            else:
                nsrn = NSR
                off = stack(t.size, t.align)
                out.append(('stack+%d' % off, off))
            continue
        if by_reference(t):
            # C.12: replaced by a pointer to a copy, then allocated as a pointer
            if ngrn < NGR:
                out.append(('&copy in x%d' % ngrn, None))
                ngrn += 1
            else:
                off = stack(8, 8)
                out.append(('stack+%d (&copy)' % off, off))
            continue
        size, align = t.size, t.align
        nd = (size + 7) // 8
        if align == 16 and nd == 2:
            # C.8 (__int128) and C.10 (a composite of alignment 16): an even register pair
            ngrn = _round_up(ngrn, 2)
        if ngrn + nd <= NGR:
            out.append((_xregs(ngrn, nd), None))
            ngrn += nd
        else:
            # C.13-C.17: no more x registers for anything, the argument goes on the stack
            ngrn = NGR
            off = stack(size, align)
            out.append(('stack+%d' % off, off))
    return out


def arg_locations(sig):
    return [loc for loc, _ in allocate(sig)]


def ret_location(sig):
    t = sig.ret
    if t is None:
        return 'void'
    h = homogeneous(t)
    if h is not None:
        return _vregs(0, h[1])
    if by_reference(t):
        return 'memory (address in x8)'
    return _xregs(0, (t.size + 7) // 8)


def describe(sig):
    a = arg_locations(sig)
    return 'AAPCS64: %s; return in %s' % (
        ', '.join('a%d %s' % (i, x) for i, x in enumerate(a)) or 'no arguments',
        ret_location(sig))


# --------------------------------------------------------------------------------------------
# Known libffi bugs (the oracle: Debian's libffi 3.4.4; also seen in libffi 3.8.0)


def misplaced_byref_pointers(sig):
    """Indexes of the arguments that libffi's ffi_call stores at another stack offset than
    AAPCS64's.  libffi (3.4.4 and 3.8.0) allocates the stack slot of the pointer that
    replaces a composite larger than 16 bytes with the alignment of the composite instead of
    the pointer's: for a 16-aligned composite (a long double or __int128 member) at an NSAA
    that is 8 modulo 16 the pointer lands 8 bytes too high, and every later stacked argument
    with it (until another such pointer realigns them).  The callee reads garbage for the
    pointer (a crash, or a struct of garbage) and for the arguments after it."""
    ffi_nsaa = 0
    bad = []
    for i, (t, (_, off)) in enumerate(zip(sig.args, allocate(sig))):
        if off is None:
            continue
        if by_reference(t):
            size, align = 8, max(8, t.align)
        else:
            size, align = _round_up(t.size, 8), max(8, min(t.align, 16))
        ffi_off = _round_up(ffi_nsaa, align)
        ffi_nsaa = ffi_off + size
        if ffi_off != off:
            bad.append(i)
    return bad


def _int128_x6x7_then_byref(sig):
    """libffi 3.8.0: an __int128 in x6:x7, then an 8-byte integer on the stack, then a
    composite passed by reference whose pointer goes on the stack (TESTING.md; only an oracle
    with ffi_type_sint128 can show it: Debian's libffi 3.4.4 has none)."""
    locs = arg_locations(sig)
    state = 0
    for t, loc in zip(sig.args, locs):
        if state == 0 and isinstance(t, gen.Scalar) and t.kind == 'int' and t.size == 16:
            if loc == 'x6+x7':
                state = 1
        elif state == 1 and loc.startswith('stack') and isinstance(t, gen.Scalar) \
                and t.kind == 'int' and t.size == 8:
            state = 2
        elif state == 2 and by_reference(t) and loc.startswith('stack'):
            return True
    return False


# What garbage in the callee's arguments shows as: their log (args), the result derived from
# it (return), a crash, and the call with rvalue NULL seeing other garbage (NULL-RVALUE); a
# callee that overwrites its by-reference parameter (CLOBBER_PARAM) through a garbage pointer
# may hit the caller's avalue[] or argument bytes (seen: a stale pointer to avalue[]), the
# registers ffi_call saved (CALLEE-SAVED-CLOBBERED, id 27492) or the rvalue buffer
# (RVALUE-OVERRUN, id 93337; both found by make check-diff-long).
_GARBAGE = {'args', 'return', 'crash', 'NULL-RVALUE', 'AVALUE-MODIFIED', 'CALLEE-SAVED-CLOBBERED',
            'RVALUE-OVERRUN'}


def _garbage(parts):
    return _GARBAGE | {p for p in parts if re.match(r'^ARG\d+-MODIFIED$', p)}


def known_libffi_bugs(sig, tag, fline=None):
    """Names of the known libffi bugs that explain an oracle disagreement tagged `tag` (see
    runner.classify; fline: the oracle's F line or crash description), or [] if none does.
    All are ffi_call bugs; libffi's closures get the same signatures right."""
    parts = set(tag.split('+'))
    if sig.closure:
        return []
    names = []
    explained = set()
    if misplaced_byref_pointers(sig) and parts & _GARBAGE:
        names.append('byref-pointer-misplaced')
        explained |= _garbage(parts)
    if _int128_x6x7_then_byref(sig) and parts & _GARBAGE:
        names.append('int128-x6x7-then-byref')
        explained |= _garbage(parts)
    # libffi 3.4.4: with rvalue NULL, ffi_call puts its own buffer for a result returned in
    # memory 40 bytes into a 16-aligned frame, so a result that needs 16-byte alignment (a
    # long double or __int128 member) gets an 8-aligned address in x8
    null = (fline or '').partition('!NULL-RVALUE{')[2]
    if ('NULL-RVALUE' in parts and '!MISALIGNED-RETPTR' in null and ret_in_memory(sig)
            and sig.ret.align >= 16):
        names.append('null-rvalue-misaligned')
        explained.add('NULL-RVALUE')
    return names if parts <= explained else []
