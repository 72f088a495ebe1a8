#!/usr/bin/env python3
"""make-corpus.py -- write the seed corpus for fuzz_prep.c (see the input
format at the top of that file).

usage: make-corpus.py [OUTDIR]
    Without OUTDIR: writes corpus/, crashers/ and libffi-crashers/ next to
    this script.

Each seed is a short program of DEF/CHAIN/SIG/OFFS/SET/COPY/ZERO
operations covering one family of hostile or interesting inputs; the file
name says which.  Re-running rewrites the same files byte for byte."""

import os
import sys

# Type codes.
VOID, INT, FLOAT, DOUBLE, LONGDOUBLE = 0, 1, 2, 3, 4
UINT8, SINT8, UINT16, SINT16, UINT32, SINT32, UINT64, SINT64 = 5, 6, 7, 8, 9, 10, 11, 12
STRUCT, POINTER, COMPLEX, UINT128, SINT128, VECTOR = 13, 14, 15, 16, 17, 18

# References to predefined types (0x40 + index in fuzz_prep.c's table).
P = {name: 0x40 + i for i, name in enumerate(
    "void uint8 sint8 uint16 sint16 uint32 sint32 uint64 sint64 float double pointer "
    "longdouble cfloat cdouble cldouble uint128 sint128".split())}
NULL = 0xFF

UNIX64 = 2
CALL, PLAN, NULLRV, GO, TWICE = 1, 2, 4, 8, 16


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def u16(v):
    return bytes([v & 0xFF, (v >> 8) & 0xFF])


def abi(a):
    if 0 <= a <= 6:
        return bytes([a])
    if a == 0xFFFFFFFF:
        return bytes([7])
    if a == 0x80000000:
        return bytes([8])
    return bytes([9]) + a.to_bytes(4, "little")


def DEF(idx, code, size=0, align=0, elems=None):
    """elems: None (NULL list), [] (empty list), a list of refs, or
    ('rep', count, [refs])."""
    out = bytes([0, idx, code]) + varint(size) + u16(align)
    if elems is None:
        return out + bytes([0])
    if isinstance(elems, tuple):
        _, count, pat = elems
        return out + bytes([2]) + varint(count) + bytes([len(pat)] + pat)
    if not elems:
        return out + bytes([3])
    return out + bytes([1, len(elems)] + elems)


def STRUCTDEF(idx, elems, size=0, align=0):
    return DEF(idx, STRUCT, size, align, elems)


def CHAIN(base, depth, fanout, leaf, flags=0, size=None, align=None):
    out = bytes([1, base, depth, fanout, flags, leaf])
    if flags & 1:
        out += varint(size) + u16(align)
    return out


def SIG(rtype, args, nargs=None, a=UNIX64, var=False, nfixed=0, call=CALL, seed=0):
    """args: the argument pattern (a list of refs, repeated to NARGS), or
    None for arg_types == NULL."""
    if nargs is None:
        nargs = len(args) if args else 0
    pat = args or []
    return (bytes([2]) + abi(a) + bytes([1 if var else 0]) + varint(nargs) + varint(nfixed) +
            bytes([rtype, len(pat)] + pat + [call, seed]))


def OFFS(ref, with_array=True, a=UNIX64):
    return bytes([3]) + abi(a) + bytes([ref, 1 if with_array else 0])


def SET_SIZE(idx, v):
    return bytes([4, idx, 0]) + varint(v)


def SET_ALIGN(idx, v):
    return bytes([4, idx, 1]) + u16(v)


def SET_TYPE(idx, v):
    return bytes([4, idx, 2, v])


def SET_ELEM(idx, k, ref):
    return bytes([4, idx, 3, k, ref])


def COPY(frm, to):
    return bytes([5, frm, to])


def ZERO(idx):
    return bytes([6, idx])


SCALARS = ["uint8", "sint8", "uint16", "sint16", "uint32", "sint32", "uint64", "sint64",
           "float", "double", "pointer", "longdouble", "uint128", "sint128"]

seeds = {}


def seed(name, *ops):
    data = b"".join(ops)
    assert name not in seeds, name
    seeds[name] = data


# ---- well-formed scalars, called through a closure
seed("scalars-args", SIG(P["sint32"], [P[s] for s in SCALARS]))
seed("scalars-returns", *[SIG(P[s], [P[s], P["double"]], call=CALL, seed=i)
                           for i, s in enumerate(SCALARS + ["void"])])
seed("scalars-returns-plan", *[SIG(P[s], [P["sint8"]], call=CALL | PLAN, seed=i)
                                for i, s in enumerate(SCALARS)])
seed("scalars-returns-go", *[SIG(P[s], [P["float"], P["uint16"]], call=CALL | GO, seed=i)
                              for i, s in enumerate(SCALARS)])
seed("scalars-null-rvalue", *[SIG(P[s], [P["sint64"]], call=CALL | NULLRV) for s in SCALARS])
seed("registers-exhausted",
     SIG(P["double"], [P["double"], P["sint64"], P["float"], P["uint8"]], nargs=40))
seed("scalar-copies",  # copies of predefined scalars, with other alignments
     COPY(P["sint32"], 0), COPY(P["double"], 1), SET_ALIGN(1, 1), COPY(P["uint64"], 2),
     SET_ALIGN(2, 32), SIG(0, [0, 1, 2, 0, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]))

# ---- small structs (psABI classification) in and out
seed("struct-char-double", STRUCTDEF(0, [P["sint8"], P["double"]]), SIG(0, [0, 0, 0, 0, 0], call=CALL | TWICE))
seed("struct-float2-float3",
     STRUCTDEF(0, [P["float"], P["float"]]), STRUCTDEF(1, [P["float"], P["float"], P["float"]]),
     SIG(0, [1, 0, 1]), SIG(1, [0, 1]), SIG(1, [0] * 9))
seed("struct-int-float-mix",
     STRUCTDEF(0, [P["sint32"], P["float"]]), STRUCTDEF(1, [P["double"], P["sint64"]]),
     STRUCTDEF(2, [P["sint64"], P["double"]]), STRUCTDEF(3, [P["uint8"], P["uint8"], P["uint8"]]),
     SIG(0, [1, 2, 3]), SIG(1, [0, 3]), SIG(2, [3, 3, 3, 3, 3, 3, 3]), SIG(3, [2, 1, 0]))
seed("struct-nested",
     STRUCTDEF(0, [P["sint8"], P["float"]]), STRUCTDEF(1, [0, P["sint16"], 0]),
     STRUCTDEF(2, [1, P["double"]]), SIG(1, [1, 2, 0]), SIG(2, [2]), OFFS(2), OFFS(1, False))
seed("struct-longdouble",
     STRUCTDEF(0, [P["longdouble"]]), STRUCTDEF(1, [P["longdouble"], P["sint32"]]),
     SIG(0, [0, 1]), SIG(1, [0]), SIG(P["cldouble"], [P["cldouble"], 0]))
seed("struct-int128",
     STRUCTDEF(0, [P["uint128"]]), STRUCTDEF(1, [P["sint8"], P["sint128"]]),
     SIG(0, [0, 1, P["uint128"]]), SIG(1, [0, 0, 0, 0]))
seed("struct-memory",
     STRUCTDEF(0, [P["double"], P["double"], P["double"]]),
     STRUCTDEF(1, ("rep", 100, [P["uint8"], P["double"]])),
     SIG(0, [0, 1, P["sint32"]], call=CALL | TWICE), SIG(1, [0, 1], call=CALL | NULLRV),
     SIG(1, [1, 0], call=CALL | GO))
seed("struct-odd-sizes", *[
    op for n in range(1, 17) for op in (STRUCTDEF(n, ("rep", n, [P["uint8"]])), SIG(n, [n, P["float"], n]))])
seed("struct-return-via-plan-go",
     STRUCTDEF(0, [P["float"], P["sint32"], P["double"]]), STRUCTDEF(1, [P["sint16"], P["double"]]),
     SIG(0, [1, 0], call=CALL | PLAN), SIG(1, [0, 1], call=CALL | GO), SIG(1, [1], call=CALL | NULLRV | PLAN))

# ---- complex types
seed("complex-predefined",
     SIG(P["cfloat"], [P["cfloat"], P["cdouble"], P["cldouble"]]),
     SIG(P["cdouble"], [P["cfloat"]] * 9), SIG(P["cldouble"], [P["cdouble"]] * 5, call=CALL | GO))
seed("complex-integer-parts", *[
    op for i, s in enumerate(["uint8", "sint16", "uint32", "sint64"])
    for op in (DEF(i, COMPLEX, 0, 0, [P[s]]), SIG(i, [i, i, P["double"]]))])
seed("complex-odd-parts",
     STRUCTDEF(0, [P["float"]]),
     DEF(1, COMPLEX, 0, 0, [0]),                      # complex of a struct
     DEF(2, COMPLEX, 0, 0, [P["pointer"]]),           # complex of a pointer
     DEF(3, COMPLEX, 0, 0, [P["void"]]),              # complex of void
     DEF(4, COMPLEX, 0, 0, None),                     # no parts
     DEF(5, COMPLEX, 0, 0, []),                       # empty parts
     DEF(6, COMPLEX, 12, 4, [P["float"]]),            # preset size wrong
     DEF(7, COMPLEX, 8, 3, [P["float"]]),             # preset alignment not a power of two
     DEF(8, COMPLEX, 0, 0, [P["cfloat"]]),            # complex of complex
     DEF(9, COMPLEX, 0, 0, [P["uint128"]]),
     DEF(10, COMPLEX, 0, 0, [P["float"], P["double"]]),  # extra parts
     *[SIG(i, [i]) for i in range(11)])
seed("complex-in-structs",
     STRUCTDEF(0, [P["float"], P["cfloat"]]), STRUCTDEF(1, [P["cfloat"], P["cfloat"]]),
     STRUCTDEF(2, [P["sint8"], P["cdouble"]]), STRUCTDEF(3, [P["cldouble"]]),
     SIG(0, [1, 2, 3]), SIG(1, [0]), SIG(2, [1]), SIG(3, [0, 1]))

# ---- vector types
seed("vectors-good", *[
    op for i, (lane, n) in enumerate([("float", 4), ("float", 3), ("double", 2), ("uint8", 8),
                                       ("uint8", 3), ("sint16", 5), ("float", 2), ("uint64", 2),
                                       ("sint32", 1)])
    for op in (DEF(i, VECTOR, 0, 0, [P[lane]] * n), SIG(i, [i, P["double"], i]))])
seed("vectors-bad",
     DEF(0, VECTOR, 0, 0, [P["float"], P["sint32"]]),      # mixed lanes
     DEF(1, VECTOR, 0, 0, []),                             # no lanes
     DEF(2, VECTOR, 0, 0, None),
     DEF(3, VECTOR, 0, 0, [P["pointer"], P["pointer"]]),   # pointer lanes
     DEF(4, VECTOR, 0, 0, [P["float"]] * 8),               # 32 bytes
     DEF(5, VECTOR, 0, 0, [P["longdouble"]] * 2),
     DEF(6, VECTOR, 12, 4, [P["float"]] * 3),              # preset size wrong
     DEF(7, VECTOR, 0, 0, [P["uint128"]]),
     DEF(8, VECTOR, 0, 0, [P["double"]]),                  # one double lane: memory
     DEF(9, VECTOR, 0, 0, [P["float"]]),
     DEF(10, VECTOR, 0, 0, ("rep", 100000, [P["uint8"]])),  # huge
     *[SIG(i, [i, i]) for i in range(11)])
seed("vectors-in-structs",
     DEF(0, VECTOR, 0, 0, [P["float"]] * 4), DEF(1, VECTOR, 0, 0, [P["uint8"]] * 4),
     STRUCTDEF(2, [0]), STRUCTDEF(3, [1, P["float"]]), STRUCTDEF(4, [P["double"], 1]),
     STRUCTDEF(5, [P["float"], 0]), SIG(2, [2, 3, 4, 5]), SIG(3, [3]), SIG(4, [4]), SIG(5, [5]))

# ---- cycles
seed("cycle-self", STRUCTDEF(0, [0]), SIG(P["void"], [0]), SIG(0, []), OFFS(0))
seed("cycle-mutual", STRUCTDEF(0, [P["sint32"], 1]), STRUCTDEF(1, [2, P["float"]]),
     STRUCTDEF(2, [0]), SIG(P["void"], [1]), OFFS(2), OFFS(0, False))
seed("cycle-through-presized",
     STRUCTDEF(0, [1], 8, 8), STRUCTDEF(1, [0], 8, 8), SIG(P["void"], [0]), SIG(1, []), OFFS(0))
seed("cycle-size0-through-presized",
     STRUCTDEF(0, [P["sint64"], 1]), STRUCTDEF(1, [0], 16, 8), SIG(P["void"], [0]), SIG(P["void"], [1]),
     OFFS(1))
seed("cycle-presized-big", STRUCTDEF(0, [0], 64, 8), SIG(P["void"], [0]), SIG(0, [0]))
seed("cycle-chain", CHAIN(0, 20, 1, P["double"], flags=2), SIG(P["void"], [0]), SIG(19, [19]),
     OFFS(5))
seed("cycle-in-complex-and-vector",
     STRUCTDEF(0, [1]), DEF(1, COMPLEX, 0, 0, [0]), DEF(2, VECTOR, 0, 0, [2]), SIG(P["void"], [0, 2]))

# ---- shared subtrees and DAGs
seed("dag-shallow", CHAIN(0, 10, 2, P["uint8"]), SIG(P["void"], [9]), SIG(9, [5, 6, 7, 8, 9]))
seed("dag-wide-shared", STRUCTDEF(0, [P["float"], P["sint32"]]),
     STRUCTDEF(1, ("rep", 1000, [0])), SIG(0, [0], nargs=1000), SIG(P["void"], [1, 0, 1]))
seed("dag-presized", CHAIN(0, 8, 3, P["sint16"], flags=1, size=8, align=8), SIG(7, [7, 6, 5]))

# ---- many arguments
seed("nargs-65535-int", SIG(P["sint32"], [P["sint32"]], nargs=65535))
seed("nargs-65535-mixed", STRUCTDEF(0, [P["sint8"], P["double"]]),
     SIG(P["double"], [P["double"], 0, P["uint8"], P["cfloat"], P["float"]], nargs=65535))
seed("nargs-65535-too-much-stack", STRUCTDEF(0, [P["double"]] * 3), SIG(P["void"], [0], nargs=65535))
seed("nargs-65535-null-array", SIG(P["void"], None, nargs=65535))
seed("nargs-null-entries", SIG(P["void"], [P["sint32"], NULL], nargs=10), SIG(NULL, [P["sint32"]]))

# ---- every ABI value
seed("abi-values", *[SIG(P["sint32"], [P["double"]], a=x) for x in
                     [0, 1, 2, 3, 4, 5, 6, 0xFFFFFFFF, 0x80000000, 1000, 0x7FFFFFFF]],
     *[OFFS(P["sint32"], a=x) for x in [0, 1, 3, 5, 0xFFFFFFFF]])
seed("abi-win64-closure", STRUCTDEF(0, [P["float"], P["float"]]), SIG(0, [0, P["double"]], a=3),
     SIG(0, [0], a=4), OFFS(0, a=3))

# ---- variadic calls
seed("variadic-good", SIG(P["sint32"], [P["pointer"], P["double"], P["sint32"], P["sint64"]], var=True,
                          nfixed=1),
     SIG(P["double"], [P["double"]] * 12, var=True, nfixed=0),
     STRUCTDEF(0, [P["float"], P["float"]]), SIG(0, [P["pointer"], 0, 0], var=True, nfixed=1))
seed("variadic-bad-types", SIG(P["void"], [P["pointer"], P["float"]], var=True, nfixed=1),
     SIG(P["void"], [P["pointer"], P["sint16"]], var=True, nfixed=1),
     SIG(P["void"], [P["pointer"], P["uint8"]], var=True, nfixed=1),
     SIG(P["void"], [P["float"], P["double"]], var=True, nfixed=1))
seed("variadic-nfixed-too-big", SIG(P["void"], [P["sint32"]] * 2, var=True, nfixed=3),
     SIG(P["void"], [P["sint32"]], var=True, nfixed=0xFFFFFFFF),
     SIG(P["void"], [], var=True, nfixed=1), SIG(P["void"], [P["sint32"]], nargs=65535, var=True, nfixed=70000))
seed("variadic-go-plan", SIG(P["cdouble"], [P["sint32"], P["cfloat"], P["double"]], var=True, nfixed=1,
                             call=CALL | GO),
     SIG(P["sint8"], [P["sint32"], P["longdouble"]], var=True, nfixed=1, call=CALL | PLAN))

# ---- wrong sizes and alignments
seed("bad-scalars",
     DEF(0, SINT32, 3, 4), DEF(1, SINT32, 4, 3), DEF(2, SINT32, 4, 0), DEF(3, SINT32, 0, 4),
     DEF(4, DOUBLE, 1 << 62, 8), DEF(5, FLOAT, 4, 65535), DEF(6, POINTER, 8, 32768),
     DEF(7, LONGDOUBLE, 10, 16), DEF(8, VOID, 0, 0), DEF(9, VOID, 5, 3),
     *[SIG(P["void"], [i]) for i in range(10)], *[SIG(i, []) for i in range(10)])
seed("bad-struct-sizes",
     STRUCTDEF(0, [P["sint64"]], (1 << 64) - 1, 8), STRUCTDEF(1, [P["sint64"]], 1 << 40, 8),
     STRUCTDEF(2, [P["sint64"]], 64 << 20, 8), STRUCTDEF(3, [P["sint64"]], 24, 3),
     STRUCTDEF(4, [P["sint64"]], 24, 0), STRUCTDEF(5, [1, 1, 1]), STRUCTDEF(6, [P["uint8"]], 1, 32768),
     *[SIG(P["void"], [i]) for i in range(7)], *[SIG(i, []) for i in range(7)], OFFS(5), OFFS(0))
seed("presized-overrun",  # members that do not fit the declared size
     STRUCTDEF(0, [P["double"], P["double"]], 8, 8), STRUCTDEF(1, [P["sint32"], P["float"], P["double"]], 12, 4),
     STRUCTDEF(2, [P["double"]], 4, 4), STRUCTDEF(3, [P["float"]], 16, 8),
     STRUCTDEF(4, [2, P["sint32"]]), SIG(0, [0, 1, 2, 3, 4]), SIG(1, [1]), SIG(3, [3]), SIG(4, [4]))
seed("huge-alignment", STRUCTDEF(0, [P["uint8"]], 32768, 32768), STRUCTDEF(1, [P["sint8"], 0]),
     SIG(P["void"], [0]), SIG(0, []), OFFS(1))

# ---- unknown type codes, NULL and empty element lists
seed("unknown-codes", *[DEF(i, code, 8, 8) for i, code in enumerate([19, 20, 21, 22, 99, 255])],
     *[SIG(P["void"], [i]) for i in range(6)], *[SIG(i, []) for i in range(6)],
     STRUCTDEF(10, [0, 1]), SIG(P["void"], [10]))
seed("null-elements", STRUCTDEF(0, None), STRUCTDEF(1, []), STRUCTDEF(2, None, 8, 8),
     STRUCTDEF(3, [], 8, 8), STRUCTDEF(4, [NULL]), *[SIG(P["void"], [i]) for i in range(5)],
     *[OFFS(i) for i in range(5)], *[OFFS(i, False) for i in range(5)])

# ---- huge element counts
seed("huge-struct-1M", STRUCTDEF(0, ("rep", 1 << 20, [P["uint8"]])), SIG(P["void"], [0]),
     SIG(P["void"], [P["sint32"], 0]), OFFS(0))
seed("huge-struct-return", STRUCTDEF(0, ("rep", 100000, [P["double"]])), SIG(0, [P["sint32"]]),
     SIG(0, [0]))
seed("huge-count-over-budget", STRUCTDEF(0, ("rep", 1 << 40, [P["uint8"]])), SIG(P["void"], [0]))

# ---- void where a value goes
seed("void-arguments", COPY(P["void"], 0), SET_SIZE(0, 1), SIG(P["void"], [0, P["sint32"]]),
     STRUCTDEF(1, [P["void"], P["sint32"]]), SIG(1, [1]), OFFS(1))

# ---- ffi_get_struct_offsets
seed("offsets", STRUCTDEF(0, [P["sint8"], P["double"], P["sint16"]]),
     STRUCTDEF(1, [0, P["cldouble"], 0]), STRUCTDEF(2, ("rep", 5000, [P["sint8"], 0])),
     OFFS(0), OFFS(1), OFFS(2), OFFS(P["sint32"]), OFFS(NULL), OFFS(0, a=0), OFFS(1, False),
     SIG(1, [2]))

# ---- mutating types between preparations
seed("mutate-after-prep", STRUCTDEF(0, [P["float"], P["float"]]), SIG(0, [0]),
     SET_ELEM(0, 1, P["sint32"]), SIG(0, [0]), SET_SIZE(0, 0), SET_ALIGN(0, 0), SIG(0, [0]),
     SET_TYPE(0, COMPLEX), SIG(P["void"], [0]), ZERO(0), SIG(P["void"], [0]))


# ---- reproducers of bugs the fuzzer found in ffix (crashers/, described
# in README.md); run-replay.sh replays them with the corpus, as regression
# tests.
crashers = {}


def crasher(name, *ops):
    assert name not in crashers, name
    crashers[name] = b"".join(ops)


crasher("ubsan-enum-abi-out-of-range",  # UBSan (C++ enum load) in ffi_prep_cif, _var, get_struct_offsets
        SIG(P["void"], [], a=0xFFFFFFFF),
        SIG(P["void"], [P["sint32"], P["sint32"]], a=1000, var=True, nfixed=1),
        OFFS(P["sint32"], a=0x80000000))
crasher("presized-struct-member-null-elements",  # NULL deref in put_type (signature.cc)
        STRUCTDEF(1, None), STRUCTDEF(0, [1], 8, 8), SIG(P["void"], [0]))
crasher("presized-dag-exponential",  # put_type walks 2^40 nodes: time and memory without bound
        CHAIN(0, 40, 2, P["uint8"], flags=1, size=64, align=8), SIG(P["void"], [39], call=0))
crasher("fastpath-size0-complex-null-elements",  # describe_type's fast path skips validation: SEGV in classify
        DEF(0, COMPLEX, 0, 4, None), SIG(P["void"], [0]))
crasher("fastpath-size0-vector-null-elements",  # same, SEGV in Walker::scalar
        DEF(0, VECTOR, 0, 4, None), SIG(P["void"], [0]))
crasher("fastpath-size0-struct-not-laid-out",  # FFI_OK, but the struct keeps size 0
        STRUCTDEF(0, [P["sint32"], P["double"]], 0, 8), SIG(P["void"], [0]))
crasher("fastpath-size0-struct-after-reset",  # the same, reached by resetting only the size
        STRUCTDEF(0, [P["float"], P["float"]]), SIG(0, [0]), SET_ELEM(0, 1, P["sint32"]),
        SET_SIZE(0, 0), SIG(0, [0]))
crasher("fastpath-size0-unknown-code",  # type code 99 with size 0 accepted
        DEF(0, 99, 0, 1, None), SIG(P["void"], [0]))
crasher("void-size-key-collision",  # plan for a 100-byte void argument reused for a 1-byte one
        COPY(P["void"], 0), SET_SIZE(0, 100), SIG(P["void"], [0]), COPY(P["void"], 1), SIG(P["void"], [1]))
crasher("void-member-key-collision",  # struct{void(1); float} and struct{void(9); float} share a key
        COPY(P["void"], 0), STRUCTDEF(1, [0, P["float"]], 16, 8), SIG(1, [1, 1]),
        COPY(P["void"], 2), SET_SIZE(2, 9), STRUCTDEF(3, [2, P["float"]], 16, 8), SIG(3, [3, 3]))
crasher("void-member-bad-alignment",  # a void member's alignment (5) is never checked
        COPY(P["void"], 0), SET_ALIGN(0, 5), STRUCTDEF(1, [0, P["uint8"]]), SIG(P["void"], [1], call=CALL | TWICE))


# ---- inputs that crash Debian's libffi 3.4.4 while ffix returns a status
# (libffi-crashers/, see the README there).  Not for the fuzzer's corpus
# against libffi: each kills the process.
libffi_crashers = {}


def libffi_crasher(name, *ops):
    assert name not in libffi_crashers, name
    libffi_crashers[name] = b"".join(ops)


libffi_crasher("cycle-self", STRUCTDEF(0, [0]), SIG(P["void"], [0], call=0))
libffi_crasher("cycle-through-presized", STRUCTDEF(0, [1], 8, 8), STRUCTDEF(1, [0], 8, 8),
               SIG(P["void"], [0], call=0))
libffi_crasher("null-argument-type", SIG(P["void"], [P["sint32"], NULL], call=0))
libffi_crasher("null-return-type", SIG(NULL, [P["sint32"]], call=0))
libffi_crasher("null-arg-types-array", SIG(P["void"], None, nargs=3, call=0))
libffi_crasher("null-struct-offsets", OFFS(NULL))
libffi_crasher("unknown-type-code", DEF(0, 99, 8, 8), SIG(P["void"], [0], call=0))
libffi_crasher("complex-of-struct", STRUCTDEF(1, [P["float"]]), DEF(0, COMPLEX, 0, 0, [1]),
               SIG(P["void"], [0], call=0))
libffi_crasher("presized-alignment-32768-call", STRUCTDEF(0, [P["float"], P["sint32"]], 1, 32768),
               SIG(0, [0] * 10))
libffi_crasher("struct-alignment-32768-call", STRUCTDEF(0, [P["uint8"]], 32768, 32768), SIG(P["void"], [0]))


def write(out, table):
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(table.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(table)} files in {out}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    write(out, seeds)
    if len(sys.argv) <= 1:
        write(os.path.join(here, "crashers"), crashers)
        write(os.path.join(here, "libffi-crashers"), libffi_crashers)


if __name__ == "__main__":
    main()
