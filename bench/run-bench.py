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
  LIBFFI_INCLUDE   system libffi headers  (default /usr/include/<multiarch>)
  LIBFFI_LIBDIR    system libffi library  (default /usr/lib/<multiarch>)
                   <multiarch>: the compiler's target, `$CC -print-multiarch`
                   or `dpkg-architecture -qDEB_HOST_MULTIARCH`
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


def multiarch(cc):
    """The Debian multiarch tuple of cc's target (x86_64-linux-gnu):
    `cc -print-multiarch`, else dpkg-architecture; None if neither answers."""
    for cmd in ([cc, "-print-multiarch"],
                ["dpkg-architecture", "-qDEB_HOST_MULTIARCH"]):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
        except OSError:
            continue
        if p.returncode == 0 and p.stdout.strip():
            return p.stdout.strip()
    return None


def system_libffi_dirs(cc):
    """LIBFFI_INCLUDE and LIBFFI_LIBDIR, by default the multiarch
    directories of Debian's libffi-dev for cc's target."""
    inc = os.environ.get("LIBFFI_INCLUDE")
    lib = os.environ.get("LIBFFI_LIBDIR")
    if not inc or not lib:
        tuple_ = multiarch(cc)
        if tuple_ is None:
            die(f"cannot tell the multiarch directories of {cc}: set "
                "LIBFFI_INCLUDE and LIBFFI_LIBDIR")
        inc = inc or f"/usr/include/{tuple_}"
        lib = lib or f"/usr/lib/{tuple_}"
    return inc, lib


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
    """The binary must load libffi.so.8 from libdir (checked with dladdr).

    Returns (path of the library, whether the binary has the plan loops)."""
    out = run([binary, "info"])
    m = re.search(r"^lib\t(.*)$", out, re.M)
    loaded = m.group(1) if m else "?"
    want = os.path.realpath(os.path.join(libdir, "libffi.so.8"))
    if os.path.realpath(loaded) != want:
        die(f"{binary} loads {loaded}, expected {want} "
            "(LD_LIBRARY_PATH / LD_PRELOAD set?)")
    m = re.search(r"^plan\t(\d)$", out, re.M)
    return want, bool(m and m.group(1) == "1")


def list_cases(binary):
    cases = []
    for line in run([binary, "list"]).splitlines():
        name, kind, has_direct, flags, desc = line.split("\t", 4)
        cases.append(dict(name=name, kind=kind, direct=has_direct == "1",
                          regs="regs" in flags.split(","),
                          ms="ms" in flags.split(","), desc=desc))
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


# The targets of the issue (ffix against libffi 3.4.4).
TARGET_GEOMEAN_INSTR = 0.20   # ffi_call + closure-call cases, geometric mean
TARGET_GEOMEAN_TIME = 0.30
TARGET_MAX_RATIO = 0.5        # no single ffi_call / closure-call case above
TARGET_REGS_DIRECT = 4.0      # all-register signatures: ffix instr / direct
TARGET_PREP = 0.5             # ffi_prep_cif
TARGET_CYCLE = 1.0            # closure alloc/prep/free
PLAN_TIME_SLACK = 1.05        # plan vs ffi_call time: timing noise allowed
TARGET_VS_380 = 0.5           # ffix against libffi 3.8.0's quoted figures


# libffi 3.8.0, for reference: instructions per call as the issue quotes
# them (callgrind, the same loops, built from libffi's v3.8.0 source on
# x86-64).  Fixed figures, not measured here: the system libffi (3.4.4)
# has no call plans.  Plan cases: ffi_call_plan_invoke; cl_int: a call of
# a closure of int f(int).
LIBFFI_380_ISSUE = {"int": 117, "i64x6": 80, "dd": 142, "struct24": 583,
                    "cl_int": 185}


def mark(v, limit):
    if v is None:
        return "n/a"
    return "PASS" if v <= limit else "FAIL"


def worst(pairs):
    """(name, ratio) pairs -> the pair with the largest ratio, or None."""
    pairs = [p for p in pairs if p[1] is not None]
    return max(pairs, key=lambda p: p[1]) if pairs else None


def report(cases, instr, timing, libs, have_plan, args, instr_note=None,
           machine=None, reference=LIBFFI_380_ISSUE):
    """The tables and summary lines.  instr_note and machine replace the
    callgrind description and the machine line (the qemu counts of
    run-bench-qemu.py); None keeps the ones of this driver.  reference:
    the libffi 3.8.0 figures of the issue by case (x86-64), or None for
    no reference columns (another target)."""
    times, per_round = timing if timing else (None, None)

    def med(side, mode, case):
        s = times.get((side, mode, case)) if times else None
        return statistics.median(s) if s else None

    def paired(a_key, b_key):
        """Median over rounds of a/b, each round's pair from back-to-back
        runs (or from the same run)."""
        if not per_round:
            return None
        a = per_round.get(a_key, [])
        b = per_round.get(b_key, [])
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
        "calls": "**ffi_call and ffi_prep_cif** (ffix plan = the same call "
                 "through `ffi_call_plan_invoke` with a plan allocated once; "
                 "regs = every argument travels in a register)",
        "closures": "**Closures** (lib = a call through the closure's code "
                    "address, including the handler; direct = the same call "
                    "to the equivalent C function)",
    }
    # The reference columns (3.8.0 as the issue quotes it) sit next to what
    # they compare with; the direct-call ratios after ffix/libffi.
    ref_plan = (" 3.8.0 plan instr (issue, fixed) | ffix plan/3.8.0 plan |"
                if reference is not None else "")
    ref_cl = (" 3.8.0 instr (issue, fixed) | ffix/3.8.0 |"
              if reference is not None else "")
    ref_cols = "---:|---:|" if reference is not None else ""
    headers = {
        "calls": ["| case | regs | ffix instr | ffix plan instr |" + ref_plan
                  + " libffi instr | direct instr | ffix/libffi | ffix/direct "
                  "| ffix plan/direct | ffix ns | ffix plan ns "
                  "| libffi ns | direct ns | ffix/libffi time |",
                  "|---|:-:|---:|---:|" + ref_cols
                  + "---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"],
        "closures": ["| case | ffix instr |" + ref_cl + " libffi instr "
                     "| direct instr | ffix/libffi | ffix/direct | ffix ns "
                     "| libffi ns | direct ns | ffix/libffi time |",
                     "|---|---:|" + ref_cols
                     + "---:|---:|---:|---:|---:|---:|---:|---:|"],
    }
    rows = {}
    by_kind = {}
    r = {}          # case -> figures, for the targets
    for c in cases:
        n = c["name"]
        plan = have_plan and c["kind"] == "call"
        fi, li = ins("ffix", "lib", n), ins("libffi", "lib", n)
        pi = ins("ffix", "plan", n) if plan else None
        # The direct loop is the same code in both binaries: one count
        # (callgrind) and the pooled samples of both (time).
        di = ins("libffi", "direct", n) if c["direct"] else None
        dj = ins("ffix", "direct", n) if c["direct"] else None
        if di is not None and dj is not None and abs(di - dj) > 0.5:
            note(f"warning: {n}: direct call counts differ between the two "
                 f"binaries ({dj:.2f} vs {di:.2f})")
        ft, lt = med("ffix", "lib", n), med("libffi", "lib", n)
        pt = med("ffix", "plan", n) if plan else None
        dt = None
        if c["direct"] and times:
            pool = (times.get(("ffix", "direct", n), [])
                    + times.get(("libffi", "direct", n), []))
            dt = statistics.median(pool) if pool else None
        ri = ratio(fi, li)
        rt = paired(("ffix", "lib", n), ("libffi", "lib", n))
        r[n] = dict(
            ri=ri, rt=rt, fi=fi, pi=pi, di=di,
            # through the plan: against libffi's ffi_call, and against
            # ffix's own ffi_call (the latter from the same process)
            pri=ratio(pi, li) if plan else None,
            prt=paired(("ffix", "plan", n), ("libffi", "lib", n)) if plan else None,
            ppi=ratio(pi, fi) if plan else None,
            ppt=paired(("ffix", "plan", n), ("ffix", "lib", n)) if plan else None)
        by_kind.setdefault(c["kind"], []).append((ri, rt))
        sec = section(c["kind"])
        ref = reference.get(n) if reference is not None else None
        r[n]["ref"] = ref
        if sec == "calls":
            refs = (f" {fmt_instr(ref)} | {fmt_ratio(ratio(pi, ref))} |"
                    if reference is not None else "")
            row = (f"| {n} | {'yes' if c['regs'] else ''} | {fmt_instr(fi)} | "
                   f"{fmt_instr(pi)} |{refs} {fmt_instr(li)} | "
                   f"{fmt_instr(di)} | {fmt_ratio(ri)} | "
                   f"{fmt_x(ratio(fi, di))} | {fmt_x(ratio(pi, di))} | "
                   f"{fmt_ns(ft)} | {fmt_ns(pt)} | "
                   f"{fmt_ns(lt)} | {fmt_ns(dt)} | {fmt_ratio(rt)} |")
        else:
            refs = (f" {fmt_instr(ref)} | {fmt_ratio(ratio(fi, ref))} |"
                    if reference is not None else "")
            row = (f"| {n} | {fmt_instr(fi)} |{refs} {fmt_instr(li)} | "
                   f"{fmt_instr(di)} | {fmt_ratio(ri)} | "
                   f"{fmt_x(ratio(fi, di))} | {fmt_ns(ft)} | "
                   f"{fmt_ns(lt)} | {fmt_ns(dt)} | {fmt_ratio(rt)} |")
        rows.setdefault(sec, []).append(row)
    lines = []
    for sec, rs in rows.items():
        if lines:
            lines.append("")
        lines.append(titles.get(sec, sec))
        lines.append("")
        lines.extend(headers[sec])
        lines.extend(rs)
    lines.append("")
    for kind, rs in by_kind.items():
        gi = geomean([x[0] for x in rs])
        gt = geomean([x[1] for x in rs])
        what = {"call": "ffi_call", "prep": "ffi_prep_cif",
                "closure": "closure-call",
                "closure-alloc": "closure alloc/prep/free"}.get(kind, kind)
        plural = "case" if len(rs) == 1 else "cases"
        lines.append(f"- Geometric mean of ffix/libffi over {len(rs)} {what} "
                     f"{plural}: instructions **{fmt_ratio(gi)}**, "
                     f"time **{fmt_ratio(gt)}**")

    lines.extend(targets(cases, r, have_plan, instr is not None,
                         times is not None))

    lines.append("")
    lines.append("- Cases: " + "; ".join(f"`{c['name']}` = {c['desc']}"
                                         for c in cases))
    if instr and instr_note:
        lines.append("- " + instr_note)
    elif instr:
        lines.append("- instr = instructions per iteration of the measuring "
                     "loop, counted by callgrind as (Ir(n=%d) - Ir(n=%d)) / %d: "
                     "one ffi_call (or ffi_call_plan_invoke) including the "
                     "callee (and the PLT jump), "
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
    if reference is not None:
        lines.append("- 3.8.0 = libffi 3.8.0's instructions per call as the "
                     "issue quotes them (built from libffi's v3.8.0 source, "
                     "same callgrind method, x86-64): fixed reference figures, "
                     "not measured by this run; plan cases through "
                     "`ffi_call_plan_invoke`, `cl_int` a call of its closure; "
                     "ffix/direct and ffix plan/direct = instructions against "
                     "the direct call's (both include the callee and the call "
                     "site)")
    else:
        lines.append("- ffix/direct and ffix plan/direct = instructions "
                     "against the direct call's (both include the callee and "
                     "the call site); no libffi 3.8.0 reference figures for "
                     "this target (the issue's are x86-64)")
    if not have_plan:
        lines.append("- ffix's ffi.h declares no call-plan API "
                     "(FFI_VERSION_NUMBER < 30700 or missing): no plan columns")
    lines.append("- " + (machine or machine_line()))
    return "\n".join(lines)


def targets(cases, r, have_plan, with_instr, with_time):
    """The issue's targets, each with PASS / FAIL (n/a: not measured)."""
    out = ["", "**Targets** (ffix against libffi; n/a = not measured)", ""]

    def fig(v, limit, name=None, fmt=fmt_ratio):
        where = f" (`{name}`)" if name else ""
        return f"**{fmt(v)}**{where} (≤ {limit:.2f}: {mark(v, limit)})"

    # ffi_call and closure-call cases together, in the native convention.
    both = [c["name"] for c in cases if c["kind"] in ("call", "closure") and not c["ms"]]
    if both:
        gi = geomean([r[n]["ri"] for n in both])
        gt = geomean([r[n]["rt"] for n in both])
        out.append(f"- Geometric mean of ffix/libffi over the {len(both)} "
                   f"ffi_call and closure-call cases: instructions "
                   f"{fig(gi, TARGET_GEOMEAN_INSTR)}, time "
                   f"{fig(gt, TARGET_GEOMEAN_TIME)}")
        wi = worst([(n, r[n]["ri"]) for n in both]) or (None, None)
        wt = worst([(n, r[n]["rt"]) for n in both]) or (None, None)
        out.append(f"- Largest single ffix/libffi ratio among them: "
                   f"instructions {fig(wi[1], TARGET_MAX_RATIO, wi[0])}, "
                   f"time {fig(wt[1], TARGET_MAX_RATIO, wt[0])}")
        if have_plan:
            # The same figures with the ffi_call cases through their plans.
            def pick(n, k):
                v = r[n]["p" + k]
                return v if v is not None else r[n][k]
            pgi = geomean([pick(n, "ri") for n in both])
            pgt = geomean([pick(n, "rt") for n in both])
            pwi = worst([(n, pick(n, "ri")) for n in both]) or (None, None)
            out.append(f"- The same with `ffi_call_plan_invoke` in place of "
                       f"ffi_call (for information): geometric mean "
                       f"instructions **{fmt_ratio(pgi)}**, time "
                       f"**{fmt_ratio(pgt)}**; largest instructions ratio "
                       f"**{fmt_ratio(pwi[1])}**"
                       + (f" (`{pwi[0]}`)" if pwi[0] else ""))

    # The Microsoft x64 convention on Linux, for information: a secondary
    # use of it (ms_abi functions); its closures must also save the ten
    # XMM registers and rdi/rsi that a System V handler may change and a
    # Microsoft x64 caller expects kept, as libffi's do.
    ms = [c["name"] for c in cases if c["kind"] in ("call", "closure") and c["ms"]]
    if ms:
        detail = ", ".join(f"`{n}` {fmt_ratio(r[n]['ri'])}" for n in ms)
        out.append(f"- Microsoft x64 on Linux (`FFI_GNUW64`, for information, not in the "
                   f"figures above): ffix/libffi instructions {detail}; geometric mean "
                   f"**{fmt_ratio(geomean([r[n]['ri'] for n in ms]))}**")

    # All-register signatures against the direct call.
    regs = [c["name"] for c in cases if c["regs"]]
    if regs:
        per = [(n, ratio_or_none(r[n]["fi"], r[n]["di"])) for n in regs]
        w = worst(per) or (None, None)
        detail = ", ".join(f"`{n}` {fmt_x(v)}" for n, v in per)
        line = (f"- Signatures whose arguments all travel in registers, ffix "
                f"ffi_call instructions / direct instructions: worst "
                f"{fig(w[1], TARGET_REGS_DIRECT, w[0], fmt_x)}; {detail}")
        if have_plan:
            pper = [(n, ratio_or_none(r[n]["pi"], r[n]["di"])) for n in regs]
            pw = worst(pper) or (None, None)
            line += (f"; through a plan: worst **{fmt_x(pw[1])}**"
                     + (f" (`{pw[0]}`)" if pw[0] else "")
                     + f" ({mark(pw[1], TARGET_REGS_DIRECT)})")
        if not with_instr:
            line += " (needs the callgrind counts)"
        out.append(line)

    for c in cases:
        n = c["name"]
        if c["kind"] == "prep":
            out.append(f"- ffi_prep_cif (`{n}`) ffix/libffi: instructions "
                       f"{fig(r[n]['ri'], TARGET_PREP)}, time "
                       f"{fig(r[n]['rt'], TARGET_PREP)}")
        elif c["kind"] == "closure-alloc":
            out.append(f"- Closure alloc/prep/free (`{n}`) ffix/libffi: "
                       f"instructions {fig(r[n]['ri'], TARGET_CYCLE)}, time "
                       f"{fig(r[n]['rt'], TARGET_CYCLE)}")

    # Against libffi 3.8.0 as the issue quotes it (fixed figures; the
    # issue's target is at most half of them).
    refd = [(n, ratio_or_none(r[n]["pi"] if r[n]["pi"] is not None
                              else r[n]["fi"], r[n].get("ref")))
            for n in [c["name"] for c in cases] if r[n].get("ref")]
    if refd:
        w = worst(refd) or (None, None)
        detail = ", ".join(f"`{n}` {fmt_ratio(v)}" for n, v in refd)
        out.append(f"- Against libffi 3.8.0's figures quoted in the issue "
                   f"(for information; the plan for `ffi_call` cases, the "
                   f"closure call for `cl_int`): worst "
                   f"**{fmt_ratio(w[1])}**"
                   + (f" (`{w[0]}`)" if w[0] else "")
                   + f" (≤ {TARGET_VS_380:.2f}: {mark(w[1], TARGET_VS_380)}); "
                   + detail)

    # Call plans: at least as fast as ffi_call in every case.
    calls = [c["name"] for c in cases if c["kind"] == "call"]
    if calls:
        if not have_plan:
            out.append("- Call plans (`ffi_call_plan_invoke` ≤ ffi_call in "
                       "every case): n/a (no call-plan API in ffix's ffi.h)")
        else:
            wi = worst([(n, r[n]["ppi"]) for n in calls]) or (None, None)
            wt = worst([(n, r[n]["ppt"]) for n in calls]) or (None, None)
            gi = geomean([r[n]["ppi"] for n in calls])
            gt = geomean([r[n]["ppt"] for n in calls])
            out.append(
                f"- Call plans, `ffi_call_plan_invoke` / ffi_call (ffix) over "
                f"the {len(calls)} ffi_call cases, at most 1 in every case: "
                f"instructions worst {fig(wi[1], 1.0, wi[0])}, geometric "
                f"mean {fmt_ratio(gi)}; time worst **{fmt_ratio(wt[1])}**"
                + (f" (`{wt[0]}`)" if wt[0] else "")
                + f" (≤ 1.00 within {PLAN_TIME_SLACK - 1:.0%} timing noise: "
                  f"{mark(wt[1], PLAN_TIME_SLACK)}), geometric mean "
                  f"{fmt_ratio(gt)}")
    return out


def ratio_or_none(a, b):
    return a / b if a is not None and b else None


def fmt_x(v):
    return "–" if v is None else f"{v:.2f}x"


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

    cc = os.environ.get("CC", "cc")
    sys_inc, sys_lib = system_libffi_dirs(cc)
    fi, fl = os.environ.get("FFIX_INCLUDE"), os.environ.get("FFIX_LIBDIR")
    if not fi or not fl:
        die("set FFIX_INCLUDE (ffix's ffi.h) and FFIX_LIBDIR (ffix's "
            "libffi.so.8); to try the harness on the system libffi alone: "
            f"FFIX_INCLUDE={sys_inc} FFIX_LIBDIR={sys_lib}")
    sides = {
        "ffix": (os.path.abspath(fi), os.path.abspath(fl)),
        "libffi": (sys_inc, sys_lib),
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
        note(f"building in {builddir}")
        bins = build(builddir, cc, sides)
        info = {s: verify_loaded_lib(bins[s], sides[s][1]) for s in bins}
        libs = {s: info[s][0] for s in info}
        have_plan = info["ffix"][1]
        if not have_plan:
            note("ffix's ffi.h has no call-plan API: no plan columns")
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
        table = report(cases, instr, timing, libs, have_plan, args)
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
