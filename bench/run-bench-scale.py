#!/usr/bin/env python3
"""run-bench-scale.py -- ffix against the system libffi as they see more.

Builds bench/scale.c twice (ffix's ffi.h and libffi.so.8 from FFIX_INCLUDE
and FFIX_LIBDIR, the system libffi from its default paths), runs both for
each size and prints Markdown tables: CPU ns per operation, resident bytes
per item, resident bytes kept after freeing, and the ffix/libffi ratio.

  FFIX_INCLUDE=... FFIX_LIBDIR=... bench/run-bench-scale.py [--sizes 1000,...]
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def build(out, include, libdir, cc):
    cmd = [cc, "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror"]
    if include:
        cmd += ["-I", include]
    cmd += [os.path.join(HERE, "scale.c"), "-o", out]
    if libdir:
        lib = os.path.join(libdir, "libffi.so.8")
        cmd += [lib, "-Wl,-rpath," + libdir]
    else:
        cmd += ["-lffi"]
    subprocess.run(cmd, check=True)


def run(prog, mode, n, timeout):
    try:
        p = subprocess.run([prog, mode, str(n)], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"{prog} {mode} {n}: exit {p.returncode}")
    return {k: float(v) for k, v in (line.split() for line in p.stdout.splitlines())}


def fmt(v, unit=""):
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:.1f}{unit}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--sig-sizes", default=None, help="signature sizes (default: --sizes and 4000000)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per run before it counts as not finished")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sig_sizes = [int(s) for s in args.sig_sizes.split(",")] if args.sig_sizes else sizes + [4000000]
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as tmp:
        ffix = os.path.join(tmp, "scale-ffix")
        libffi = os.path.join(tmp, "scale-libffi")
        build(ffix, os.environ.get("FFIX_INCLUDE"), os.environ.get("FFIX_LIBDIR"), cc)
        build(libffi, os.environ.get("LIBFFI_INCLUDE"), os.environ.get("LIBFFI_LIBDIR"), cc)

        print("**Distinct signatures** (eight scalar arguments each; CPU ns per `ffi_prep_cif`,"
              " resident bytes per signature)\n")
        print("| signatures | new: ffix ns | libffi ns | ratio | seen again: ffix ns | libffi ns | ratio"
              " | ffix bytes/sig | libffi bytes/sig |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in sig_sizes:
            a = run(ffix, "sigs", n, args.timeout) or {}
            b = run(libffi, "sigs", n, args.timeout) or {}
            print(f"| {n:,} | {fmt(a.get('prep_new_ns'))} | {fmt(b.get('prep_new_ns'))} |"
                  f" {ratio(a.get('prep_new_ns'), b.get('prep_new_ns'))} | {fmt(a.get('prep_seen_ns'))} |"
                  f" {fmt(b.get('prep_seen_ns'))} | {ratio(a.get('prep_seen_ns'), b.get('prep_seen_ns'))} |"
                  f" {fmt(a.get('prep_new_rss_per_item'))} | {fmt(b.get('prep_new_rss_per_item'))} |", flush=True)

        print("\n**Live closures** (`int f(int)`; CPU ns per alloc + prep while growing, per alloc + prep"
              " + free cycle at that many live; resident bytes per live closure, and kept after freeing"
              " them all)\n")
        print("| live | grow: ffix ns | libffi ns | ratio | cycle: ffix ns | libffi ns | ratio"
              " | ffix bytes/closure | libffi bytes/closure | ffix kept | libffi kept |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n in [1] + sizes:
            a = run(ffix, "closures", n, args.timeout) or {}
            b = run(libffi, "closures", n, args.timeout) or {}
            kept = lambda d: None if "closure_rss_after_free" not in d else d["closure_rss_after_free"] / 1024
            print(f"| {n:,} | {fmt(a.get('closure_grow_ns'))} | {fmt(b.get('closure_grow_ns'))} |"
                  f" {ratio(a.get('closure_grow_ns'), b.get('closure_grow_ns'))} | {fmt(a.get('closure_cycle_ns'))} |"
                  f" {fmt(b.get('closure_cycle_ns'))} | {ratio(a.get('closure_cycle_ns'), b.get('closure_cycle_ns'))} |"
                  f" {fmt(a.get('closure_rss_per_live'))} | {fmt(b.get('closure_rss_per_live'))} |"
                  f" {fmt(kept(a), ' KiB')} | {fmt(kept(b), ' KiB')} |", flush=True)


if __name__ == "__main__":
    main()
