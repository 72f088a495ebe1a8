"""System V x86-64 psABI classification of gen.py's types, and the Microsoft x64 convention's
slots.

The verdicts never depend on this module (the compiler's direct call is the ground truth); it
says which results come back through a hidden pointer (ret_in_memory: those callees get a
thunk that checks the pointer's alignment), where each argument should travel, so that a
failure message can print it, and it names the known libffi bugs among the oracle's
disagreements.
"""

import gen

NO, INTEGER, SSE, SSEUP, X87, X87UP, COMPLEX_X87, MEMORY = (
    'NO', 'INTEGER', 'SSE', 'SSEUP', 'X87', 'X87UP', 'COMPLEX_X87', 'MEMORY')

GPRS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9']


def _pieces(t, off):
    """(offset, class) of every eightbyte-sized piece of a scalar or vector at offset off."""
    if isinstance(t, gen.Vector):
        return [(off, SSE)] if t.size == 8 else [(off, SSE), (off + 8, SSEUP)]
    k = t.kind
    if k == 'int':
        return [(off, INTEGER), (off + 8, INTEGER)] if t.size == 16 else [(off, INTEGER)]
    if k in ('f32', 'f64'):
        return [(off, SSE)]
    if k == 'f80':
        return [(off, X87), (off + 8, X87UP)]
    if k == 'cf32':
        return [(off, SSE), (off + 4, SSE)]
    if k == 'cf64':
        return [(off, SSE), (off + 8, SSE)]
    if k == 'ci':
        # two members of the part type, as GCC classifies them (the psABI lists no complex
        # integers): every eightbyte the value overlaps is INTEGER
        return [(8 * w, INTEGER) for w in range(off // 8, (off + t.size - 1) // 8 + 1)]
    return [(off, COMPLEX_X87)]          # cf80


def _merge(a, b):
    # psABI 3.2.3, rule 4 of the aggregate classification
    if a == b:
        return a
    if a == NO:
        return b
    if b == NO:
        return a
    if MEMORY in (a, b):
        return MEMORY
    if INTEGER in (a, b):
        return INTEGER
    if any(c in (X87, X87UP, COMPLEX_X87) for c in (a, b)):
        return MEMORY
    return SSE


def _flatten(t, off, out):
    if isinstance(t, gen.Struct):
        o = 0
        for _, ft, cnt in t.fields:
            o = (o + ft.align - 1) // ft.align * ft.align
            for k in range(cnt or 1):
                _flatten(ft, off + o + k * ft.size, out)
            o += ft.size * (cnt or 1)
    else:
        out += _pieces(t, off)


def classify(t):
    """List of eightbyte classes, or [MEMORY]."""
    if not isinstance(t, gen.Struct):
        if isinstance(t, gen.Scalar) and t.kind == 'cf80':
            return [COMPLEX_X87]
        if isinstance(t, gen.Scalar) and t.kind == 'cf32':
            return [SSE]
        if isinstance(t, gen.Scalar) and t.kind == 'ci':
            # classified as an aggregate of its two parts: INTEGER eightbytes, or MEMORY
            # over 16 bytes (_Complex __int128), rule 1
            return [MEMORY] if t.size > 16 else [INTEGER] * ((t.size + 7) // 8)
        return [c for _, c in _pieces(t, 0)]
    if t.size > 16:
        return [MEMORY]
    cls = [NO] * ((t.size + 7) // 8)
    pieces = []
    _flatten(t, 0, pieces)
    for off, c in pieces:
        cls[off // 8] = _merge(cls[off // 8], c)
    if MEMORY in cls:
        return [MEMORY]
    for i, c in enumerate(cls):
        if c == X87UP and (i == 0 or cls[i - 1] != X87):
            return [MEMORY]
        if c == SSEUP and (i == 0 or cls[i - 1] not in (SSE, SSEUP)):
            cls[i] = SSE
    return cls


def arg_locations(sig):
    """Where each argument goes: e.g. 'rdi', 'xmm0', 'rdx+xmm1', 'stack'."""
    # a result returned in memory takes rdi for its address (psABI 3.2.3, returning)
    gp = 1 if sig.ret is not None and classify(sig.ret)[0] == MEMORY else 0
    sse = 0
    out = []
    for t in sig.args:
        cls = classify(t)
        if cls[0] in (MEMORY, X87, COMPLEX_X87) or X87 in cls:
            out.append('stack')
            continue
        ng = cls.count(INTEGER)
        ns = cls.count(SSE)
        if gp + ng > 6 or sse + ns > 8:
            out.append('stack')
            continue
        locs = []
        for c in cls:
            if c == INTEGER:
                locs.append(GPRS[gp])
                gp += 1
            elif c == SSE:
                locs.append('xmm%d' % sse)
                sse += 1
        out.append('+'.join(locs))
    return out


def ret_location(sig):
    t = sig.ret
    if t is None:
        return 'void'
    cls = classify(t)
    if cls[0] == MEMORY:
        return 'memory (hidden pointer in rdi)'
    if cls[0] == COMPLEX_X87:
        return 'st0+st1'
    gi, si, locs = 0, 0, []
    for i, c in enumerate(cls):
        if c == INTEGER:
            locs.append(['rax', 'rdx'][gi])
            gi += 1
        elif c == SSE:
            locs.append(['xmm0', 'xmm1'][si])
            si += 1
        elif c == X87:
            locs.append('st0')
    return '+'.join(locs)


def ms_by_reference(t):
    """Microsoft x64: an argument whose size is not 1, 2, 4 or 8 bytes is passed by reference
    to a copy (structs, long double, complex double, __int128...)."""
    return t.size not in (1, 2, 4, 8)


def ret_in_memory(sig):
    """Whether the result comes back through a hidden pointer."""
    t = sig.ret
    if t is None:
        return False
    if sig.ms:
        # structs and complex types of 1, 2, 4 or 8 bytes come back in rax, __int128 in xmm0,
        # everything else larger than 8 bytes through the hidden pointer (GCC does so for
        # long double too)
        if isinstance(t, gen.Scalar) and t.kind == 'int':
            return False
        return t.size not in (1, 2, 4, 8)
    complex_int = isinstance(t, gen.Scalar) and t.kind == 'ci'
    return (isinstance(t, gen.Struct) or complex_int) and classify(t)[0] == MEMORY


MS_GPRS = ['rcx', 'rdx', 'r8', 'r9']


def ms_arg_locations(sig):
    """Microsoft x64: one 8-byte slot per argument (the hidden result pointer first); slots 0..3
    in rcx/rdx/r8/r9 or, for float and double, xmm0..xmm3 (variadic ones in both); a value whose
    size is not 1, 2, 4 or 8 bytes goes by reference to a copy."""
    slot = 1 if ret_in_memory(sig) else 0
    out = []
    for i, t in enumerate(sig.args):
        var = sig.variadic() and i >= sig.nfixed
        ref = ms_by_reference(t)
        fp = isinstance(t, gen.Scalar) and t.kind in ('f32', 'f64')
        if slot < 4:
            if ref:
                loc = '&copy in ' + MS_GPRS[slot]
            elif fp:
                loc = 'xmm%d' % slot + ('+' + MS_GPRS[slot] if var else '')
            else:
                loc = MS_GPRS[slot]
        else:
            loc = 'stack' + (' (&copy)' if ref else '')
        out.append(loc)
        slot += 1
    return out


def ms_ret_location(sig):
    t = sig.ret
    if t is None:
        return 'void'
    if ret_in_memory(sig):
        return 'memory (hidden pointer in rcx)'
    if isinstance(t, gen.Scalar) and (t.kind in ('f32', 'f64') or t.size == 16):
        return 'xmm0'
    return 'rax'


def describe(sig):
    if sig.reject:
        return ('%s: a vector argument or result: ffi_prep_cif must return FFI_BAD_TYPEDEF'
                % sig.abi)
    if sig.ms:
        a = ms_arg_locations(sig)
        return 'Microsoft x64 (%s): %s; return in %s' % (
            sig.abi, ', '.join('a%d %s' % (i, x) for i, x in enumerate(a)) or 'no arguments',
            ms_ret_location(sig))
    a = arg_locations(sig)
    return 'psABI: %s; return in %s' % (
        ', '.join('a%d %s' % (i, x) for i, x in enumerate(a)) or 'no arguments',
        ret_location(sig))


def known_libffi_bugs(sig, tag, fline=None):
    """Names of the known libffi 3.4.4 bugs that explain an oracle disagreement tagged `tag`
    (see runner.classify; fline: the oracle's F line), or [] if none does."""
    parts = set(tag.split('+'))
    if sig.ms:
        return _known_ms_bugs(sig, parts, fline or '')
    if sig.closure:
        return _known_closure_bugs(sig, parts)
    names = []
    locs = arg_locations(sig)
    # libffi 3.4.4 copies all the remaining bytes of a struct into the slot of its INTEGER
    # eightbyte: from r9 that spills into the saved xmm0 (an earlier SSE argument)
    r9 = any('r9+xmm' in x for x in locs)
    x87_struct_ret = (isinstance(sig.ret, gen.Struct) and classify(sig.ret)[:1] == [X87])
    x87_ret = sig.ret is not None and (x87_struct_ret or (
        isinstance(sig.ret, gen.Scalar) and sig.ret.kind in ('f80', 'cf80')))
    big_struct_arg = any(isinstance(t, gen.Struct) and t.size > 16 for t in sig.args)
    explained = set()
    if r9 and parts & {'args', 'return'}:
        names.append('r9-mixed-struct')
        explained |= {'args', 'return'}
    if x87_struct_ret and 'return' in parts:
        names.append('x87-struct-return')
        explained |= {'return', 'X87-STACK-NOT-EMPTY'}
    if x87_ret and 'X87-STACK-NOT-EMPTY' in parts:
        names.append('x87-not-popped')
        explained.add('X87-STACK-NOT-EMPTY')
    if big_struct_arg and 'AVALUE-MODIFIED' in parts:
        names.append('avalue-rewritten')
        explained.add('AVALUE-MODIFIED')
    return names if parts <= explained else []


def _known_closure_bugs(sig, parts):
    names = []
    explained = set()
    # libffi 3.4.4's closures return struct { long double } (also nested) like ffi_call
    # reads it: in rax:rdx, with %st0 left empty; the caller's fstpt then pops an empty x87
    # stack and reads the "indefinite" NaN
    if (isinstance(sig.ret, gen.Struct) and classify(sig.ret)[:1] == [X87]
            and 'return' in parts):
        names.append('closure-x87-struct-return')
        explained.add('return')
    return names if parts <= explained else []


def _known_ms_bugs(sig, parts, fline):
    """libffi 3.4.4 under FFI_WIN64 / FFI_GNUW64 (src/x86/ffiw64.c, win64.S).  fline: the
    oracle's F line, or for a crash the runner's description of it."""
    names = []
    explained = set()
    ret_f80 = isinstance(sig.ret, gen.Scalar) and sig.ret.kind == 'f80'
    aligned16_in_memory = (sig.ret is not None and sig.ret.align >= 16 and
                           ret_in_memory(sig))
    if sig.closure:
        # FFI_WIN64: a long double result is not returned through the hidden pointer that
        # the (GCC-compiled) caller passes: the handler sees every argument shifted by one, and
        # the caller's result buffer is never written (or the closure crashes)
        if sig.abi == 'win64' and ret_f80:
            names.append('win64-longdouble-return-closure')
            explained |= parts
        return names if parts <= explained else []
    # FFI_WIN64 treats a long double result as FFI_TYPE_LONGDOUBLE: no hidden result pointer
    # is passed (the callee takes the first argument for it and the rest shifted), and the
    # entry of ffi_call_win64's return table for it calls abort()
    if (sig.abi == 'win64' and ret_f80 and 'crash' in parts and
            ' during ffi_call;' in fline):
        names.append('win64-longdouble-return')
        explained.add('crash')
    # with rvalue NULL, ffi_call_int puts its own buffer for a result returned in memory after
    # a 40-byte frame: 8-byte aligned only; a callee that stores with movaps faults
    if (aligned16_in_memory and 'crash' in parts and
            ' during ffi_call-null-rvalue;' in fline):
        names.append('null-rvalue-misaligned')
        explained.add('crash')
    # an argument passed by reference whose size is not 1, 2, 4 or 8 bytes, other than a
    # struct larger than 8 bytes (structs of 3, 5, 6 or 7 bytes, long double, complex double...),
    # is passed as avalue[i] itself, not as a copy: a callee that changes its parameter changes
    # the caller's argument (and the next call sees that)
    mod = [p for p in parts if p.startswith('ARG') and p.endswith('-MODIFIED')]
    if mod and all(_byref_uncopied(sig, int(p[3:-len('-MODIFIED')])) for p in mod):
        names.append('byref-arg-not-copied')
        explained |= set(mod) | {'NULL-RVALUE'}
    # ffi_call_int makes a copy of a struct larger than 8 bytes and stores its address into
    # the caller's avalue[i]
    if 'AVALUE-MODIFIED' in parts and any(
            isinstance(t, gen.Struct) and t.size > 8 for t in sig.args):
        names.append('avalue-rewritten')
        explained.add('AVALUE-MODIFIED')
    # with rvalue NULL, ffi_call_int puts its own buffer for a result returned in memory after
    # a 40-byte frame: 8-byte aligned only
    null = fline.partition('!NULL-RVALUE{')[2]
    if 'NULL-RVALUE' in parts and '!MISALIGNED-RETPTR' in null and aligned16_in_memory:
        names.append('null-rvalue-misaligned')
        explained.add('NULL-RVALUE')
    return names if parts <= explained else []


def _byref_uncopied(sig, i):
    if i >= len(sig.args):
        return False
    t = sig.args[i]
    return ms_by_reference(t) and not (isinstance(t, gen.Struct) and t.size > 8)
