# live.py DIR -- a process that keeps ctypes callbacks (libffi closures)
# alive and keeps making new ones while its libffi is replaced under it.
#
# Each round makes a new closure, calls it and a sample of the live ones
# (through qsort and through their C pointers), and frees the oldest when
# more than 500 are alive; the first 50 stay for the whole run.  It writes
# the number of rounds to DIR/rounds after each 100, and stops when
# DIR/stop exists, after one more full round over every live closure.
# Its pid is in DIR/pid (for check-deb.sh to kill it if it hangs).
# Exit 0 and "live: ok ..." when every result was right.
import ctypes
import ctypes.util
import os
import sys

d = sys.argv[1]
with open(os.path.join(d, "pid"), "w") as out:
    out.write("%d\n" % os.getpid())
libc = ctypes.CDLL(ctypes.util.find_library("c"))
CMP = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int))
FN = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_long, ctypes.c_double)


def make(k):
    # Each closure computes something of its own k.
    return FN(lambda x, y: x * 3 + int(y) + k)


def check(k, f):
    # Through the closure's C address, as C code would call it.
    p = ctypes.cast(f, ctypes.c_void_p).value
    return FN(p)(k, 2.0) == k * 3 + 2 + k


keep = [(k, make(k)) for k in range(50)]
live = []
rounds = 0
bad = 0
values = list(range(40, 0, -1))
while True:
    stop = os.path.exists(os.path.join(d, "stop"))
    k = 1000 + rounds
    f = make(k)
    live.append((k, f))
    if len(live) > 500:
        live.pop(0)
    if not check(k, f):
        bad += 1
    sample = keep + live if stop else keep[rounds % 50:rounds % 50 + 1] + live[-5:]
    for kk, ff in sample:
        if not check(kk, ff):
            bad += 1
    arr = (ctypes.c_int * len(values))(*values)
    libc.qsort(arr, len(arr), ctypes.sizeof(ctypes.c_int), CMP(lambda a, b: a[0] - b[0]))
    if list(arr) != sorted(values):
        bad += 1
    rounds += 1
    if rounds % 100 == 0 or stop:
        with open(os.path.join(d, "rounds.tmp"), "w") as out:
            out.write("%d\n" % rounds)
        os.replace(os.path.join(d, "rounds.tmp"), os.path.join(d, "rounds"))
    if stop:
        break

mapped = sorted({line.split(None, 5)[5].strip() for line in open("/proc/self/maps") if "libffi.so" in line})
print("live: %s: %d rounds, %d closures made, %d wrong results; mapped %s" %
      ("ok" if bad == 0 else "FAILED", rounds, rounds + 50, bad, ", ".join(mapped)))
sys.exit(1 if bad else 0)
