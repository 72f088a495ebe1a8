#!/usr/bin/env python3
"""Random C signatures for the ffix differential tests, and the C sources that exercise them.

Every signature is a pure function of (seed, id): its types come from a PRNG seeded with
"ffix-diff:<seed>:<id>" and its argument values from a C PRNG seeded with (seed, id).  A batch of
signatures becomes four files:

  batch.h    shared types: vector typedefs, struct definitions, prototypes
  callees.c  one callee per signature (no ffi.h): it logs the significant bytes of every
             argument, derives a return value from them, and leaves junk in the return
             registers it does not use; for a closure signature also the closure handler,
             with the same body reading its arguments from avalue
  thunks.c   the assembly thunks of some callees (narrow results, hidden result pointers)
  caller.c   (includes ffi.h) builds the ffi_types, fills arguments, calls each callee through
             ffi_call and directly, and prints both results; for a closure signature it
             creates the closure and calls its code and the direct function (the callee) from
             one call site

Closure signatures ('c17') come from the same generator with their own id space and PRNG
stream; a batch may mix both kinds.

What depends on the architecture (function attributes of a calling convention, variadic
access, the thunks) comes from the package arch/<name> of the architecture the sources are
for, passed to the emitting functions as `tgt` (arch.for_compiler(cc)); the fixed C code is
in runtime/.

Command line (debugging): python3 gen.py --seed S --count N --out DIR [--ids 3,17] writes the
sources and a build.sh per batch; see README.md.
"""

import argparse
import os
import random
import shlex
import sys

if __name__ == '__main__':
    # the arch packages `import gen`: let them find this module, not a second copy
    sys.modules.setdefault('gen', sys.modules[__name__])

import arch  # noqa: E402

DEFAULT_SEED = 20240611
DEFAULT_BATCH = 200
# the PRNG of a closure signature's argument values is seeded with id + this
CLOSURE_RNG_OFFSET = 1 << 32


# Calling conventions.  sysv: the System V psABI (FFI_DEFAULT_ABI on Linux); win64 and gnuw64:
# the Microsoft x64 convention, called through a cif of ABI FFI_WIN64 or FFI_GNUW64 (3 and 4 on
# x86-64 Linux, 1 and 2 in a Windows build, where FFI_GNUW64 is the default), callees declared
# with the attribute the arch package gives (x86-64: __attribute__((ms_abi))).  A signature's
# key starts with its ABI's letter: 'w17' is ffi_call signature 17 under FFI_WIN64, 'gc17'
# closure signature 17 under FFI_GNUW64.
ABIS = ('sysv', 'win64', 'gnuw64')
MS_ABIS = ('win64', 'gnuw64')
ABI_PREFIX = {'sysv': '', 'win64': 'w', 'gnuw64': 'g'}
ABI_MACRO = {'sysv': 'FFI_DEFAULT_ABI', 'win64': 'FFI_WIN64', 'gnuw64': 'FFI_GNUW64'}


def sig_key(sid, closure, abi='sysv'):
    """'17' for ffi_call signature 17, 'c17' for closure signature 17; 'w17', 'wc17' under
    FFI_WIN64, 'g17', 'gc17' under FFI_GNUW64."""
    return ABI_PREFIX[abi] + ('c%d' if closure else '%d') % sid


def parse_key(key):
    """'17' -> (17, False, 'sysv'); 'c17' -> (17, True, 'sysv'); 'gc17' -> (17, True,
    'gnuw64')."""
    key = str(key).strip().lower()
    abi = 'sysv'
    for a, p in ABI_PREFIX.items():
        if p and key.startswith(p):
            abi, key = a, key[len(p):]
    if key[:1] == 'c':
        return int(key[1:]), True, abi
    return int(key), False, abi

# Features that Debian's libffi 3.4.4 lacks; signatures using them need the matching
# FFIX_EXT_* macro in the caller build and are only checked against the direct call.
FEATURE_MACROS = {'int128': 'FFIX_EXT_INT128', 'vector': 'FFIX_EXT_VECTOR'}


def _round_up(n, a):
    return (n + a - 1) // a * a


# --------------------------------------------------------------------------------------------
# Type model


class Type:
    """A C type: its spelling, layout, ffi_type expression and how to log and fill it."""
    needs = frozenset()

    def decl(self, name):
        return '%s %s' % (self.c, name)


class Scalar(Type):
    # kind: int (incl. int128 and pointers), f32, f64, f80, cf32, cf64, cf80, ci (a complex
    # number of two integer parts of size/2 bytes each)
    def __init__(self, code, c, size, align, ffi, kind, signed=None, needs=()):
        self.code, self.c, self.size, self.align, self.ffi = code, c, size, align, ffi
        self.kind, self.signed, self.needs = kind, signed, frozenset(needs)

    def is_narrow_int(self):
        return self.kind == 'int' and self.size < 8

    def log(self, e):
        # (f128 and cf128, IEEE binary128 long double: every byte is significant)
        if self.kind == 'f80':
            return ['lg_bytes(&(%s), 10);' % e]
        if self.kind == 'cf80':
            return ['lg_bytes(&(%s), 10);' % e, 'lg_bytes((const char *)&(%s) + 16, 10);' % e]
        return ['lg_bytes(&(%s), %d);' % (e, self.size)]

    def fill(self, e):
        k = self.kind
        if k == 'int':
            return ['fz_int(&(%s), %d, r);' % (e, self.size)]
        if k in ('f32', 'f64', 'f80', 'f128'):
            return ['fz_%s(&(%s), r);' % (k, e)]
        if k == 'ci':
            half = self.size // 2
            return ['fz_int(&(%s), %d, r);' % (e, half),
                    'fz_int((char *)&(%s) + %d, %d, r);' % (e, half, half)]
        part = {'cf32': ('f32', 4), 'cf64': ('f64', 8), 'cf80': ('f80', 16),
                'cf128': ('f128', 16)}[k]
        return ['fz_%s(&(%s), r);' % (part[0], e),
                'fz_%s((char *)&(%s) + %d, r);' % (part[0], e, part[1])]

    def __repr__(self):
        return self.code


def _scalars():
    s = {}

    def add(*a, **kw):
        s[a[0]] = Scalar(*a, **kw)
    add('i8', 'int8_t', 1, 1, '&ffi_type_sint8', 'int', True)
    add('u8', 'uint8_t', 1, 1, '&ffi_type_uint8', 'int', False)
    add('i16', 'int16_t', 2, 2, '&ffi_type_sint16', 'int', True)
    add('u16', 'uint16_t', 2, 2, '&ffi_type_uint16', 'int', False)
    add('i32', 'int32_t', 4, 4, '&ffi_type_sint32', 'int', True)
    add('u32', 'uint32_t', 4, 4, '&ffi_type_uint32', 'int', False)
    add('i64', 'int64_t', 8, 8, '&ffi_type_sint64', 'int', True)
    add('u64', 'uint64_t', 8, 8, '&ffi_type_uint64', 'int', False)
    add('ptr', 'void *', 8, 8, '&ffi_type_pointer', 'int', False)
    add('f32', 'float', 4, 4, '&ffi_type_float', 'f32')
    add('f64', 'double', 8, 8, '&ffi_type_double', 'f64')
    add('f80', 'long double', 16, 16, '&ffi_type_longdouble', 'f80')
    add('cf32', '_Complex float', 8, 4, '&ffi_type_complex_float', 'cf32')
    add('cf64', '_Complex double', 16, 8, '&ffi_type_complex_double', 'cf64')
    add('cf80', '_Complex long double', 32, 16, '&ffi_type_complex_longdouble', 'cf80')
    add('i128', '__int128', 16, 16, '&ffi_type_sint128', 'int', True, needs=('int128',))
    add('u128', 'unsigned __int128', 16, 16, '&ffi_type_uint128', 'int', False,
        needs=('int128',))
    # GCC's complex numbers of integer parts; their ffi_types are runtime/caller.h's ct_*
    # (libffi predefines none).  _Complex takes no typedef name, so the types are spelled out.
    for code, c, size, signed in (('ci8', 'signed char', 1, True), ('cu8', 'unsigned char', 1, False),
                                  ('ci16', 'short', 2, True), ('cu16', 'unsigned short', 2, False),
                                  ('ci32', 'int', 4, True), ('cu32', 'unsigned int', 4, False),
                                  ('ci64', 'long long', 8, True),
                                  ('cu64', 'unsigned long long', 8, False),
                                  ('ci128', '__int128', 16, True),
                                  ('cu128', 'unsigned __int128', 16, False)):
        add(code, '_Complex ' + c, 2 * size, size, '&ct_' + code, 'ci', signed,
            needs=('int128',) if size == 16 else ())
    return s


SCALARS = _scalars()

# long double as IEEE binary128 (16 bytes, 16-aligned, all significant: AArch64 Linux): an
# architecture package whose long double is that format lists these in SCALAR_OVERRIDES
# under the codes of the x87 ones, so the generator draws the same kinds of signatures.
F128 = Scalar('f128', 'long double', 16, 16, '&ffi_type_longdouble', 'f128')
CF128 = Scalar('cf128', '_Complex long double', 32, 16, '&ffi_type_complex_longdouble', 'cf128')
BINARY128_LONG_DOUBLE = {'f80': F128, 'cf80': CF128, 'f128': F128, 'cf128': CF128}


def scalars_for(tgt):
    """The scalar types by code for the architecture package tgt (None: x86-64's model):
    SCALARS with the package's SCALAR_OVERRIDES."""
    over = getattr(tgt, 'SCALAR_OVERRIDES', None)
    if not over:
        return SCALARS
    table = dict(SCALARS)
    table.update(over)
    return table


class Vector(Type):
    """GCC vector_size(8|16) of a float/double/integer lane: FFI_TYPE_VECTOR, size/alignment 0."""
    needs = frozenset(['vector'])

    def __init__(self, size, lane):
        self.size = self.align = size
        self.lane = SCALARS[lane]
        self.n = size // self.lane.size
        self.code = self.c = 'v%d_%s' % (size, lane)
        self.ffi = '&vt_%s' % self.c

    def log(self, e):
        return ['lg_bytes(&(%s), %d);' % (e, self.size)]

    def fill(self, e):
        out = []
        for k in range(self.n):
            out += self.lane.fill('*(%s *)((char *)&(%s) + %d)' % (self.lane.c, e, k * self.lane.size))
        return out

    def typedef(self):
        return 'typedef %s %s __attribute__((vector_size(%d)));' % (self.lane.c, self.c, self.size)

    def ffi_def(self):
        els = ', '.join([self.lane.ffi] * self.n)
        return ('static ffi_type *vt_%s_el[] = { %s, NULL };\n'
                'static ffi_type vt_%s = { 0, 0, FFI_TYPE_VECTOR, vt_%s_el };'
                % (self.c, els, self.c, self.c))

    def __repr__(self):
        return self.code


VECTORS = {}
for _size, _lanes in ((8, ('i8', 'u8', 'i16', 'i32', 'i64', 'f32', 'f64')),
                      (16, ('i8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64'))):
    for _lane in _lanes:
        _v = Vector(_size, _lane)
        VECTORS[_v.code] = _v


class Struct(Type):
    """A struct; fields are (name, type, count) with count None for a plain member, else an
    array length.  In the ffi_type an array is its element type repeated count times."""

    def __init__(self, name, fields):
        self.name = self.c = self.code = name
        self.fields = fields
        self.ffi = '&t%s' % name
        off, align = 0, 1
        needs = set()
        for _, t, cnt in fields:
            off = _round_up(off, t.align) + t.size * (cnt or 1)
            align = max(align, t.align)
            needs |= t.needs
        self.size, self.align = _round_up(off, align), align
        self.needs = frozenset(needs)

    def members(self):
        """(C lvalue suffix, type) of every ffi element, arrays expanded."""
        for fname, t, cnt in self.fields:
            if cnt is None:
                yield fname, t
            else:
                for k in range(cnt):
                    yield '%s[%d]' % (fname, k), t

    def log(self, e):
        return ['log_%s(&(%s));' % (self.name, e)]

    def fill(self, e):
        return ['fill_%s(&(%s), r);' % (self.name, e)]

    def definition(self):
        body = ''.join('  %s%s;\n' % (t.decl(f), '' if cnt is None else '[%d]' % cnt)
                       for f, t, cnt in self.fields)
        return 'typedef struct %s {\n%s} %s; /* size %d, align %d */' % (
            self.name, body, self.name, self.size, self.align)

    def log_func(self):
        out = ['void log_%s(const %s *p)' % (self.name, self.name), '{', '  lg_str("{");']
        for i, (f, t, cnt) in enumerate(self.fields):
            if i:
                out.append('  lg_str(",");')
            if cnt is None:
                out += ['  ' + s for s in t.log('p->' + f)]
            else:
                out.append('  lg_str("[");')
                for k in range(cnt):
                    if k:
                        out.append('  lg_str(",");')
                    out += ['  ' + s for s in t.log('p->%s[%d]' % (f, k))]
                out.append('  lg_str("]");')
        out += ['  lg_str("}");', '}']
        return '\n'.join(out)

    def fill_func(self):
        out = ['void fill_%s(%s *p, rng_t *r)' % (self.name, self.name), '{']
        for m, t in self.members():
            out += ['  ' + s for s in t.fill('p->' + m)]
        out.append('}')
        return '\n'.join(out)

    def ffi_elements(self):
        return [t.ffi for _, t in self.members()]

    def __repr__(self):
        return 'struct{%s}' % ', '.join(
            repr(t) + ('' if c is None else '[%d]' % c) for _, t, c in self.fields)


# --------------------------------------------------------------------------------------------
# Signatures


class Sig:
    """A signature.  closure=False: called through ffi_call; closure=True: implemented by an
    ffi_closure handler and called from C.  The two kinds have separate id spaces; `key` ('17'
    or 'c17') names the signature in the output and in C identifiers (f17, fc17, sc17_0...)."""

    def __init__(self, sid, ret, args, nfixed=None, note='', closure=False, abi='sysv'):
        self.sid, self.ret, self.args, self.nfixed = sid, ret, list(args), nfixed
        self.closure = closure
        self.abi = abi
        self.ms = abi in MS_ABIS
        self.key = sig_key(sid, closure, abi)
        self.structs = []   # every struct type used, dependencies first
        for t in self.args + ([ret] if ret else []):
            self._collect(t)
        self.note = note
        needs = set()
        for t in self.args + ([ret] if ret else []):
            needs |= t.needs
        self.needs = frozenset(needs)
        self.fname = 'f' + self.key
        # The Microsoft x64 convention has no vector types: ffi_prep_cif must refuse an
        # argument or a result of a vector type (FFI_BAD_TYPEDEF); nothing is called.  A
        # struct with a vector member is an aggregate like any other there (passed and
        # returned by its size alone) and is called and compared as usual.
        self.reject = self.ms and any(isinstance(t, Vector)
                                      for t in self.args + ([ret] if ret else []))

    def rng_id(self):
        """The id the C PRNG for the argument values is seeded with."""
        return self.sid + (CLOSURE_RNG_OFFSET if self.closure else 0)

    def title(self):
        return ('closure signature %s' if self.closure else 'signature %s') % self.key

    def abi_macro(self):
        return ABI_MACRO[self.abi]

    def _collect(self, t):
        if isinstance(t, Struct) and t not in self.structs:
            for _, ft, _ in t.fields:
                self._collect(ft)
            self.structs.append(t)

    def vectors(self):
        seen = []

        def walk(t):
            if isinstance(t, Vector) and t not in seen:
                seen.append(t)
            elif isinstance(t, Struct):
                for _, ft, _ in t.fields:
                    walk(ft)
        for t in self.args + ([self.ret] if self.ret else []):
            walk(t)
        return seen

    def variadic(self):
        return self.nfixed is not None

    def guard(self):
        return ' && '.join(FEATURE_MACROS[f] for f in sorted(self.needs)) or '1'

    def prototype(self, tgt, names=False, name=None):
        """The C prototype for the architecture package tgt; name replaces the function name
        (e.g. '(*fp_t)').  The function (or pointer) type carries the convention's attribute,
        if any (x86-64, Microsoft convention: __attribute__((ms_abi)))."""
        params = []
        nfix = self.nfixed if self.variadic() else len(self.args)
        for i, t in enumerate(self.args[:nfix]):
            params.append(t.decl('a%d' % i) if names else t.c)
        if self.variadic():
            params.append('...')
        rc = self.ret.c if self.ret else 'void'
        name = name or self.fname
        attr = tgt.callee_attribute(self.abi)
        if attr:
            if name.startswith('('):
                name = '(%s %s' % (attr, name[1:])
            else:
                name = '%s %s' % (attr, name)
        return '%s %s(%s)' % (rc, name, ', '.join(params) or 'void')

    def c_text(self, tgt):
        """The signature as C (for the architecture package tgt): the types it uses and its
        prototype (with the variadic tail as a comment)."""
        out = []
        for v in self.vectors():
            out.append(v.typedef())
        for s in self.structs:
            out.append(s.definition())
        p = self.prototype(tgt) + ';'
        if self.variadic():
            p += '  /* called with variadic tail: (%s) */' % (', '.join(
                t.c for t in self.args[self.nfixed:]) or 'none')
        if self.note:
            out.append('/* %s */' % self.note)
        if self.ms:
            out.append('/* ABI: %s (cif of %s)%s */' % (
                self.abi, ABI_MACRO[self.abi],
                '; a vector argument or result: ffi_prep_cif must return FFI_BAD_TYPEDEF'
                if self.reject else ''))
        if self.closure:
            out.append('/* a closure of this type (ffi_prep_closure_loc), called from C */')
        out.append(p)
        return '\n'.join(out)


class Generator:
    """Draws one random signature.  ext: features this signature may use (subset of
    FEATURE_MACROS).  tgt: the architecture package (None: x86-64), for its type model
    (SCALAR_OVERRIDES) and the struct kinds it adds (EXTRA_STRUCT_KINDS: (name, weight) of
    Generator._st_<name>); without either, the draws are those of x86-64."""

    SCALAR_W = [('i8', 3), ('u8', 3), ('i16', 3), ('u16', 3), ('i32', 5), ('u32', 4),
                ('i64', 5), ('u64', 4), ('ptr', 3), ('f32', 7), ('f64', 7), ('f80', 3),
                ('cf32', 1.5), ('cf64', 1.5), ('cf80', 1), ('ci8', 0.5), ('cu8', 0.5),
                ('ci16', 0.5), ('cu16', 0.5), ('ci32', 0.5), ('cu32', 0.5), ('ci64', 0.5),
                ('cu64', 0.5)]
    # complex numbers are not promoted, whatever the size of their parts (C11 6.5.2.2)
    VARARG_OK = ('i32', 'u32', 'i64', 'u64', 'ptr', 'f64', 'f80', 'cf32', 'cf64', 'cf80',
                 'i128', 'u128', 'ci8', 'cu8', 'ci16', 'cu16', 'ci32', 'cu32', 'ci64', 'cu64',
                 'ci128', 'cu128')

    def __init__(self, rng, sid, ext, closure=False, abi='sysv', tgt=None):
        self.rng, self.sid, self.ext = rng, sid, frozenset(ext)
        self.closure = closure
        self.abi = abi
        self.key = sig_key(sid, closure, abi)
        self.structs = []
        self.S = scalars_for(tgt)
        self.extra_kinds = list(getattr(tgt, 'EXTRA_STRUCT_KINDS', ()))

    def pick(self, weighted):
        total = sum(w for _, w in weighted)
        x = self.rng.random() * total
        for v, w in weighted:
            x -= w
            if x < 0:
                return v
        return weighted[-1][0]

    def scalar(self, vararg=False):
        w = list(self.SCALAR_W)
        if 'int128' in self.ext:
            w += [('i128', 4), ('u128', 4), ('ci128', 1), ('cu128', 1)]
        if 'vector' in self.ext:
            w += [('vec', 8)]
        if vararg:
            w = [(c, x) for c, x in w if c in self.VARARG_OK or c == 'vec']
        c = self.pick(w)
        if c == 'vec':
            return VECTORS[self.rng.choice(sorted(VECTORS))]
        return self.S[c]

    def new_struct(self, fields):
        s = Struct('s%s_%d' % (self.key, len(self.structs)), fields)
        self.structs.append(s)
        return s

    def fields_of(self, types):
        return [('f%d' % i, t, c) for i, (t, c) in enumerate(types)]

    def struct(self, depth=1):
        """A struct type at nesting depth `depth` (1 = outermost)."""
        rng = self.rng
        if self.structs and rng.random() < 0.12:
            cand = [s for s in self.structs if self._depth(s) + depth - 1 <= 3]
            if cand:
                return rng.choice(cand)
        for _ in range(50):
            kind = self.pick([('small', 5), ('mixed', 4), ('fp', 3), ('ld', 1), ('large', 3),
                              ('nested', 3 if depth < 3 else 0), ('random', 6)] +
                             self.extra_kinds)
            types = getattr(self, '_st_' + kind)(depth)
            if not types:
                continue
            s = Struct('tmp', self.fields_of(types))
            if 0 < s.size <= 512:
                return self.new_struct(self.fields_of(types))
        return self.new_struct(self.fields_of([(self.S['i32'], None)]))

    def _depth(self, s):
        d = 0
        for _, t, _ in s.fields:
            if isinstance(t, Struct):
                d = max(d, self._depth(t))
        return d + 1

    def _arr(self, t, p=0.2, maxn=4):
        if self.rng.random() < p:
            return (t, self.rng.randint(1, maxn))
        return (t, None)

    def _st_small(self, depth):
        """Odd sizes 1..7 and 9..15 from 1- and 2-byte members."""
        rng = self.rng
        out = []
        for _ in range(rng.randint(1, 5)):
            t = self.S[rng.choice(['i8', 'u8', 'i16', 'u16', 'i8'])]
            out.append(self._arr(t, 0.3, 7 if t.size == 1 else 3))
        s = Struct('tmp', self.fields_of(out))
        return out if s.size <= 15 else None

    def _st_mixed(self, depth):
        """A float and an integer sharing one eightbyte, maybe more eightbytes after."""
        rng = self.rng
        S = self.S
        first = rng.choice([['f32', 'i32'], ['i32', 'f32'], ['i16', 'i8', 'f32'], ['f32', 'i16'],
                            ['i8', 'f32'], ['f32', 'u8', 'u8'], ['u16', 'f32'], ['f32', 'u32']])
        rest = rng.choice([[], [], ['f64'], ['f32', 'f32'], ['i64'], ['f32', 'i32'], ['ptr'],
                           ['i8'], ['f64', 'f64'], ['i32', 'f32', 'f64'], ['f32']])
        if rng.random() < 0.5:
            first, rest = rest, first
        return [(S[c], None) for c in first + rest]

    def _st_fp(self, depth):
        rng = self.rng
        S = self.S
        c = rng.choice([['f32'] * rng.randint(1, 5), ['f64'] * rng.randint(1, 3),
                        ['f32', 'f64'], ['f64', 'f32'], ['f64', 'f32', 'f32'],
                        ['f32', 'f32', 'f64'], ['cf32'], ['cf64'], ['f32', 'cf32'],
                        ['cf32', 'f64']])
        out = [(S[x], None) for x in c]
        if rng.random() < 0.25:
            out = [(S[rng.choice(['f32', 'f64'])], rng.randint(1, 4))]
        return out

    def _st_ld(self, depth):
        S = self.S
        c = self.rng.choice([['f80'], ['f80'], ['f80', 'i32'], ['i8', 'f80'], ['f80', 'f64'],
                             ['f64', 'f80'], ['cf80'], ['f80', 'f80']])
        return [(S[x], None) for x in c]

    def _st_large(self, depth):
        out = [self._arr(self.scalar(), 0.15, 3) for _ in range(self.rng.randint(3, 8))]
        s = Struct('tmp', self.fields_of(out))
        return out if s.size > 16 else None

    def _st_nested(self, depth):
        out = []
        for _ in range(self.rng.randint(1, 4)):
            if self.rng.random() < 0.5:
                out.append(self._arr(self.struct(depth + 1), 0.2, 3))
            else:
                out.append(self._arr(self.scalar(), 0.15, 3))
        return out

    def _st_random(self, depth):
        out = []
        for _ in range(self.rng.randint(1, 5)):
            if depth < 3 and self.rng.random() < 0.15:
                out.append(self._arr(self.struct(depth + 1), 0.15, 3))
            else:
                out.append(self._arr(self.scalar(), 0.2, 4))
        return out

    def _st_homogeneous(self, depth):
        """1..4 members of one floating-point type, or of vectors of one size (AAPCS64's
        homogeneous aggregates, HFA and HVA, which travel in vector registers), spread over
        arrays, nested structs and complex numbers (a complex counts as two members); now
        and then a near miss: five members, or one member of another type or size.  (Drawn
        only where an architecture package lists it in EXTRA_STRUCT_KINDS.)"""
        rng = self.rng
        S = self.S
        bases = [('f32', 4), ('f64', 4), ('f80', 2)]
        if 'vector' in self.ext:
            bases += [('v8', 2), ('v16', 3)]
        base = self.pick(bases)
        n = self.pick([(1, 2), (2, 3), (3, 3), (4, 3), (5, 1)])
        miss = rng.random() < 0.12
        if base[0] == 'v':
            size = int(base[1:])
            lanes = sorted(c for c, v in VECTORS.items() if v.size == size)
            one = VECTORS[rng.choice(lanes)]
            # vectors of one size are one base type, whatever their lanes
            mixed = rng.random() < 0.3

            def unit():
                return VECTORS[rng.choice(lanes)] if mixed else one
            other = VECTORS[rng.choice(sorted(c for c, v in VECTORS.items() if v.size != size))]
            cplx = None
        else:
            def unit():
                return S[base]
            other = S[rng.choice([c for c in ('f32', 'f64', 'f80') if c != base])]
            cplx = S['c' + base]

        def members(k, d):
            out = []
            while k > 0:
                r = rng.random()
                if cplx is not None and k >= 2 and r < 0.2:
                    out.append((cplx, None))
                    k -= 2
                elif k >= 2 and r < 0.45:
                    m = rng.randint(2, k)
                    out.append((unit(), m))
                    k -= m
                elif d < 3 and r < 0.65:
                    m = rng.randint(1, k)
                    cnt = rng.randint(2, k // m) if k // m >= 2 and rng.random() < 0.3 else None
                    inner = self.new_struct(self.fields_of(members(m, d + 1)))
                    out.append((inner, cnt))
                    k -= m * (cnt or 1)
                else:
                    out.append((unit(), None))
                    k -= 1
            return out
        out = members(n, depth)
        if miss:
            out[rng.randrange(len(out))] = (other, None)
        return out

    def arg_type(self, vararg=False, struct_p=0.35):
        if self.rng.random() < struct_p:
            return self.struct()
        return self.scalar(vararg)

    def signature(self):
        rng = self.rng
        flavor = self.pick([('random', 60), ('regpressure', 25), ('simple', 15)])
        if flavor == 'simple':
            n = rng.randint(0, 4)
            struct_p = 0.25
        elif flavor == 'regpressure':
            n = rng.randint(5, 20)
            struct_p = 0.2
        else:
            n = self.pick([(rng.randint(0, 3), 25), (rng.randint(4, 8), 35),
                           (rng.randint(9, 14), 25), (rng.randint(15, 20), 15)])
            struct_p = 0.35
        nfixed = None
        if n >= 1 and rng.random() < 0.15:
            if n == 1 or rng.random() < 0.1:
                nfixed = n     # no variadic argument at all
            else:
                nfixed = rng.randint(1, min(n - 1, 8))
        args = []
        for i in range(n):
            vararg = nfixed is not None and i >= nfixed
            if flavor == 'regpressure' and rng.random() < 0.6:
                # plain integer/double arguments that use up registers around structs
                c = rng.choice(['i64', 'i32', 'f64', 'ptr'] if not vararg else ['i64', 'f64'])
                if not vararg and rng.random() < 0.2:
                    c = rng.choice(['f32', 'i8', 'u16'])
                args.append(self.S[c])
            else:
                args.append(self.arg_type(vararg, struct_p))
        r = rng.random()
        if r < 0.1:
            ret = None
        elif r < 0.55:
            ret = self.scalar()
        else:
            ret = self.struct()
        return Sig(self.sid, ret, args, nfixed, note=flavor, closure=self.closure, abi=self.abi)


def make_sig(seed, sid, closure=False, abi='sysv', tgt=None):
    """Random signature `sid` of the given kind (ffi_call or closure) and ABI: same type
    universe and distribution, independent draws.  Under the Microsoft convention the
    signatures that draw vectors are the ones ffi_prep_cif must refuse (Sig.reject).  tgt:
    the architecture package (its type model and extra struct kinds; None: x86-64's)."""
    rng = random.Random('ffix-diff%s%s:%s:%d' % ('-closure' if closure else '',
                                                '' if abi == 'sysv' else '-' + abi, seed, sid))
    x = rng.random()
    if x < 0.80:
        ext = ()
    elif x < 0.87:
        ext = ('int128',)
    elif x < 0.94:
        ext = ('vector',)
    else:
        ext = ('int128', 'vector')
    return Generator(rng, sid, ext, closure, abi, tgt).signature()


def make_closure_sig(seed, sid, abi='sysv', tgt=None):
    return make_sig(seed, sid, closure=True, abi=abi, tgt=tgt)


# --------------------------------------------------------------------------------------------
# Hand-written signatures (libffi bugs from TESTING.md and other corner cases)


class _Fixed:
    """Tiny builder for hand-written signatures: types are scalar codes, vector codes or
    tuples ('struct', member, member...) where a member is a type or (type, count)."""

    def __init__(self, sid, closure=False, abi='sysv', tgt=None):
        self.sid = sid
        self.key = sig_key(sid, closure, abi)
        self.structs = []
        self.S = scalars_for(tgt)

    def t(self, spec):
        if spec is None:
            return None
        if isinstance(spec, str):
            return self.S.get(spec) or VECTORS[spec]
        assert spec[0] == 'struct'
        fields = []
        for i, m in enumerate(spec[1:]):
            if isinstance(m, list):
                fields.append(('f%d' % i, self.t(m[0]), m[1]))
            else:
                fields.append(('f%d' % i, self.t(m), None))
        s = Struct('s%s_%d' % (self.key, len(self.structs)), fields)
        self.structs.append(s)
        return s


FIXED_BASE = 900000

# (note, return, args, nfixed)
FIXED_SPECS = [
    ('libffi 3.4.4 r9 bug: INTEGER part of a mixed struct in r9 clobbers an earlier double',
     None, ['i64', 'f64', 'i64', 'i64', ('struct', 'i8'), 'i64', ('struct', 'i8', 'f64')], None),
    ('r9 bug variant with a returned value', 'f64',
     ['i32', 'i32', 'f64', 'i32', 'i32', 'i32', ('struct', 'i32', 'i32', 'f64'), 'f64'], None),
    ('r9 bug variant: struct returned in memory takes rdi', ('struct', ['f64', 3]),
     ['f32', 'i64', 'i64', 'i64', 'i64', ('struct', 'i16', 'f32', 'f32'), 'f32'], None),
    ('r9 bug variant: SSE part first', 'i64',
     ['ptr', 'ptr', 'ptr', 'ptr', 'ptr', 'f64', 'f64', ('struct', 'f64', 'i64'), 'f64'], None),
    ('libffi: struct { long double } returned by ffi_call (psABI: %st0)',
     ('struct', 'f80'), ['i32'], None),
    ('struct { long double } argument and return', ('struct', 'f80'),
     [('struct', 'f80'), 'f80', ('struct', 'f80')], None),
    ('x87 returns', 'f80', ['f80', 'f80', 'cf80'], None),
    ('complex long double return (%st0/%st1)', 'cf80', ['cf80', 'i8'], None),
    ('complex float return packs both parts in xmm0', 'cf32', ['cf32', 'f32', 'cf32'], None),
    ('complex double return uses xmm0 and xmm1', 'cf64', ['cf64', 'i64'], None),
    ('struct {float,float,float}: xmm0 (two floats) + xmm1', ('struct', 'f32', 'f32', 'f32'),
     [('struct', 'f32', 'f32', 'f32'), 'f32'], None),
    ('mixed eightbyte return: xmm0 + rax', ('struct', 'f64', 'i64'), [('struct', 'i64', 'f64')],
     None),
    ('mixed eightbyte return: rax + xmm0', ('struct', 'i32', 'f32', 'f64'),
     [('struct', 'f32', 'i32')], None),
    ('odd sized structs', ('struct', ['u8', 3]),
     [('struct', ['u8', 5]), ('struct', 'i16', ['i8', 9]), ('struct', ['i8', 7]),
      ('struct', ['u8', 15])], None),
    ('narrow integer returns are widened to ffi_arg', 'i8', ['i8', 'u8', 'i16', 'u16'], None),
    ('narrow unsigned return', 'u16', ['u16'], None),
    ('signed 32-bit return', 'i32', ['i32'], None),
    ('unsigned 32-bit return', 'u32', ['u32'], None),
    ('large struct return (memory) and arguments on the stack', ('struct', 'f64', 'i64', 'f80'),
     ['i64'] * 6 + ['f64'] * 8 + [('struct', ['i32', 9]), 'f64', 'i8', ('struct', 'f32', 'f32')],
     None),
    ('struct that no longer fits in the remaining registers goes to the stack',
     ('struct', 'i64', 'i64'),
     ['i64', 'i64', 'i64', 'i64', 'i64', ('struct', 'i64', 'i64'), 'i64'], None),
    ('SSE struct after the eighth SSE register', ('struct', 'f64', 'f64'),
     ['f64'] * 7 + [('struct', 'f64', 'f64'), 'f64'], None),
    ('variadic: doubles and structs after the fixed part', 'f64',
     ['i32', 'f64', 'f64', ('struct', 'f64', 'i32'), 'i64', 'f80', ('struct', ['i8', 3])], 1),
    ('variadic: fixed floats and variadic long double', ('struct', 'f32', 'f32'),
     ['f32', 'f32', 'f80', 'cf64', 'i64'], 2),
    ('variadic: many doubles (al counts vector registers)', 'i64',
     ['i32'] + ['f64'] * 12, 1),
    ('many arguments: 20 mixed', ('struct', 'i8', 'f32', 'i16'),
     ['i8', 'f32', 'u16', 'f64', 'i32', 'f80', 'i64', 'cf32', 'ptr', 'u8',
      ('struct', 'f32', 'i32'), 'f64', 'i16', ('struct', ['u8', 11]), 'u32', 'f32', 'cf64',
      'i64', 'f64', 'u64'], None),
    ('nested three deep with arrays', ('struct', ('struct', ('struct', 'i8', 'f32'), ['i16', 2])),
     [('struct', ('struct', ('struct', 'f32'), 'f32'), ['i8', 3]), ('struct', 'f64',
      ('struct', ['f32', 2]))], None),
    ('__int128 arguments and return', 'i128', ['i128', 'i64', 'u128', 'i128', 'i128', 'u128'],
     None),
    ('__int128 split between the last register and the stack', 'u128',
     ['i64'] * 5 + ['u128', 'i64'], None),
    ('struct with __int128', ('struct', 'i8', 'i128'), [('struct', 'i128', 'f64'), 'i128'], None),
    ('vectors of 16 bytes', 'v16_f32', ['v16_f32', 'v16_i32', 'v16_f64', 'f64'], None),
    ('vectors of 8 bytes', 'v8_f32', ['v8_f32', 'v8_i8', 'v8_i64', 'v8_f64'], None),
    ('vectors in structs', ('struct', 'v16_i16', 'f32'), [('struct', 'v8_f32', 'f32'),
                                                           ('struct', 'v16_f64')], None),
    ('many vectors: past the eighth SSE register', 'v16_i8', ['v16_i8'] * 10, None),
    ('variadic with __int128 and vector tail', 'i64', ['i32', 'i128', 'v16_f32', 'f64'], 1),
    ('struct larger than 16 bytes by value: libffi 3.4.4 rewrites avalue[]', None,
     [('struct', ['i64', 3]), 'i32', ('struct', 'f64', 'f64', 'f64')], None),
    ('nested struct { struct { long double } } returned', ('struct', ('struct', 'f80')),
     ['f64', ('struct', ('struct', 'f80'))], None),
    ('float and int in one eightbyte: INTEGER class', ('struct', 'f32', 'i32'),
     ['f64', ('struct', 'i32', 'f32'), ('struct', 'cf32', 'i32'), ('struct', 'i8', 'f32')],
     None),
    ('one-member structs', ('struct', 'i8'), [('struct', 'f32'), ('struct', 'f64'),
                                              ('struct', 'u16'), ('struct', 'ptr')], None),
    ('no arguments, no result', None, [], None),
    ('variadic without variadic arguments', 'f64', ['f64', 'i32'], 2),
    ('complex integers of every part size: one or two INTEGER eightbytes', 'ci64',
     ['ci8', 'cu16', 'ci32', 'cu64', 'i64', 'i64', 'cu64', 'ci16'], None),
    ('complex integers in structs and arrays', ('struct', 'ci8', ['cu16', 2]),
     [('struct', 'i8', 'ci32'), ('struct', ['cu8', 3], 'f32'), ('struct', 'ci64', 'f64')], None),
    ('variadic complex integers', 'cu32', ['i32', 'ci8', 'cu64', 'ci16', 'f64'], 1),
    ('_Complex __int128: MEMORY, argument and result', 'ci128',
     ['ci128', 'i64', ('struct', 'cu128'), 'cu128', 'i8'], None),
    ('variadic _Complex __int128', 'i64', ['i32', 'cu128', 'ci128', 'i64'], 1),
]


# Hand-written closure signatures, ids c900000...  Every entry of FIXED_SPECS runs as a
# closure too, as c950000 + its index (c950004 is the closure twin of signature 900004).
CLOSURE_FIXED_BASE = FIXED_BASE
CLOSURE_FROM_CALL_BASE = 950000
CLOSURE_FIXED_SPECS = [
    ('closure returning struct { long double } (psABI: %st0)', ('struct', 'f80'),
     ['i32', 'f80'], None),
    ('closure returning struct { struct { long double } }', ('struct', ('struct', 'f80')),
     [('struct', ('struct', 'f80')), 'f64'], None),
    ('closure returning complex long double (%st0/%st1)', 'cf80', ['cf80', 'f64', 'i8'], None),
    ('closure returning long double', 'f80', ['f80', 'i64', 'f80'], None),
    ('closure returning a 12-byte struct of floats: xmm0 (two floats) + xmm1',
     ('struct', 'f32', 'f32', 'f32'), [('struct', 'f32', 'f32', 'f32'), 'f32', 'i32'], None),
    ('closure returning a struct in memory (hidden pointer in rdi, returned in rax)',
     ('struct', 'i64', 'i64', 'i64'), ['i32', 'f64', ('struct', ['i8', 5]), 'i64'], None),
    ('closure returning a struct with long double in memory', ('struct', 'f80', 'i32'),
     ['f80', ('struct', 'f80', 'i32'), 'i16'], None),
    ('closure returning int8_t (ffi_arg written by the handler)', 'i8', ['i8', 'i16', 'u8'],
     None),
    ('closure returning uint8_t', 'u8', ['u16', 'i8'], None),
    ('closure returning int16_t', 'i16', ['i16', 'u8'], None),
    ('closure returning uint16_t', 'u16', ['u8', 'u16', 'i32'], None),
    ('closure returning int32_t', 'i32', ['i8', 'u32'], None),
    ('closure returning uint32_t', 'u32', ['i32', 'u16'], None),
    ('variadic closure: doubles and a struct in the variadic part', 'f64',
     ['i32', 'f64', 'f64', ('struct', 'f64', 'i32'), 'f64', ('struct', ['i8', 3]), 'f80'], 1),
    ('variadic closure: fixed floats, variadic struct of doubles', ('struct', 'f32', 'f32'),
     ['f32', 'f64', ('struct', 'f64', 'f64'), 'f64', 'i64', 'cf64'], 2),
    ('variadic closure without variadic arguments', 'i64', ['f64', 'i32'], 2),
    ('closure with many arguments on the stack', 'i64',
     ['i64'] * 8 + ['f64'] * 10 + [('struct', 'i32', 'f32'), 'f32', 'i8',
                                   ('struct', ['i64', 3]), 'f80', 'u16', ('struct', 'f64', 'f64')],
     None),
    ('closure: struct split between a GPR and an XMM register, both directions',
     ('struct', 'i64', 'f64'), [('struct', 'i64', 'f64'), ('struct', 'f64', 'i32'), 'f64'],
     None),
    ('closure: the mixed struct lands in r9 + xmm (libffi 3.4.4 ffi_call r9 bug, reversed)',
     ('struct', 'f32', 'i32', 'f64'),
     ['i64', 'f64', 'i64', 'i64', ('struct', 'i8'), 'i64', ('struct', 'i8', 'f64')], None),
    ('closure: struct does not fit the remaining registers', ('struct', 'f64', 'f32'),
     ['i64'] * 5 + [('struct', 'i64', 'i64'), 'i64', 'f64'] * 1 + ['f64'] * 6 +
     [('struct', 'f64', 'f64'), 'f64'], None),
    ('closure returning float / with float arguments', 'f32', ['f32', 'f64', 'f32'], None),
    ('closure returning complex float and complex double', 'cf32', ['cf32', 'cf64'], None),
    ('closure returning complex double', 'cf64', ['cf64', 'cf32', 'i8'], None),
    ('closure returning a pointer', 'ptr', ['ptr', 'i32'], None),
    ('closure returning void, no arguments', None, [], None),
    ('closure returning an odd-sized struct', ('struct', ['u8', 7]),
     [('struct', ['u8', 3]), ('struct', 'i16', 'i8')], None),
    ('closure returning __int128', 'i128', ['i128', 'i64', 'u128'], None),
    ('closure: __int128 split between the last register and the stack', 'u128',
     ['i64'] * 5 + ['u128', 'i64'], None),
    ('closure returning a 16-byte vector', 'v16_f32', ['v16_f32', 'v16_i16', 'v8_f32'], None),
    ('closure returning a struct of vectors', ('struct', 'v8_f32', 'f32'),
     [('struct', 'v16_f64'), 'v16_i8'], None),
    ('closure returning _Complex signed char (2 bytes of rax)', 'ci8', ['ci8', 'cu32', 'i8'],
     None),
    ('closure returning _Complex unsigned long long (rax and rdx)', 'cu64',
     ['cu64', ('struct', 'ci16', 'ci16'), 'i64', 'i64', 'i64', 'ci64'], None),
    ('variadic closure with complex integers', 'ci32', ['f64', 'cu8', 'ci64', 'cu16'], 1),
    ('closure returning _Complex __int128 (MEMORY)', 'cu128', ['ci128', 'i32', 'cu128'], None),
]


# Hand-written signatures for the Microsoft x64 convention (FFI_WIN64 and FFI_GNUW64 only),
# ids 910000...; as closures c960000 + k.  Under these ABIs FIXED_SPECS and
# CLOSURE_FIXED_SPECS run too (same ids as for sysv, with the ABI's letter in front).
MS_FIXED_BASE = 910000
CLOSURE_FROM_MS_BASE = 960000
MS_FIXED_SPECS = [
    ('long double result: a hidden pointer under FFI_GNUW64 and FFI_WIN64 alike (GCC); '
     'libffi 3.4.4 calls abort() for FFI_WIN64', 'f80', ['f80', 'i32'], None),
    ('16-byte aligned struct returned through the hidden pointer (also with rvalue NULL)',
     ('struct', 'f80', 'i32'), ['i64', 'f64'], None),
    ('complex results: float in rax, double and long double through the hidden pointer',
     'cf32', ['cf32', 'cf64', 'cf80', 'f32'], None),
    ('complex double result (hidden pointer), complex arguments by value and by reference',
     'cf64', ['cf64', 'cf32', 'i8', 'cf80'], None),
    ('complex long double result (hidden pointer)', 'cf80', ['cf80', 'f64'], None),
    ('structs of 1, 2, 4 and 8 bytes: by value in a register slot',
     ('struct', 'i8'), [('struct', 'u8'), ('struct', 'i16'), ('struct', 'f32'),
                        ('struct', 'f64'), ('struct', 'f32', 'f32'), ('struct', ['u8', 8])],
     None),
    ('2-byte struct result in ax', ('struct', 'u8', 'i8'), [('struct', ['u8', 2]), 'f64'], None),
    ('4-byte struct result in eax', ('struct', 'f32'), [('struct', 'i16', 'i8'), 'f32'], None),
    ('8-byte struct of floats: returned in rax, not xmm0', ('struct', 'f32', 'f32'),
     ['f64', ('struct', 'f32', 'f32'), 'f32'], None),
    ('8-byte struct { double }: rax, not xmm0', ('struct', 'f64'), [('struct', 'f64'), 'f64'],
     None),
    ('structs of 3, 5, 6, 7 bytes: by reference to a copy (also past the fourth slot)',
     ('struct', ['u8', 3]), [('struct', ['u8', 3]), ('struct', ['u8', 5]),
                             ('struct', 'i16', 'i16', 'i16'), ('struct', ['i8', 7]),
                             ('struct', ['u8', 6]), ('struct', ['u8', 7])], None),
    ('structs larger than 8 bytes by reference (libffi 3.4.4 rewrites avalue[])',
     ('struct', 'i64', 'i64'), [('struct', 'i64', 'i64'), 'i32', ('struct', 'f64', 'f32'),
                                ('struct', ['f64', 4]), 'f64', ('struct', 'i32', 'i32', 'i32')],
     None),
    ('long double arguments by reference, in and past the register slots', 'f64',
     ['f80', 'f64', 'f80', 'i32', 'f80', 'f80'], None),
    ('floats and doubles share the four slots with integers', 'f32',
     ['i32', 'f32', 'i64', 'f64', 'f32', 'f64', 'i8', 'f32'], None),
    ('double result in xmm0, doubles in xmm1..xmm3', 'f64',
     ['i64', 'f64', 'f64', 'f64', 'f64'], None),
    ('struct result in memory: the hidden pointer takes rcx and shifts the slots',
     ('struct', 'f64', 'f64', 'i32'), ['f64', 'f32', 'i64', 'f64', 'f64'], None),
    ('narrow integer results are widened to ffi_arg', 'i16', ['u8', 'i8', 'u16'], None),
    ('unsigned 8-bit result', 'u8', ['i16'], None),
    ('signed 32-bit result', 'i32', ['i32', 'f64'], None),
    ('unsigned 32-bit result', 'u32', ['u32'], None),
    ('pointer result', 'ptr', ['ptr', 'f32'], None),
    ('float result in xmm0', 'f32', ['f32'], None),
    ('variadic: doubles after the fixed part go in both the XMM and the integer register',
     'f64', ['i32', 'f64', 'f64', 'f64'], 1),
    ('variadic: structs (by value and by reference) and long double in the variadic part',
     'i64', ['f64', ('struct', 'i32', 'f32'), ('struct', 'f64', 'f64', 'f64'), 'f80',
             ('struct', ['u8', 3]), 'cf64', 'i64', 'f64'], 1),
    ('variadic: a fixed float, variadic complex float', ('struct', 'f32', 'f32'),
     ['f32', 'cf32', 'f64', 'cf80'], 1),
    ('variadic with no variadic argument', 'f32', ['f32', 'f64'], 2),
    ('variadic: many arguments on the stack', 'f64', ['ptr', 'i64'] + ['f64', 'i32'] * 6, 2),
    ('__int128 arguments by reference, result in xmm0', 'i128',
     ['i128', 'i64', 'u128', 'f64', 'i128', 'u128'], None),
    ('unsigned __int128 result, struct with __int128', 'u128',
     [('struct', 'i8', 'i128'), 'u128'], None),
    ('struct with __int128 returned (hidden pointer, 16-byte aligned)', ('struct', 'i128'),
     ['i128'], None),
    ('variadic __int128', 'i64', ['i32', 'i128', 'f64', 'u128'], 1),
    ('many arguments: 20 mixed', ('struct', 'i8', 'f32', 'i16'),
     ['i8', 'f32', 'u16', 'f64', 'i32', 'f80', 'i64', 'cf32', 'ptr', 'u8',
      ('struct', 'f32', 'i32'), 'f64', 'i16', ('struct', ['u8', 11]), 'u32', 'f32', 'cf64',
      'i64', 'f64', 'u64'], None),
    ('vector argument: FFI_BAD_TYPEDEF', 'i32', ['v16_f32', 'i32'], None),
    ('vector result: FFI_BAD_TYPEDEF', 'v8_i16', ['i32'], None),
    ('vector inside a struct: an aggregate like any other', ('struct', 'v8_f32'),
     [('struct', 'v16_i32', 'f32'), ('struct', 'v8_i16'), ('struct', 'f32', 'v8_i8')], None),
    ('vector in the variadic part: FFI_BAD_TYPEDEF', 'i32', ['i32', 'v16_f64'], 1),
]


# Hand-written signatures of an architecture (its package's FIXED_SPECS, same format: ids
# 920000...; as closures c970000 + k; its CLOSURE_FIXED_SPECS: ids c920000...).
ARCH_FIXED_BASE = 920000
CLOSURE_FROM_ARCH_BASE = 970000


def _arch_specs(tgt, name):
    return list(getattr(tgt, name, ()) or ())


def _build_fixed(sid, spec, closure, abi='sysv', tgt=None):
    note, ret, args, nfixed = spec
    b = _Fixed(sid, closure, abi, tgt)
    rt = b.t(ret)
    ats = [b.t(a) for a in args]
    return Sig(sid, rt, ats, nfixed, note=note, closure=closure, abi=abi)


def fixed_sigs(abi='sysv', tgt=None):
    out = [_build_fixed(FIXED_BASE + k, spec, False, abi, tgt)
           for k, spec in enumerate(FIXED_SPECS)]
    if abi in MS_ABIS:
        out += [_build_fixed(MS_FIXED_BASE + k, spec, False, abi, tgt)
                for k, spec in enumerate(MS_FIXED_SPECS)]
    out += [_build_fixed(ARCH_FIXED_BASE + k, spec, False, abi, tgt)
            for k, spec in enumerate(_arch_specs(tgt, 'FIXED_SPECS'))]
    return out


def _spec(specs, base, sid, what):
    if not 0 <= sid - base < len(specs):
        raise KeyError('%s %d does not exist here' % (what, sid))
    return specs[sid - base]


def fixed_sig(sid, abi='sysv', tgt=None):
    if sid >= ARCH_FIXED_BASE:
        spec = _spec(_arch_specs(tgt, 'FIXED_SPECS'), ARCH_FIXED_BASE, sid,
                     'the architecture\'s hand-written signature')
    elif sid >= MS_FIXED_BASE:
        if abi not in MS_ABIS:
            raise KeyError('%d is a signature of the Microsoft x64 convention: '
                           'w%d or g%d' % (sid, sid, sid))
        spec = _spec(MS_FIXED_SPECS, MS_FIXED_BASE, sid, 'hand-written signature')
    else:
        spec = _spec(FIXED_SPECS, FIXED_BASE, sid, 'hand-written signature')
    return _build_fixed(sid, spec, False, abi, tgt)


def closure_fixed_sigs(abi='sysv', tgt=None):
    out = [_build_fixed(CLOSURE_FIXED_BASE + k, spec, True, abi, tgt)
           for k, spec in enumerate(CLOSURE_FIXED_SPECS)]
    out += [_build_fixed(ARCH_FIXED_BASE + k, spec, True, abi, tgt)
            for k, spec in enumerate(_arch_specs(tgt, 'CLOSURE_FIXED_SPECS'))]
    out += [_build_fixed(CLOSURE_FROM_CALL_BASE + k, spec, True, abi, tgt)
            for k, spec in enumerate(FIXED_SPECS)]
    if abi in MS_ABIS:
        out += [_build_fixed(CLOSURE_FROM_MS_BASE + k, spec, True, abi, tgt)
                for k, spec in enumerate(MS_FIXED_SPECS)]
    out += [_build_fixed(CLOSURE_FROM_ARCH_BASE + k, spec, True, abi, tgt)
            for k, spec in enumerate(_arch_specs(tgt, 'FIXED_SPECS'))]
    return out


def closure_fixed_sig(sid, abi='sysv', tgt=None):
    if sid >= CLOSURE_FROM_ARCH_BASE:
        spec = _spec(_arch_specs(tgt, 'FIXED_SPECS'), CLOSURE_FROM_ARCH_BASE, sid,
                     'the architecture\'s hand-written closure signature')
    elif sid >= CLOSURE_FROM_MS_BASE:
        if abi not in MS_ABIS:
            raise KeyError('c%d is a signature of the Microsoft x64 convention: '
                           'wc%d or gc%d' % (sid, sid, sid))
        spec = _spec(MS_FIXED_SPECS, CLOSURE_FROM_MS_BASE, sid, 'hand-written closure signature')
    elif sid >= CLOSURE_FROM_CALL_BASE:
        spec = _spec(FIXED_SPECS, CLOSURE_FROM_CALL_BASE, sid, 'hand-written closure signature')
    elif sid >= ARCH_FIXED_BASE:
        spec = _spec(_arch_specs(tgt, 'CLOSURE_FIXED_SPECS'), ARCH_FIXED_BASE, sid,
                     'the architecture\'s hand-written closure signature')
    else:
        spec = _spec(CLOSURE_FIXED_SPECS, CLOSURE_FIXED_BASE, sid,
                     'hand-written closure signature')
    return _build_fixed(sid, spec, True, abi, tgt)


# --------------------------------------------------------------------------------------------
# C emission

# The fixed C code of every batch is in runtime/ (real .c/.h files, see README.md): the
# generated programs are compiled with -I<this directory> (include_flags()): batch.h includes
# "runtime/runtime.h", caller.c "runtime/caller.h"; runtime/runtime.c is compiled once per
# batch and linked into both programs.
DIFF_DIR = os.path.dirname(os.path.abspath(__file__))
RUNTIME_DIR = os.path.join(DIFF_DIR, 'runtime')
RUNTIME_C = os.path.join(RUNTIME_DIR, 'runtime.c')


def include_flags():
    """Compiler flags that let the generated sources find the runtime's headers."""
    return ['-I' + DIFF_DIR]


def _ret_kind(t):
    if t is None:
        return 'RK_VOID'
    if isinstance(t, Scalar) and t.is_narrow_int():
        return 'RK_NARROW'
    return 'RK_OTHER'


class Thunk:
    """The assembly thunk of a callee, from the arch package (tgt.thunk(sig)): a function named
    like the callee (sig.fname) that calls or jumps to the C function <fname>_impl.  asm: its
    text inside the top-level __asm__ of thunks.c; decls: C declarations callees.c needs (the
    variables the thunk uses); retptr: the C expression of the hidden result pointer the thunk
    recorded (the callee checks its alignment), or None."""

    def __init__(self, asm, decls=(), retptr=None):
        self.asm, self.decls, self.retptr = asm, list(decls), retptr


def _body(sig, arg):
    """Lines shared by a callee and a closure handler: log the significant bytes of every
    argument (arg(i) is the C lvalue of argument i), then, unless the result is void, declare
    `static R ret` and fill it from a hash of the log (so the result depends on every
    argument byte the function saw)."""
    out = []
    for i, t in enumerate(sig.args):
        if i:
            out.append('lg_str(" ");')
        out += t.log(arg(i))
    if sig.ret is not None:
        out.append('static %s;' % sig.ret.decl('ret'))
        out.append('rng_t rr, *r = &rr;')
        out.append('rr.s = lg_hash(%d);' % sig.sid)
        out.append('memset(&ret, 0x77, sizeof ret);')
        out += sig.ret.fill('ret')
    return out


def is_narrow(t):
    """Whether t is an integer type narrower than 8 bytes (its result is widened to ffi_arg)."""
    return t is not None and isinstance(t, Scalar) and t.is_narrow_int()


def emit_callee(sig, tgt):
    """The C function of signature sig: the callee of ffi_call, or for a closure signature
    the direct function that the closure is compared with.  With a thunk (tgt.thunk) it is
    <fname>_impl, called by the thunk."""
    thunk = tgt.thunk(sig)
    head = sig.prototype(tgt, names=True)
    pre = []
    if thunk:
        head = head.replace(' %s(' % sig.fname, ' %s_impl(' % sig.fname, 1)
        pre = [head + ';'] + thunk.decls
        head = '__attribute__((used)) ' + head
    out = pre + [head, '{']
    # The body calls functions, so the compiler keeps the stack pointer aligned in it,
    # assuming the caller aligned the stack: a misaligned entry shows here.
    out.append('  CHECK_STACK_ALIGNMENT();')
    if thunk and thunk.retptr:
        out.append('  if (%s %% _Alignof(%s))' % (thunk.retptr, sig.ret.c))
        out.append('    lg_str("!MISALIGNED-RETPTR:");')
    n = len(sig.args)
    if sig.variadic():
        tail = tgt.read_va_tail(sig)
        if tail is None:
            tail = ['  va_list ap;', '  va_start(ap, a%d);' % (sig.nfixed - 1)]
            for i in range(sig.nfixed, n):
                t = sig.args[i]
                tail.append('  %s = va_arg(ap, %s);' % (t.decl('a%d' % i), t.c))
            tail.append('  va_end(ap);')
        out += tail
    out.append('  {')
    out += ['    ' + s for s in _body(sig, lambda i: 'a%d' % i)]
    for i in range(sig.nfixed if sig.variadic() else n):
        out.append('    CLOBBER_PARAM(a%d);' % i)
    out.append('    JUNK_RETURN_REGS();')
    if sig.ret is not None:
        out.append('    return ret;')
    out.append('  }')
    out.append('}')
    return '\n'.join(out)


def handler_name(sig):
    return 'h' + sig.key


def handler_prototype(sig):
    # ABI-compatible with ffi_prep_closure_loc's fun (callees.c does not include ffi.h)
    return 'void %s(void *cif, void *rv, void **av, void *ud)' % handler_name(sig)


def emit_handler(sig):
    """The closure handler of a closure signature: same body as the direct function (emit_callee),
    arguments read from avalue; it writes the result into rvalue (a whole ffi_arg for integers
    narrower than 8 bytes), then leaves junk in the return registers."""
    n = len(sig.args)
    if sig.ret is None:
        ralign = '0'
    elif is_narrow(sig.ret):
        ralign = '8'     # rvalue points to an ffi_arg
    else:
        ralign = '_Alignof(%s)' % sig.ret.c
    out = [handler_prototype(sig), '{']
    out.append('  static const unsigned char al[] = { %s };'
               % ', '.join(['_Alignof(%s)' % t.c for t in sig.args] + ['1']))
    out.append('  CHECK_STACK_ALIGNMENT();')
    out.append('  h_enter(cif, rv, ud, %s, av, al, %d);' % (ralign, n))
    out.append('  {')
    out += ['    ' + s for s in _body(sig, lambda i: '(*(%s *)av[%d])' % (sig.args[i].c, i))]
    if is_narrow(sig.ret):
        out.append('    uint64_t w = (uint64_t)(%s)ret;' % ('int64_t' if sig.ret.signed
                                                              else 'uint64_t'))
        out.append('    memcpy(rv, &w, sizeof w);')
    elif sig.ret is not None:
        out.append('    memcpy(rv, &ret, sizeof ret);')
    out.append('    JUNK_RETURN_REGS();')
    out.append('  }')
    out.append('}')
    return '\n'.join(out)


def _ffi_type_defs(sig):
    out = []
    for s in sig.structs:
        out.append('static ffi_type *t%s_el[] = { %s, NULL };'
                   % (s.name, ', '.join(s.ffi_elements())))
        out.append('static ffi_type t%s = { 0, 0, FFI_TYPE_STRUCT, t%s_el };' % (s.name, s.name))
        offs = ['offsetof(%s, %s)' % (s.name, m) for m, _ in s.members()]
        out.append('static const size_t o%s[] = { %s };' % (s.name, ', '.join(offs)))
    return out


def _fill_args(sig, name):
    """Seed the value PRNG and fill the arguments (name(i): the C variable of argument i)."""
    out = ['rng_seed(r, SEED, %dull);' % sig.rng_id()]
    if sig.sid >= FIXED_BASE:
        # hand-written signatures exist to catch one bug each: no special values, which
        # could make two arguments equal and hide it
        out.append('fz_specials = 0;')
    for i, t in enumerate(sig.args):
        out.append('memset(&%s, 0xa7, sizeof %s);' % (name(i), name(i)))
        out += t.fill(name(i))
    out.append('fz_specials = 1;')
    return out


def _prep_cif(sig):
    """ffi_prep_cif(_var) into `cif`/`st` (needs `at`); on failure fbuf says so; on success
    the layout checks, then the lines of `then` are run."""
    n = len(sig.args)
    rt = sig.ret.ffi if sig.ret else '&ffi_type_void'
    if sig.variadic():
        out = ['st = ffi_prep_cif_var(&cif, %s, %d, %d, %s, at);'
               % (sig.abi_macro(), sig.nfixed, n, rt)]
    else:
        out = ['st = ffi_prep_cif(&cif, %s, %d, %s, at);' % (sig.abi_macro(), n, rt)]
    out.append('if (st != FFI_OK) {')
    out.append('  sprintf(fbuf, "PREP-FAILED(status=%d)", st);')
    out.append('} else {')
    for s in sig.structs:
        out.append('  chk_layout("%s", &t%s, sizeof(%s), _Alignof(%s), o%s, %d, %s);'
                   % (s.name, s.name, s.name, s.name, s.name, len(s.ffi_elements()),
                      sig.abi_macro()))
    for v in sig.vectors():
        out.append('  chk_layout("%s", &vt_%s, sizeof(%s), _Alignof(%s), NULL, 0, %s);'
                   % (v.c, v.c, v.c, v.c, sig.abi_macro()))
    return out


def emit_reject_sig(sig):
    """A signature with a vector type under the Microsoft convention: ffi_prep_cif(_var) must
    refuse it with FFI_BAD_TYPEDEF (F line: the status it returned; D line: that one)."""
    key = sig.key
    n = len(sig.args)
    rt = sig.ret.ffi if sig.ret else '&ffi_type_void'
    out = ['/* ---- %s (must be rejected) ---- */' % sig.title(), '#if ' + sig.guard()]
    out += _ffi_type_defs(sig)
    out.append('static void run%s(void)' % key)
    out.append('{')
    out.append('  ffi_cif cif;')
    out.append('  int st;')
    out.append('  ffi_type *at[] = { %s };' % ', '.join([t.ffi for t in sig.args] + ['NULL']))
    out.append('  begin("%s");' % key)
    out.append('#ifdef DIFF_DIRECT_ONLY')
    out.append('  (void)cif; (void)st; (void)at;')
    out.append('  strcpy(fbuf, "DIRECT-ONLY");')
    out.append('  strcpy(dbuf, "DIRECT-ONLY");')
    out.append('#else')
    if sig.variadic():
        out.append('  st = ffi_prep_cif_var(&cif, %s, %d, %d, %s, at);'
                   % (sig.abi_macro(), sig.nfixed, n, rt))
    else:
        out.append('  st = ffi_prep_cif(&cif, %s, %d, %s, at);' % (sig.abi_macro(), n, rt))
    out.append('  sprintf(fbuf, "PREP(status=%d)", st);')
    out.append('  sprintf(dbuf, "PREP(status=%d)", (int)FFI_BAD_TYPEDEF);')
    out.append('#endif')
    out.append('  emit("%s");' % key)
    out.append('}')
    out.append('#endif')
    return '\n'.join(out)


def default_rvalue_limit(sig):
    """C expression: how many bytes of rvalue ffi_call may write, unless the arch package's
    rvalue_limit says otherwise for a convention: the result's size, at least 8 (an
    ffi_arg)."""
    return '%s < 8 ? 8 : %s' % ((('sizeof(%s)' % sig.ret.c),) * 2) if sig.ret else '8'


def _log_result(sig, rv):
    """Log ' R ' and the significant bytes of the C result `rv` (the whole ffi_arg-sized
    value, sign- or zero-extended, for a narrow integer)."""
    out = ['lg_str(" R ");']
    if is_narrow(sig.ret):
        out.append('{')
        out.append('  uint64_t w = (uint64_t)(%s)%s;'
                   % ('int64_t' if sig.ret.signed else 'uint64_t', rv))
        out.append('  lg_bytes(&w, 8);')
        out.append('}')
    else:
        out += sig.ret.log(rv)
    return out


def emit_caller_sig(sig, tgt):
    if sig.reject:
        return emit_reject_sig(sig)
    if sig.closure:
        return emit_closure_caller_sig(sig, tgt)
    key = sig.key
    n = len(sig.args)
    out = ['/* ---- signature %s ---- */' % key, '#if ' + sig.guard()]
    out += _ffi_type_defs(sig)
    if sig.ret is not None and _ret_kind(sig.ret) == 'RK_OTHER':
        out.append('static void lr%s(const void *p)' % key)
        out.append('{')
        out += ['  ' + s for s in sig.ret.log('*(const %s *)p' % sig.ret.c)]
        out.append('}')
    out.append('static void run%s(void)' % key)
    out.append('{')
    for i, t in enumerate(sig.args):
        out.append('  static %s;' % t.decl('a%d' % i))
    out.append('  rng_t rr, *r = &rr;')
    out.append('  ffi_cif cif;')
    out.append('  int st;')
    at = ', '.join([t.ffi for t in sig.args] + ['NULL'])
    av = ', '.join(['&a%d' % i for i in range(n)] + ['NULL'])
    asz = ', '.join(['sizeof a%d' % i for i in range(n)] + ['0'])
    out.append('  ffi_type *at[] = { %s };' % at)
    out.append('  void *av[] = { %s };' % av)
    out.append('  const size_t asz[] = { %s };' % asz)
    out += ['  ' + s for s in _fill_args(sig, lambda i: 'a%d' % i)]
    out.append('  begin("%s");' % key)
    # -DDIFF_DIRECT_ONLY (harness debugging): run only the callees and the direct calls
    out.append('#ifdef DIFF_DIRECT_ONLY')
    out.append('  strcpy(fbuf, "DIRECT-ONLY");')
    out.append('  (void)cif; (void)st; (void)at; (void)av; (void)asz;')
    out.append('#else')
    out += ['  ' + s for s in _prep_cif(sig)]
    rsize = 'sizeof(%s)' % sig.ret.c if sig.ret else '0'
    lr = 'lr%s' % key if _ret_kind(sig.ret) == 'RK_OTHER' else 'NULL'
    out.append('    do_ffi(&cif, FFI_FN(%s), av, asz, %d, %s, %s, %s, %s);'
               % (sig.fname, n, rsize, tgt.rvalue_limit(sig), _ret_kind(sig.ret), lr))
    out.append('  }')
    out.append('#endif')
    # the direct call: the compiler's calling convention is the ground truth; the same
    # argument values again (a faulty ffi_call may have let the callee change them)
    out += ['  ' + s for s in _fill_args(sig, lambda i: 'a%d' % i)]
    out.append('  stage("direct");')
    call = '%s(%s)' % (sig.fname, ', '.join('a%d' % i for i in range(n)))
    out.append('  lg_reset();')
    if sig.ret is None:
        out.append('  %s;' % call)
        out.append('  fp_stack_check(NULL);')
        out.append('  lg_str(" R void");')
    else:
        out.append('  {')
        out.append('    %s = %s;' % (sig.ret.decl('rv'), call))
        out.append('    fp_stack_check(NULL);')
        out += ['    ' + s for s in _log_result(sig, 'rv')]
        out.append('  }')
    out.append('  memcpy(dbuf, lg_buf, lg_len + 1);')
    out.append('  emit("%s");' % key)
    out.append('}')
    out.append('#endif')
    return '\n'.join(out)


def emit_closure_caller_sig(sig, tgt):
    """A closure signature in caller.c: one call site (call<key>) that calls a function
    pointer of the exact C type with the arguments; run<key> fills the arguments, runs the
    call site on the closure's code (do_closure) and then on the direct function."""
    key = sig.key
    n = len(sig.args)
    arg = lambda i: 'a%s_%d' % (key, i)  # noqa: E731
    out = ['/* ---- closure signature %s ---- */' % key, '#if ' + sig.guard()]
    out += _ffi_type_defs(sig)
    for i, t in enumerate(sig.args):
        out.append('static %s;' % t.decl(arg(i)))
    out.append('typedef %s;' % sig.prototype(tgt, name='(*fp%s_t)' % key))
    out.append('static void call%s(void *fp, const char *what)' % key)
    out.append('{')
    out.append('  fp_stack_check(NULL);')
    out.append('  lg_reset();')
    call = '((fp%s_t)fp)(%s)' % (key, ', '.join(arg(i) for i in range(n)))
    if sig.ret is None:
        out.append('  %s;' % call)
        out.append('  fp_stack_check(what);')
        out.append('  lg_str(" R void");')
    else:
        out.append('  {')
        out.append('    %s = %s;' % (sig.ret.decl('rv'), call))
        out.append('    fp_stack_check(what);')
        out += ['    ' + s for s in _log_result(sig, 'rv')]
        out.append('  }')
    out.append('}')
    raw = 'NULL'
    # (where the arch package says callers rely on the extension: x86-64 System V)
    if is_narrow(sig.ret) and sig.ret.size < 4 and tgt.checks_narrow_extension(sig):
        raw = 'raw%s' % key
        out.append('typedef %s;' % sig.prototype(tgt, name='(*fpw%s_t)' % key).replace(
            sig.ret.c, 'uint64_t', 1))
        out.append('#ifndef DIFF_DIRECT_ONLY')
        out.append('static void raw%s(void *fp)' % key)
        out.append('{')
        out.append('  uint64_t w = ((fpw%s_t)fp)(%s);' % (key, ', '.join(arg(i) for i in range(n))))
        out.append('  fp_stack_check("closure-raw");')
        out.append('  chk_narrow(w, %d, %d);' % (sig.ret.size, 1 if sig.ret.signed else 0))
        out.append('}')
        out.append('#endif')
    out.append('static void run%s(void)' % key)
    out.append('{')
    out.append('  rng_t rr, *r = &rr;')
    out.append('  ffi_cif cif;')
    out.append('  int st;')
    out.append('  ffi_type *at[] = { %s };' % ', '.join([t.ffi for t in sig.args] + ['NULL']))
    out += ['  ' + s for s in _fill_args(sig, arg)]
    out.append('  begin("%s");' % key)
    out.append('#ifdef DIFF_DIRECT_ONLY')
    out.append('  strcpy(fbuf, "DIRECT-ONLY");')
    out.append('  (void)cif; (void)st; (void)at;')
    out.append('#else')
    out += ['  ' + s for s in _prep_cif(sig)]
    out.append('    do_closure(&cif, (void (*)(ffi_cif *, void *, void **, void *))%s, call%s, %s);'
               % (handler_name(sig), key, raw))
    out.append('  }')
    out.append('#endif')
    # the direct call, from the same call site: the compiler's convention is the ground truth
    out += ['  ' + s for s in _fill_args(sig, arg)]
    out.append('  stage("direct");')
    out.append('  call%s((void *)%s, NULL);' % (key, sig.fname))
    out.append('  memcpy(dbuf, lg_buf, lg_len + 1);')
    out.append('  emit("%s");' % key)
    out.append('}')
    out.append('#endif')
    return '\n'.join(out)


def batch_sources(sigs, seed, tgt):
    """Return {filename: text} for one batch, for the architecture package tgt."""
    vectors = []
    for s in sigs:
        for v in s.vectors():
            if v not in vectors:
                vectors.append(v)
    h = ['/* generated by testsuite/diff/gen.py (seed %s) -- do not edit */' % seed,
         '#ifndef DIFF_BATCH_H', '#define DIFF_BATCH_H', '#include "runtime/runtime.h"', '']
    for v in sorted(VECTORS.values(), key=lambda v: v.c):
        h.append(v.typedef())
    h.append('')
    for s in sigs:
        h.append('/* %s (%s) */' % (s.title(), s.note))
        for st in s.structs:
            h.append(st.definition())
            h.append('void log_%s(const %s *p);' % (st.name, st.name))
            h.append('void fill_%s(%s *p, rng_t *r);' % (st.name, st.name))
        if s.reject:
            continue
        h.append(s.prototype(tgt) + ';')
        if s.closure:
            h.append(handler_prototype(s) + ';')
    h.append('#endif')

    c = ['/* generated by testsuite/diff/gen.py (seed %s) -- do not edit */' % seed,
         '#include <stdarg.h>', '#include "batch.h"', '']
    for s in sigs:
        for st in s.structs:
            c.append(st.log_func())
            c.append(st.fill_func())
        c.append('/* %s (%s) */' % (s.title(), s.note))
        if s.reject:
            continue
        c.append(emit_callee(s, tgt))
        if s.closure:
            c.append(emit_handler(s))
        c.append('')
    thunks = [t.asm for t in (tgt.thunk(s) for s in sigs if not s.reject) if t]
    th = ['/* generated by testsuite/diff/gen.py (seed %s) -- do not edit */' % seed,
          '/* assembly thunks of the callees in callees.c */']
    if tgt.THUNKS_HEADER:
        th.append('#include "%s"' % tgt.THUNKS_HEADER)
    if thunks:
        th.append('__asm__(".text\\n"')
        th += ['        ' + t for t in thunks]
        th.append('        );')

    k = ['/* generated by testsuite/diff/gen.py (seed %s) -- do not edit */' % seed,
         '#include "runtime/caller.h"', '#include "batch.h"', '',
         'static const uint64_t SEED = 0x%xull;' % _seed_num(seed), '']
    k.append('#if FFIX_EXT_VECTOR')
    for v in vectors:
        k.append(v.ffi_def())
    k.append('#endif')
    for s in sigs:
        k.append(emit_caller_sig(s, tgt))
    k.append('int main(int argc, char **argv)')
    k.append('{')
    k.append('  unsigned long start = argc > 1 ? strtoul(argv[1], NULL, 0) : 0; /* index of the first signature to run */')
    k.append('  print_libs();')
    for idx, s in enumerate(sigs):
        k.append('#if ' + s.guard())
        k.append('  if (%dul >= start) run%s();' % (idx, s.key))
        k.append('#else')
        k.append('  if (%dul >= start) printf("S %s\\n");' % (idx, s.key))
        k.append('#endif')
    k.append('  printf("END\\n");')
    k.append('  return 0;')
    k.append('}')
    return {'batch.h': '\n'.join(h) + '\n', 'callees.c': '\n'.join(c) + '\n',
            'thunks.c': '\n'.join(th) + '\n', 'caller.c': '\n'.join(k) + '\n'}


def _seed_num(seed):
    if str(seed).isdigit():
        return int(seed) & (2**64 - 1)
    n = 0
    for ch in str(seed).encode():
        n = (n * 131 + ch) & (2**64 - 1)
    return n


BUILD_SH = r'''#!/bin/sh
# Build and run this batch against ffix and against the oracle (Debian's libffi).
# Needs FFIX_INCLUDE and FFIX_LIBDIR (see testsuite/diff/README.md).
set -e
cd "$(dirname "$0")"
CC=${FFIX_DIFF_CC:-gcc}
: "${FFIX_INCLUDE:?set FFIX_INCLUDE}" "${FFIX_LIBDIR:?set FFIX_LIBDIR}"
# the oracle: FFIX_DIFF_ORACLE_INCLUDE/LIBDIR, by default Debian's libffi-dev for the
# compiler's target (its multiarch directories)
if [ -z "${FFIX_DIFF_ORACLE_INCLUDE:-}" ] || [ -z "${FFIX_DIFF_ORACLE_LIBDIR:-}" ]; then
  MULTIARCH=$($CC -print-multiarch 2>/dev/null || true)
  [ -n "$MULTIARCH" ] || MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
  : "${MULTIARCH:?cannot tell the multiarch directories: set FFIX_DIFF_ORACLE_INCLUDE and FFIX_DIFF_ORACLE_LIBDIR}"
fi
ORACLE_INC=${FFIX_DIFF_ORACLE_INCLUDE:-/usr/include/$MULTIARCH}
ORACLE_LIB=${FFIX_DIFF_ORACLE_LIBDIR:-/usr/lib/$MULTIARCH}
# int128/vector signatures need e.g. FFIX_DIFF_EXT="-DFFIX_EXT_INT128=1 -DFFIX_EXT_VECTOR=1"
EXT=${FFIX_DIFF_EXT:-}
INC=$(echo "$FFIX_INCLUDE" | sed 's/^/-I/; s/:/ -I/g')
# the fixed C code (runtime/, arch/) of the tree that generated this batch
DIFF=%(diff_dir)s
OBJS="callees.o runtime.o thunks.o"
$CC %(callee_flags)s -I"$DIFF" -c callees.c -o callees.o
$CC %(callee_flags)s -I"$DIFF" -c "$DIFF/runtime/runtime.c" -o runtime.o
$CC %(callee_flags)s -I"$DIFF" -c thunks.c -o thunks.o
$CC %(caller_flags)s $INC -I"$DIFF" $EXT caller.c $OBJS -o caller-ffix \
  -L"$FFIX_LIBDIR" -lffi -Wl,--disable-new-dtags,-rpath,"$FFIX_LIBDIR"
$CC %(caller_flags)s -I"$ORACLE_INC" -I"$DIFF" caller.c $OBJS -o caller-oracle \
  -L"$ORACLE_LIB" -lffi -Wl,--disable-new-dtags,-rpath,"$ORACLE_LIB"
env -u LD_LIBRARY_PATH -u LD_PRELOAD ./caller-ffix > out-ffix.txt || echo "caller-ffix: exit $?"
env -u LD_LIBRARY_PATH -u LD_PRELOAD ./caller-oracle > out-oracle.txt || echo "caller-oracle: exit $?"
echo "ffix:   $(grep -c '^X ' out-ffix.txt) mismatches with the direct call (lines 'X <id>')"
echo "oracle: $(grep -c '^X ' out-oracle.txt) mismatches with the direct call"
'''

CALLEE_FLAGS = ['-O1', '-w', '-Wno-psabi']
# A batch of closure signatures only: callees.c holds a direct function and a handler per
# signature (twice the code), and nothing in them depends on optimization: -O0 compiles in
# less than half the time.
CLOSURE_CALLEE_FLAGS = ['-O0', '-w', '-Wno-psabi']


def callee_flags(sigs):
    return CLOSURE_CALLEE_FLAGS if sigs and all(s.closure for s in sigs) else CALLEE_FLAGS


CALLER_FLAGS = ['-O0', '-w', '-Wno-psabi']


def write_batch(sigs, seed, outdir, tgt):
    """Write one batch's sources for the architecture package tgt, its signatures as C
    (sigs.txt) and a build.sh into outdir."""
    os.makedirs(outdir, exist_ok=True)
    files = batch_sources(sigs, seed, tgt)
    files['sigs.txt'] = '\n\n'.join('/* ---- %s ---- */\n%s' % (s.title(), s.c_text(tgt))
                                    for s in sigs) + '\n'
    files['build.sh'] = BUILD_SH % {'callee_flags': ' '.join(callee_flags(sigs)),
                                    'caller_flags': ' '.join(CALLER_FLAGS),
                                    'diff_dir': shlex.quote(DIFF_DIR)}
    for name, text in files.items():
        with open(os.path.join(outdir, name), 'w') as f:
            f.write(text)
    os.chmod(os.path.join(outdir, 'build.sh'), 0o755)
    return outdir


def sig_for_key(seed, key, tgt=None):
    """The signature named key: '17' (ffi_call), 'c17' (closure); hand-written ones are
    900000+ and c900000+ (c950000+k: FIXED_SPECS[k] as a closure); tgt: the architecture
    package (None: x86-64)."""
    sid, closure, abi = parse_key(key)
    if closure:
        return (closure_fixed_sig(sid, abi, tgt) if sid >= CLOSURE_FIXED_BASE
                else make_sig(seed, sid, True, abi, tgt))
    return (fixed_sig(sid, abi, tgt) if sid >= FIXED_BASE
            else make_sig(seed, sid, False, abi, tgt))


def sigs_for_ids(seed, ids, tgt=None):
    """ids: ints (ffi_call signatures) or keys such as 'c17' (closure signatures)."""
    return [sig_for_key(seed, i, tgt) for i in ids]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', default=str(DEFAULT_SEED))
    ap.add_argument('--count', type=int, default=2000)
    ap.add_argument('--batch-size', type=int, default=DEFAULT_BATCH)
    ap.add_argument('--closures', action='store_true',
                    help='with --count/--fixed: closure signatures instead of ffi_call ones')
    ap.add_argument('--ids', help='comma-separated signature ids (overrides --count); '
                    'c17 is closure signature 17; ids >= %d are the hand-written signatures'
                    % FIXED_BASE)
    ap.add_argument('--fixed', action='store_true', help='write the hand-written signatures')
    ap.add_argument('--abi', default='sysv', choices=ABIS,
                    help='with --count/--fixed: the calling convention (ids name their own)')
    ap.add_argument('--out', required=True)
    ap.add_argument('--print', action='store_true', help='print the signatures as C')
    a = ap.parse_args(argv)
    cc = os.environ.get('FFIX_DIFF_CC') or 'gcc'
    try:
        tgt = arch.for_compiler(cc)
    except arch.Unsupported as e:
        ap.error(str(e))
    if a.fixed:
        sigs = closure_fixed_sigs(a.abi, tgt) if a.closures else fixed_sigs(a.abi, tgt)
    else:
        if a.ids:
            ids = [x.strip() for x in a.ids.split(',') if x.strip()]
        else:
            ids = [sig_key(i, a.closures, a.abi) for i in range(a.count)]
        sigs = sigs_for_ids(a.seed, ids, tgt)
    for b in range(0, len(sigs), a.batch_size):
        d = write_batch(sigs[b:b + a.batch_size], a.seed,
                        os.path.join(a.out, 'b%04d' % (b // a.batch_size)), tgt)
        print(d)
    if a.print:
        for s in sigs:
            print('/* ---- %s ---- */\n%s\n' % (s.title(), s.c_text(tgt)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
