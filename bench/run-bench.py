#!/usr/bin/env python3
"""Benchmark ffix's ffi_call and closures against the system libffi and a
direct C call.

Builds bench/ffibench.c twice (against ffix and against the system libffi),
checks every case, counts instructions per call with callgrind and measures
CPU time per call (runs of the two binaries interleaved), then prints a
Markdown table.  See bench/README.md.

Environment:
  FFIX_INCLUDE     directory with ffix's ffi.h and ffitarget.h   (required)
  FFIX_LIBDIR      directory with ffix's libffi.so.8 (and libffi.so) (required)
  LIBFFI_INCLUDE   system libffi headers  (default /usr/include/x86_64-linux-gnu)
  LIBFFI_LIBDIR    system libffi library  (default /usr/lib/x86_64-linux-gnu)
  FFIX_BENCH_DIR   build directory (default: a temporary directory)
  CC               C compiler (default cc)
"""

import argparse
import glob
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CFLAGS = ["-O2", "-g", "-Wall", "-Wextra"]


def die(msg):
    print(f"run-bench: error: {msg}", file=sys.stderr)
    sys.exit(1)


def note(msg):
    print(f"run-bench: {msg}", file=sys.stderr, flush=True)


def status(rc):
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit {rc}"


def run(cmd, **kw):
    """Run a command; on failure print its output and die."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        sys.stderr.write(p.stderr)
        die(f"command failed ({status(p.returncode)}): {' '.join(cmd)}")
    return p.stdout


# --------------------------------------------------------------------------
# Build

def lib_link_args(libdir):
    """Link against libdir's libffi, never silently against another one."""
    so = os.path.join(libdir, "libffi.so")
    so8 = os.path.join(libdir, "libffi.so.8")
    if not os.path.exists(so8):
        die(f"{so8} does not exist")
    if os.path.exists(so):
        link = ["-L" + libdir, "-lffi"]
    else:
        link = [so8]  # no dev symlink: link the soname file by path
    return link + ["-Wl,-rpath," + libdir]


def build(builddir, cc, sides):
    os.makedirs(builddir, exist_ok=True)
    callees_o = os.path.join(builddir, "callees.o")
    run([cc] + CFLAGS + ["-c", os.path.join(HERE, "callees.c"), "-o", callees_o])
    bins = {}
    for side, (inc, libdir) in sides.items():
        if not os.path.exists(os.path.join(inc, "ffi.h")):
            die(f"{inc}/ffi.h does not exist")
        out = os.path.join(builddir, f"ffibench-{side}")
        cmd = ([cc] + CFLAGS + ["-I" + inc, os.path.join(HERE, "ffibench.c"),
                                callees_o, "-o", out]
               + lib_link_args(libdir))
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            if "valgrind/callgrind.h" in p.stderr:
                note("valgrind/callgrind.h is missing: apt-get install -y valgrind")
            die(f"building {out} failed")
        bins[side] = out
    return bins


def verify_loaded_lib(binary, libdir):
    """The binary must load libffi.so.8 from libdir (checked with dladdr)."""
    out = run([binary, "info"])
    m = re.search(r"^lib\t(.*)$", out, re.M)
    loaded = m.group(1) if m else "?"
    want = os.path.realpath(os.path.join(libdir, "libffi.so.8"))
    if os.path.realpath(loaded) != want:
        die(f"{binary} loads {loaded}, expected {want} "
            "(LD_LIBRARY_PATH / LD_PRELOAD set?)")
    return want


def list_cases(binary):
    cases = []
    for line in run([binary, "list"]).splitlines():
        name, kind, has_direct, desc = line.split("\t", 3)
        cases.append(dict(name=name, kind=kind, direct=has_direct == "1",
                          desc=desc))
    return cases


# --------------------------------------------------------------------------
# Instructions (callgrind)

def callgrind_counts(binary, n, outdir, tag, cases):
    """Start `binary instr n` under callgrind; return a function that waits
    and gives {(mode, case): Ir} from the per-loop dumps."""
    base = os.path.join(outdir, f"cg-{tag}-{n}")
    for f in glob.glob(base + ".*"):
        os.remove(f)
    log = open(base + ".log", "w")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={base}.out",
           binary, "instr", str(n)] + cases
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    def finish():
        p.wait()
        log.close()
        if p.returncode != 0:
            sys.stderr.write(open(base + ".log").read())
            die(f"callgrind run failed ({status(p.returncode)}): {' '.join(cmd)}")
        res = {}
        for f in glob.glob(base + ".out.*"):
            trig = summ = None
            with open(f) as fh:
                for line in fh:
                    if line.startswith("desc: Trigger: Client Request: "):
                        trig = line.split(": ", 3)[3].strip()
                    elif line.startswith("summary: "):
                        summ = int(line.split()[1])
                    if trig and summ is not None:
                        break
            if trig:
                mode, case, count = trig.split(":")
                assert int(count) == n
                res[(mode, case)] = summ
        return res
    return finish


def measure_instr(bins, iters, outdir, cases, jobs):
    """Instructions per call: (count(N3) - count(N1)) / (N3 - N1).

    Setup and warm-up costs cancel; the middle count checks linearity."""
    pending = []
    results = {}
    for side, binary in bins.items():
        for n in iters:
            pending.append(((side, n), callgrind_counts(binary, n, outdir, side,
                                                        cases)))
            if len(pending) >= jobs:
                key, fin = pending.pop(0)
                results[key] = fin()
    for key, fin in pending:
        results[key] = fin()

    per_call = {}   # (side, mode, case) -> instructions per call
    n1, n3 = iters[0], iters[-1]
    for side in bins:
        for (mode, case), c1 in results[(side, n1)].items():
            c3 = results[(side, n3)][(mode, case)]
            v = (c3 - c1) / (n3 - n1)
            per_call[(side, mode, case)] = v
            if len(iters) == 3:
                n2 = iters[1]
                c2 = results[(side, n2)][(mode, case)]
                a, b = (c2 - c1) / (n2 - n1), (c3 - c2) / (n3 - n2)
                if abs(a - b) > 0.5:
                    note(f"warning: {side} {mode} {case}: instruction count "
                         f"not linear in n ({a:.2f} vs {b:.2f} per call)")
    return per_call


# --------------------------------------------------------------------------
# Time (CPU time, interleaved runs)

def measure_time(bins, rounds, ms, batches, cases, order):
    """Time every case in every round, one process per (side, case): the two
    sides' runs of one case follow each other (A B, next case B A, next
    round the other way round), so they see the same machine load.

    Returns {(side, mode, case): [ns/call per batch, ...]} and
    {(side, mode, case): [median of each round, ...]}."""
    samples, per_round = {}, {}
    for r in range(rounds):
        for i, case in enumerate(cases):
            seq = order if (r + i) % 2 == 0 else order[::-1]
            for side in seq:
                out = run([bins[side], "time", str(ms), str(batches), case])
                got = {}
                for line in out.splitlines():
                    f = line.split("\t")
                    if f[0] == "time":
                        got.setdefault((side, f[2], f[1]), []).append(float(f[3]))
                for k, v in got.items():
                    samples.setdefault(k, []).extend(v)
                    per_round.setdefault(k, []).append(statistics.median(v))
        note(f"time round {r + 1}/{rounds} done")
    return samples, per_round


# --------------------------------------------------------------------------
# Report

def machine_line():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ncpu = os.cpu_count()
    cc = os.environ.get("CC", "cc")
    try:
        ccv = subprocess.run([cc, "--version"], stdout=subprocess.PIPE,
                             text=True).stdout.splitlines()[0]
    except Exception:
        ccv = cc
    vg = shutil.which("valgrind")
    vgv = (subprocess.run(["valgrind", "--version"], stdout=subprocess.PIPE,
                          text=True).stdout.strip() if vg else "no valgrind")
    return (f"Machine: {cpu} ({ncpu} CPUs), {platform.system()} "
            f"{platform.release()} {platform.machine()}; {ccv}; {vgv}")


def fmt_instr(v):
    if v is None:
        return "–"
    return f"{v:.0f}" if abs(v - round(v)) < 0.005 else f"{v:.2f}"


def fmt_ns(v):
    if v is None:
        return "–"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def fmt_ratio(v):
    return "–" if v is None else f"{v:.3f}"


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def report(cases, instr, timing, libs, args):
    times, per_round = timing if timing else (None, None)

    def med(side, mode, case):
        s = times.get((side, mode, case)) if times else None
        return statistics.median(s) if s else None

    def paired_ratio(case):
        """Median over rounds of ffix/libffi, each from adjacent runs."""
        if not per_round:
            return None
        a = per_round.get(("ffix", "lib", case), [])
        b = per_round.get(("libffi", "lib", case), [])
        rs = [x / y for x, y in zip(a, b) if y > 0]
        return statistics.median(rs) if rs else None

    def ins(side, mode, case):
        return instr.get((side, mode, case)) if instr else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    # One table per section: ffi_call/ffi_prep_cif cases, then closures
    # (kinds "closure" and "closure-alloc"); a section with no selected case
    # is left out.  Each kind gets its own geometric mean.
    def section(kind):
        return "closures" if kind.startswith("closure") else "calls"

    titles = {
        "calls": "**ffi_call and ffi_prep_cif**",
        "closures": "**Closures** (lib = a call through the closure's code "
                    "address, including the handler; direct = the same call "
                    "to the equivalent C function)",
    }
    header = ["| case | ffix instr | libffi instr | direct instr | ffix/libffi "
              "| ffix ns | libffi ns | direct ns | ffix/libffi time |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rows = {}
    by_kind = {}
    for c in cases:
        n = c["name"]
        fi, li = ins("ffix", "lib", n), ins("libffi", "lib", n)
        # The direct loop is the same code in both binaries: one count
        # (callgrind) and the pooled samples of both (time).
        di = ins("libffi", "direct", n) if c["direct"] else None
        dj = ins("ffix", "direct", n) if c["direct"] else None
        if di is not None and dj is not None and abs(di - dj) > 0.5:
            note(f"warning: {n}: direct call counts differ between the two "
                 f"binaries ({dj:.2f} vs {di:.2f})")
        ft, lt = med("ffix", "lib", n), med("libffi", "lib", n)
        dt = None
        if c["direct"] and times:
            pool = (times.get(("ffix", "direct", n), [])
                    + times.get(("libffi", "direct", n), []))
            dt = statistics.median(pool) if pool else None
        ri, rt = ratio(fi, li), paired_ratio(n)
        by_kind.setdefault(c["kind"], []).append((ri, rt))
        rows.setdefault(section(c["kind"]), []).append(
            f"| {n} | {fmt_instr(fi)} | {fmt_instr(li)} | "
            f"{fmt_instr(di)} | {fmt_ratio(ri)} | {fmt_ns(ft)} | "
            f"{fmt_ns(lt)} | {fmt_ns(dt)} | {fmt_ratio(rt)} |")
    lines = []
    for sec, rs in rows.items():
        if lines:
            lines.append("")
        lines.append(titles.get(sec, sec))
        lines.append("")
        lines.extend(header)
        lines.extend(rs)
    lines.append("")
    for kind, rs in by_kind.items():
        gi = geomean([r[0] for r in rs])
        gt = geomean([r[1] for r in rs])
        what = {"call": "ffi_call", "prep": "ffi_prep_cif",
                "closure": "closure-call",
                "closure-alloc": "closure alloc/prep/free"}.get(kind, kind)
        plural = "case" if len(rs) == 1 else "cases"
        lines.append(f"- Geometric mean of ffix/libffi over {len(rs)} {what} "
                     f"{plural}: instructions **{fmt_ratio(gi)}**, "
                     f"time **{fmt_ratio(gt)}**")
    lines.append("- Cases: " + "; ".join(f"`{c['name']}` = {c['desc']}"
                                         for c in cases))
    if instr:
        lines.append("- instr = instructions per iteration of the measuring "
                     "loop, counted by callgrind as (Ir(n=%d) - Ir(n=%d)) / %d: "
                     "one ffi_call including the callee (and the PLT jump), "
                     "one call of a closure including its handler, one "
                     "alloc/prep/free cycle (`cl_cycle`), or "
                     "one direct call including the callee; the call site's "
                     "argument set-up and loop control are included on both "
                     "sides (see bench/README.md)"
                     % (args.iters[-1], args.iters[0],
                        args.iters[-1] - args.iters[0]))
    if times:
        lines.append(f"- ns = median CPU time per call "
                     f"(CLOCK_THREAD_CPUTIME_ID) over {args.rounds} interleaved "
                     f"runs of each binary x {args.batches} batches of "
                     f"~{args.ms} ms; the time ratio is the median over the "
                     f"rounds of ffix/libffi from back-to-back runs of the "
                     f"two binaries")
    lines.append(f"- ffix = {libs['ffix']}; libffi = {libs['libffi']}"
                 + (" (the same library: ratios should be ~1)"
                    if libs["ffix"] == libs["libffi"] else ""))
    lines.append("- " + machine_line())
    return "\n".join(lines)


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description="Benchmark ffix's ffi_call against the system libffi.",
        epilog="Needs FFIX_INCLUDE and FFIX_LIBDIR; see bench/README.md.")
    ap.add_argument("builddir", nargs="?",
                    default=os.environ.get("FFIX_BENCH_DIR"),
                    help="build directory (default $FFIX_BENCH_DIR or a "
                         "temporary directory, removed afterwards)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--instr-only", action="store_true",
                   help="only count instructions (callgrind)")
    g.add_argument("--time-only", action="store_true",
                   help="only measure CPU time")
    ap.add_argument("--rounds", type=int, default=10,
                    help="interleaved time rounds per binary (default 10)")
    ap.add_argument("--batches", type=int, default=3,
                    help="timed batches per case per round (default 3)")
    ap.add_argument("--ms", type=int, default=20,
                    help="CPU time per batch in ms (default 20)")
    ap.add_argument("--iters", default="1000,2000,3000",
                    help="callgrind iteration counts, 2 or 3, increasing "
                         "(default 1000,2000,3000)")
    ap.add_argument("--cases", default="",
                    help="comma-separated cases (default all; see "
                         "'ffibench list')")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="parallel callgrind runs (default 2)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="pin the timed runs to this CPU")
    ap.add_argument("--output", help="also write the table to this file")
    args = ap.parse_args()

    args.iters = [int(x) for x in args.iters.split(",")]
    if len(args.iters) not in (2, 3) or args.iters != sorted(set(args.iters)):
        die("--iters wants 2 or 3 increasing counts")
    if args.rounds < 1 or args.batches < 1 or args.ms < 1:
        die("--rounds, --batches and --ms must be positive")

    fi, fl = os.environ.get("FFIX_INCLUDE"), os.environ.get("FFIX_LIBDIR")
    if not fi or not fl:
        die("set FFIX_INCLUDE (ffix's ffi.h) and FFIX_LIBDIR (ffix's "
            "libffi.so.8); to try the harness on the system libffi alone: "
            "FFIX_INCLUDE=/usr/include/x86_64-linux-gnu "
            "FFIX_LIBDIR=/usr/lib/x86_64-linux-gnu")
    sides = {
        "ffix": (os.path.abspath(fi), os.path.abspath(fl)),
        "libffi": (os.environ.get("LIBFFI_INCLUDE", "/usr/include/x86_64-linux-gnu"),
                   os.environ.get("LIBFFI_LIBDIR", "/usr/lib/x86_64-linux-gnu")),
    }
    for v in ("LD_LIBRARY_PATH", "LD_PRELOAD"):
        if os.environ.get(v):
            note(f"warning: {v} is set ({os.environ[v]})")
    if not args.time_only and not shutil.which("valgrind"):
        die("valgrind not found: apt-get install -y valgrind "
            "(or use --time-only)")

    t0 = time.time()
    tmp = None
    builddir = args.builddir
    if not builddir:
        tmp = tempfile.mkdtemp(prefix="ffix-bench-")
        builddir = tmp
    builddir = os.path.abspath(builddir)
    try:
        cc = os.environ.get("CC", "cc")
        note(f"building in {builddir}")
        bins = build(builddir, cc, sides)
        libs = {s: verify_loaded_lib(bins[s], sides[s][1]) for s in bins}
        cases = list_cases(bins["libffi"])
        if list_cases(bins["ffix"]) != cases:
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
            p = subprocess.run([b, "check"] + names, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            if p.returncode != 0:
                sys.stderr.write(p.stderr)
                die(f"correctness check failed for {side} ({libs[side]}, "
                    f"{status(p.returncode)}); not measuring")
        note("correctness checks passed for both libraries")

        instr = timing = None
        if not args.time_only:
            note("counting instructions with callgrind")
            instr = measure_instr(bins, args.iters, builddir, names, args.jobs)
        if not args.instr_only:
            note("timing")
            if args.cpu is not None:
                os.sched_setaffinity(0, {args.cpu})
            timing = measure_time(bins, args.rounds, args.ms, args.batches,
                                 names, ["ffix", "libffi"])
        table = report(cases, instr, timing, libs, args)
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
