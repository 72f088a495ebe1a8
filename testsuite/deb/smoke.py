# smoke.py EXPECT -- ctypes through the system libffi: a call, a callback
# (a libffi closure) called from C, and which libffi the process loaded.
# EXPECT is "ffix" or "debian".  Prints TAP.
import ctypes
import ctypes.util
import sys

expect = sys.argv[1]
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok"), n, "-", what)


libc = ctypes.CDLL(ctypes.util.find_library("c"))

# A call with mixed integer and floating-point arguments (snprintf is
# variadic: ctypes goes through ffi_prep_cif_var).
buf = ctypes.create_string_buffer(64)
libc.snprintf(buf, 64, b"%d %.3f %s %ld", 42, ctypes.c_double(2.5), b"x", ctypes.c_long(-7))
ok(buf.value == b"42 2.500 x -7", "snprintf through ctypes: %r" % buf.value)
libc.strtod.restype = ctypes.c_double
libc.strtod.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
ok(libc.strtod(b"1.25e3", None) == 1250.0, "strtod returns a double")

# A callback: qsort calls a Python function through a closure.
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
calls = [0]


def cmp(a, b):
    calls[0] += 1
    return a[0] - b[0]


values = [5, -3, 99, 0, 12, 7, -40, 8]
arr = (ctypes.c_int * len(values))(*values)
libc.qsort(arr, len(arr), ctypes.sizeof(ctypes.c_int), CMP(cmp))
ok(list(arr) == sorted(values) and calls[0] > 0, "qsort with a Python comparison (%d callbacks)" % calls[0])

# A callback with a double result and double arguments.
DD = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_int)
f = DD(lambda x, i: x * i + 0.5)
ok(f(1.5, 4) == 6.5, "a closure called through its C pointer: double f(double, int)")

# Which library: ffix exports ffi_get_version (libffi 3.5's node
# LIBFFI_BASE_8.1), Debian's 3.4.4 does not; the mapped file agrees.
ffi = ctypes.CDLL("libffi.so.8")
mapped = sorted({line.split(None, 5)[5].strip() for line in open("/proc/self/maps") if "libffi.so" in line})
if expect == "ffix":
    ffi.ffi_get_version.restype = ctypes.c_char_p
    ok(hasattr(ffi, "ffi_get_version") and ffi.ffi_get_version() == b"3.8.0", "libffi.so.8 is ffix (ffi_get_version 3.8.0)")
    ok(mapped and all(m.endswith("libffi.so.8.5.0") for m in mapped), "mapped: %s" % mapped)
else:
    ok(not hasattr(ffi, "ffi_get_version"), "libffi.so.8 is Debian's (no ffi_get_version)")
    ok(mapped and all(m.endswith("libffi.so.8.1.2") for m in mapped), "mapped: %s" % mapped)

print("1..%d" % n)
sys.exit(1 if failed else 0)
