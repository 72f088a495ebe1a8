#!/usr/bin/env python3
"""show-input.py FILE... -- print a fuzz_prep.c input as the operations it
runs (the format is described at the top of fuzz_prep.c)."""

import sys

PREDEF = ("void uint8 sint8 uint16 sint16 uint32 sint32 uint64 sint64 float double pointer "
          "longdouble complex_float complex_double complex_longdouble uint128 sint128").split()
CODES = {0: "VOID", 1: "INT", 2: "FLOAT", 3: "DOUBLE", 4: "LONGDOUBLE", 5: "UINT8", 6: "SINT8",
         7: "UINT16", 8: "SINT16", 9: "UINT32", 10: "SINT32", 11: "UINT64", 12: "SINT64",
         13: "STRUCT", 14: "POINTER", 15: "COMPLEX", 16: "UINT128", 17: "SINT128", 18: "VECTOR"}
POOL = 64


class Reader:
    def __init__(self, data):
        self.d, self.pos = data, 0

    def end(self):
        return self.pos >= len(self.d)

    def u8(self):
        if self.pos < len(self.d):
            self.pos += 1
            return self.d[self.pos - 1]
        return 0

    def u16(self):
        lo = self.u8()
        return lo | self.u8() << 8

    def u32(self):
        return sum(self.u8() << (8 * i) for i in range(4))

    def varint(self):
        v, shift = 0, 0
        while shift < 64:
            b = self.u8()
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                break
            shift += 7
        return v & (2**64 - 1)


def ref(r):
    if r == 0xFF:
        return "NULL"
    if POOL <= r < POOL + len(PREDEF):
        return "&ffi_type_" + PREDEF[r - POOL]
    return "T%d" % (r & (POOL - 1))


def code(c):
    return CODES.get(c, "code%d" % c)


def abi(rd):
    b = rd.u8()
    if b <= 6:
        return str(b)
    if b == 7:
        return "0xffffffff"
    if b == 8:
        return "0x80000000"
    if b == 9:
        return hex(rd.u32())
    return "FFI_DEFAULT_ABI"


def show(data):
    rd = Reader(data)
    ops = 0
    while ops < 256 and not rd.end():
        ops += 1
        op = rd.u8() % 8
        if op == 0:
            idx, c, size, align, mode = rd.u8() & 63, rd.u8(), rd.varint(), rd.u16(), rd.u8()
            m = mode & 3
            if m == 0:
                el = "elements NULL"
            elif m == 1:
                n = rd.u8()
                el = "{%s}" % ", ".join([ref(rd.u8()) for _ in range(n)] + ["NULL"])
            elif m == 2:
                count, patlen = rd.varint(), rd.u8()
                pat = [ref(rd.u8()) for _ in range(patlen)]
                el = "%d elements repeating [%s]" % (count, ", ".join(pat)) if patlen else "elements NULL"
            else:
                el = "{NULL}"
            print("T%d = {size %d, align %d, %s, %s}" % (idx, size, align, code(c), el))
        elif op == 1:
            base, depth, fanout, flags, leaf = rd.u8(), rd.u8() % (POOL + 1), rd.u8() % 9, rd.u8(), rd.u8()
            size = align = 0
            if flags & 1:
                size, align = rd.varint(), rd.u16()
            print("CHAIN T%d..T%d: each a struct {size %d, align %d} of %d copies of the previous, first of %s%s"
                  % (base & 63, (base + depth - 1) & 63, size, align, fanout or 1, ref(leaf),
                     "; first also contains last (cycle)" if flags & 2 else ""))
        elif op == 2:
            a, flags = abi(rd), rd.u8()
            nargs, nfixed, rtype = rd.varint() & 0xFFFF, rd.varint() & 0xFFFFFFFF, ref(rd.u8())
            patlen = rd.u8()
            pat = [ref(rd.u8()) for _ in range(patlen)]
            callflags, seed = rd.u8(), rd.u8()
            if not patlen:
                args = "arg_types NULL"
            elif nargs <= patlen:
                args = "[%s]" % ", ".join(pat[:nargs])
            else:
                args = "%d args repeating [%s]" % (nargs, ", ".join(pat))
            how = [n for bit, n in ((1, "call"), (2, "via plan"), (4, "rvalue NULL"), (8, "Go closure"),
                                    (16, "prep twice")) if callflags & bit]
            fn = "ffi_prep_cif_var(nfixed %d, " % nfixed if flags & 1 else "ffi_prep_cif("
            print("%sabi %s, nargs %d, rtype %s, %s)  [%s; seed %d]" % (fn, a, nargs, rtype, args,
                                                                        ", ".join(how) or "prep only", seed))
        elif op == 3:
            a, t, arr = abi(rd), ref(rd.u8()), rd.u8() & 1
            print("ffi_get_struct_offsets(abi %s, %s, %s)" % (a, t, "array" if arr else "NULL"))
        elif op == 4:
            idx, field = rd.u8() & 63, rd.u8() & 3
            if field == 0:
                print("T%d.size = %d" % (idx, rd.varint()))
            elif field == 1:
                print("T%d.alignment = %d" % (idx, rd.u16()))
            elif field == 2:
                print("T%d.type = %s" % (idx, code(rd.u8())))
            else:
                k = rd.u8()
                print("T%d.elements[%d] = %s (if present)" % (idx, k, ref(rd.u8())))
        elif op == 5:
            frm, to = ref(rd.u8()), rd.u8() & 63
            print("T%d = *%s" % (to, frm.lstrip("&")))
        elif op == 6:
            print("T%d = {0}" % (rd.u8() & 63))
        else:
            print("STOP")
            break


for path in sys.argv[1:]:
    if len(sys.argv) > 2:
        print("== %s" % path)
    with open(path, "rb") as f:
        show(f.read())
