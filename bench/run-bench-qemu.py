#!/usr/bin/env python3
"""Instruction counts of ffix against Debian's libffi and a direct call, for
AArch64 under qemu-user: the counterpart of run-bench.py's callgrind counts
on a cross build (valgrind cannot run aarch64 code on an x86-64 host).

Builds bench/ffibench.c with the cross compiler twice (against ffix and
against Debian's libffi8:arm64, unpacked with dpkg -x into a cache, never
installed), checks every case under qemu, then runs `ffibench trace N` under
`qemu-aarch64-static -singlestep -d exec,nochain`, which logs one `Trace`
line per executed guest instruction.  Each loop runs N and 2N times between
two marker calls; the Trace lines between the markers are counted while the
log streams through a pipe (it is never stored), and

    instructions per call = (count(2N) - count(N)) / N

Prints the same Markdown table as `run-bench.py --instr-only`, through its
report().  See bench/README.md, "AArch64 (cross build, qemu)".

Environment:
  FFIX_INCLUDE     directory with ffix's ffi.h and ffitarget.h   (required)
  FFIX_LIBDIR      directory with ffix's libffi.so.8             (required)
  CC               the aarch64 cross compiler (default aarch64-linux-gnu-gcc)
  TEST_RUNNER      qemu command (default qemu-aarch64-static -L
                   /usr/aarch64-linux-gnu); only a qemu-aarch64 runner can count
  LIBFFI_INCLUDE, LIBFFI_LIBDIR
                   the reference libffi (default: Debian's libffi8:arm64 and
                   libffi-dev:arm64 in $FFIX_CACHE/arm64-oracle)
  FFIX_CACHE       cache directory (default .cache in the current directory)
  FFIX_BENCH_DIR   build directory (default: a temporary directory)
"""

import argparse
import glob
import importlib.util
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
MULTIARCH = "aarch64-linux-gnu"
DEFAULT_RUNNER = f"qemu-aarch64-static -L /usr/{MULTIARCH}"


def load_run_bench():
    """run-bench.py as a module (its name has a dash): the build helpers and
    report() are shared, so both drivers print the same table."""
    sys.dont_write_bytecode = True   # no __pycache__ in the source tree
    spec = importlib.util.spec_from_file_location(
        "run_bench", os.path.join(HERE, "run-bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


rb = load_run_bench()
die, note, status = rb.die, rb.note, rb.status


# --------------------------------------------------------------------------
# The oracle: Debian's libffi for arm64, unpacked, not installed

def oracle_dirs(cache):
    """LIBFFI_INCLUDE / LIBFFI_LIBDIR, else Debian's libffi8:arm64 and
    libffi-dev:arm64 unpacked under cache/arm64-oracle (fetched on first
    use).  Returns (include dir, lib dir, description)."""
    inc, lib = os.environ.get("LIBFFI_INCLUDE"), os.environ.get("LIBFFI_LIBDIR")
    if inc and lib:
        return inc, lib, "LIBFFI_INCLUDE/LIBFFI_LIBDIR"
    root = os.path.join(cache, "arm64-oracle")

    def found():
        # The usual layout first, then wherever a fetch script unpacked it.
        for so in ([os.path.join(root, "usr/lib", MULTIARCH, "libffi.so.8")]
                   + sorted(glob.glob(os.path.join(
                       cache, "**", "usr/lib", MULTIARCH, "libffi.so.8"),
                       recursive=True))):
            usr = os.path.dirname(os.path.dirname(os.path.dirname(so)))
            h = os.path.join(usr, "include", MULTIARCH)
            if os.path.exists(so) and os.path.exists(os.path.join(h, "ffi.h")):
                return h, os.path.dirname(so)
        return None

    dirs = found()
    if not dirs:
        fetch = os.path.join(TOP, "tools", "fetch-arm64-oracle.sh")
        if os.path.exists(fetch):
            note(f"fetching the oracle with {fetch}")
            rb.run(["sh", fetch, cache])
        else:
            fetch_oracle(root)
        dirs = found()
        if not dirs:
            die(f"no libffi.so.8 and ffi.h for {MULTIARCH} under {cache}")
    # The version, from the package fetched with it (libffi8_3.4.4-1_arm64.deb).
    debs = sorted(os.path.basename(d) for d in glob.glob(
        os.path.join(cache, "**", "libffi8_*_arm64.deb"), recursive=True))
    deb = debs[-1] if debs else None
    desc = (f"Debian libffi8:arm64 {deb.split('_')[1]}" if deb
            else "Debian libffi8:arm64")
    return dirs[0], dirs[1], desc


def fetch_oracle(root):
    """apt-get download + dpkg -x: the packages are unpacked, never
    installed (an installed libffi8:arm64 or libc6:arm64 breaks threaded
    programs under qemu)."""
    os.makedirs(root, exist_ok=True)
    note(f"fetching Debian's libffi8:arm64 and libffi-dev:arm64 into {root}")
    p = subprocess.run(["apt-get", "download", "libffi8:arm64",
                        "libffi-dev:arm64"], cwd=root, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        die("apt-get download failed; the arm64 package lists are needed: "
            "dpkg --add-architecture arm64 && apt-get update (never install "
            "an :arm64 package), or set LIBFFI_INCLUDE and LIBFFI_LIBDIR")
    for deb in glob.glob(os.path.join(root, "*.deb")):
        rb.run(["dpkg", "-x", deb, root])


# --------------------------------------------------------------------------
# Build (as run-bench.py's build(), with a CC that may carry flags)

def build(builddir, cc, sides):
    os.makedirs(builddir, exist_ok=True)
    callees_o = os.path.join(builddir, "callees.o")
    rb.run(cc + rb.CFLAGS + ["-c", os.path.join(HERE, "callees.c"), "-o", callees_o])
    bins = {}
    for side, (inc, libdir) in sides.items():
        if not os.path.exists(os.path.join(inc, "ffi.h")):
            die(f"{inc}/ffi.h does not exist")
        out = os.path.join(builddir, f"ffibench-{side}")
        rb.run(cc + rb.CFLAGS + ["-I" + inc, os.path.join(HERE, "ffibench.c"),
                                 callees_o, "-o", out] + rb.lib_link_args(libdir))
        bins[side] = out
    return bins


# --------------------------------------------------------------------------
# qemu

def qemu_runner():
    """TEST_RUNNER when it is qemu-aarch64 (it may carry -L, -cpu ...), else
    the default; the counts need qemu's instruction log."""
    r = os.environ.get("TEST_RUNNER", "").strip()
    words = shlex.split(r) if r else []
    if words and os.path.basename(words[0]).startswith("qemu-aarch64"):
        return words
    if words:
        note(f"TEST_RUNNER={r!r} is not qemu-aarch64: using {DEFAULT_RUNNER}")
    words = shlex.split(DEFAULT_RUNNER)
    if not shutil.which(words[0]):
        die(f"{words[0]} not found (apt-get install -y qemu-user-static)")
    return words


BEGIN = b"] bench_mark_begin\n"
END = b"] bench_mark_end\n"


def count_marked(stream):
    """Counts of the Trace lines between each bench_mark_begin and the next
    bench_mark_end line, read from stream in large chunks (bytes.count and
    bytes.find: C speed; the log is hundreds of MB and is never kept).

    A marker's own lines are not counted; if a marker function had more
    than one instruction, a repeated begin restarts the count and a repeated
    end is ignored, which the N / 2N difference cancels either way."""
    counts, cur, rest = [], None, b""
    lines = traces = 0
    while True:
        chunk = stream.read(1 << 22)
        if not chunk:
            break
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        data, rest = data[:cut], data[cut:]
        lines += data.count(b"\n")
        traces += data.count(b"Trace ")
        pos = 0
        while True:
            b, e = data.find(BEGIN, pos), data.find(END, pos)
            hits = [x for x in (b, e) if x >= 0]
            if not hits:
                if cur is not None:
                    cur += data.count(b"\n", pos)
                break
            at = min(hits)
            line_start = data.rfind(b"\n", 0, at) + 1
            if cur is not None:
                cur += data.count(b"\n", pos, line_start)
            if at == b:
                cur = 0
                pos = at + len(BEGIN)
            else:
                if cur is not None:
                    counts.append(cur)
                cur = None
                pos = at + len(END)
    if rest:
        lines += 1
    return counts, lines, traces


def trace_counts(runner, binary, n, cases):
    """Run `binary trace n cases...` under qemu's instruction log; returns
    {(mode, case): {iterations: Trace lines}}."""
    rfd, wfd = os.pipe()
    cmd = (runner + ["-singlestep", "-d", "exec,nochain", "-D", f"/dev/fd/{wfd}",
                     binary, "trace", str(n)] + cases)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QEMU_") or k in ("QEMU_LD_PREFIX", "QEMU_CPU")}
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    p = subprocess.Popen(cmd, stdout=out, stderr=err, pass_fds=(wfd,), env=env)
    os.close(wfd)
    with os.fdopen(rfd, "rb", buffering=0) as log:
        counts, lines, traces = count_marked(log)
    p.wait()
    out.seek(0)
    err.seek(0)
    text = out.read().decode()
    if p.returncode != 0:
        sys.stderr.write(err.read().decode())
        die(f"qemu trace run failed ({status(p.returncode)}): {' '.join(cmd)}")
    if lines != traces:
        die(f"{binary}: {lines - traces} lines of qemu's log are not Trace "
            f"lines: the counts would be wrong ({' '.join(cmd)})")
    loops = [ln.split("\t")[1:] for ln in text.splitlines()
             if ln.startswith("loop\t")]
    if len(loops) != len(counts):
        die(f"{binary}: {len(loops)} measured loops but {len(counts)} marked "
            f"segments in qemu's log (are the program's symbols missing?)")
    res = {}
    for (mode, case, k), c in zip(loops, counts):
        res.setdefault((mode, case), {})[int(k)] = c
    return res


def measure_instr(runner, bins, n, cases, jobs):
    """(side, mode, case) -> instructions per call, one qemu process per
    side and case, `jobs` at a time."""
    work = [(side, case) for case in cases for side in bins]
    results, errors = {}, []
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not work or errors:
                    return
                side, case = work.pop(0)
            try:
                r = trace_counts(runner, bins[side], n, [case])
            except SystemExit as e:   # die() in a thread: stop the others
                with lock:
                    errors.append(e)
                return
            with lock:
                results[(side, case)] = r

    threads = [threading.Thread(target=worker) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(1)
    per_call = {}
    for (side, case), r in results.items():
        for (mode, c), by_n in r.items():
            if set(by_n) != {n, 2 * n}:
                die(f"{side} {mode} {c}: runs of {sorted(by_n)} iterations")
            per_call[(side, mode, c)] = (by_n[2 * n] - by_n[n]) / n
    return per_call


def machine_line(cc, runner):
    def first_line(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            return " ".join(cmd)
    cpu = os.environ.get("QEMU_CPU") or "qemu's default CPU"
    return (f"Machine: guest aarch64 under {first_line([runner[0], '--version'])} "
            f"({cpu}) on {platform.machine()} {platform.system()} "
            f"{platform.release()}; {first_line([cc, '--version'])}")


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description="Instructions per call of ffix, Debian's libffi and a "
                    "direct call, for aarch64 under qemu-user.",
        epilog="Needs FFIX_INCLUDE and FFIX_LIBDIR; see bench/README.md.")
    ap.add_argument("builddir", nargs="?", default=os.environ.get("FFIX_BENCH_DIR"),
                    help="build directory (default $FFIX_BENCH_DIR or a "
                         "temporary directory, removed afterwards)")
    ap.add_argument("--n", type=int, default=200,
                    help="iterations N; each loop runs N and 2N times "
                         "(default 200)")
    ap.add_argument("--cases", default="",
                    help="comma-separated cases (default all; 'ffibench list')")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="qemu runs in parallel (default 2)")
    ap.add_argument("--output", help="also write the table to this file")
    # Accepted for symmetry with run-bench.py: qemu gives no useful time.
    ap.add_argument("--instr-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.n < 1:
        die("--n must be positive")

    cc = os.environ.get("CC") or f"{MULTIARCH}-gcc"
    cc_words = shlex.split(cc)
    runner = qemu_runner()
    fi, fl = os.environ.get("FFIX_INCLUDE"), os.environ.get("FFIX_LIBDIR")
    if not fi or not fl:
        die("set FFIX_INCLUDE (ffix's ffi.h) and FFIX_LIBDIR (ffix's libffi.so.8)")
    cache = os.path.abspath(os.environ.get("FFIX_CACHE") or ".cache")
    oinc, olib, odesc = oracle_dirs(cache)
    sides = {"ffix": (os.path.abspath(fi), os.path.abspath(fl)),
             "libffi": (os.path.abspath(oinc), os.path.abspath(olib))}
    for v in ("LD_LIBRARY_PATH", "LD_PRELOAD", "QEMU_SET_ENV"):
        if os.environ.get(v):
            note(f"warning: {v} is set ({os.environ[v]})")

    t0 = time.time()
    tmp = None
    builddir = args.builddir
    if not builddir:
        tmp = builddir = tempfile.mkdtemp(prefix="ffix-bench-a64-")
    builddir = os.path.abspath(builddir)
    try:
        note(f"building in {builddir} with {cc}")
        bins = build(builddir, cc_words, sides)

        def run_q(binary, *a):
            return rb.run(runner + [binary] + list(a))

        libs, have_plan = {}, False
        for side, b in bins.items():
            out = run_q(b, "info")
            loaded = next((ln.split("\t", 1)[1] for ln in out.splitlines()
                           if ln.startswith("lib\t")), "?")
            want = os.path.realpath(os.path.join(sides[side][1], "libffi.so.8"))
            if os.path.realpath(loaded) != want:
                die(f"{b} loads {loaded}, expected {want}")
            libs[side] = want
            if side == "ffix":
                have_plan = "plan\t1" in out.splitlines()
        libs["libffi"] += f" ({odesc})"

        def cases_of(b):
            cs = []
            for line in run_q(b, "list").splitlines():
                name, kind, has_direct, flags, desc = line.split("\t", 4)
                cs.append(dict(name=name, kind=kind, direct=has_direct == "1",
                               regs="regs" in flags.split(","),
                               ms="ms" in flags.split(","), desc=desc))
            return cs
        cases = cases_of(bins["libffi"])
        if cases_of(bins["ffix"]) != cases:
            die("the two binaries disagree on the case list")
        if args.cases:
            want = args.cases.split(",")
            names = [c["name"] for c in cases]
            for w in want:
                if w not in names:
                    die(f"unknown case {w!r}; cases: {', '.join(names)}")
            cases = [c for c in cases if c["name"] in want]
        names = [c["name"] for c in cases]

        # Correctness first: a broken library must not produce a number.
        for side, b in bins.items():
            p = subprocess.run(runner + [b, "check"] + names, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                sys.stderr.write(p.stderr)
                die(f"correctness check failed for {side} ({libs[side]}, "
                    f"{status(p.returncode)}); not measuring")
        note("correctness checks passed for both libraries")

        note(f"counting guest instructions under qemu (N = {args.n})")
        instr = measure_instr(runner, bins, args.n, names, args.jobs)
        for (side, mode, case), v in sorted(instr.items()):
            if v != int(v):
                note(f"warning: {side} {mode} {case}: {v} instructions per "
                     f"call is not a whole number")
        instr_note = (
            f"instr = guest instructions per iteration of the measuring loop, "
            f"counted under `{' '.join(runner)} -singlestep -d exec,nochain` "
            f"(one Trace line per executed instruction) as (count(2N) - "
            f"count(N)) / N with N = {args.n}: one ffi_call (or "
            f"ffi_call_plan_invoke) including the callee and the PLT stub, "
            f"one call of a closure including its handler, one "
            f"alloc/prep/free cycle (`cl_cycle`), or one direct call including "
            f"the callee; the call site's argument set-up and loop control are "
            f"included on both sides (see bench/README.md)")
        table = rb.report(cases, instr, None, libs, have_plan, args,
                          instr_note=instr_note, machine=machine_line(cc_words[0], runner),
                          reference=None)
        print(table)
        if args.output:
            with open(args.output, "w") as f:
                f.write(table + "\n")
        note(f"done in {time.time() - t0:.0f} s")
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
