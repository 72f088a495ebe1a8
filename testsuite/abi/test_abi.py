"""Binary compatibility of the built libffi.so.8 with Debian's libffi.

Runs against FFIX_INCLUDE (ffi.h, ffitarget.h) and FFIX_LIBDIR
(libffi.so.8), which `make check` sets to the build tree.  The reference is
Debian's libffi-dev (libffi 3.4.4), installed by tools/setup.sh.
"""
import os
import pathlib
import re
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent
TOP = HERE.parent.parent
SYS_INCLUDE = pathlib.Path("/usr/include/x86_64-linux-gnu")
INCLUDE = os.environ.get("FFIX_INCLUDE")
LIBDIR = os.environ.get("FFIX_LIBDIR")

pytestmark = pytest.mark.skipif(not INCLUDE or not LIBDIR,
                                reason="FFIX_INCLUDE and FFIX_LIBDIR name the build under test")


def lib():
    return pathlib.Path(LIBDIR) / "libffi.so.8"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


# ---------------------------------------------------------------- header
# Every constant, size, alignment and offset that consumers compile in.
CONSTANTS = """FFI_TYPE_VOID FFI_TYPE_INT FFI_TYPE_FLOAT FFI_TYPE_DOUBLE FFI_TYPE_LONGDOUBLE
FFI_TYPE_UINT8 FFI_TYPE_SINT8 FFI_TYPE_UINT16 FFI_TYPE_SINT16 FFI_TYPE_UINT32 FFI_TYPE_SINT32
FFI_TYPE_UINT64 FFI_TYPE_SINT64 FFI_TYPE_STRUCT FFI_TYPE_POINTER FFI_TYPE_COMPLEX
FFI_TYPE_UINT128 FFI_TYPE_SINT128 FFI_TYPE_VECTOR FFI_TYPE_LAST
FFI_OK FFI_BAD_TYPEDEF FFI_BAD_ABI FFI_BAD_ARGTYPE
FFI_FIRST_ABI FFI_UNIX64 FFI_WIN64 FFI_EFI64 FFI_GNUW64 FFI_LAST_ABI FFI_DEFAULT_ABI
FFI_TRAMPOLINE_SIZE FFI_NATIVE_RAW_API FFI_SIZEOF_ARG FFI_SIZEOF_JAVA_RAW FFI_CLOSURES FFI_GO_CLOSURES
FFI_TYPE_SMALL_STRUCT_1B FFI_TYPE_SMALL_STRUCT_2B FFI_TYPE_SMALL_STRUCT_4B FFI_TYPE_MS_STRUCT
FFI_64_BIT_MAX""".split()
LAYOUTS = {
    "ffi_type": "size alignment type elements",
    "ffi_cif": "abi nargs arg_types rtype bytes flags",
    "ffi_closure": "tramp ftramp cif fun user_data",
    "ffi_raw_closure": "tramp cif translate_args this_closure fun user_data",
    "ffi_java_raw_closure": "tramp cif translate_args this_closure fun user_data",
    "ffi_go_closure": "tramp cif fun",
    "ffi_raw": "sint uint flt data ptr",
}
ENUMS = set("""FFI_OK FFI_BAD_TYPEDEF FFI_BAD_ABI FFI_BAD_ARGTYPE FFI_FIRST_ABI FFI_UNIX64 FFI_WIN64
FFI_EFI64 FFI_GNUW64 FFI_LAST_ABI FFI_DEFAULT_ABI""".split())
SCALARS = "ffi_arg ffi_sarg ffi_abi ffi_status".split()
# Newer in libffi 3.8.0 than Debian's 3.4.4: these values differ by design.
NEWER = {"FFI_TYPE_LAST": 18, "FFI_TYPE_SMALL_STRUCT_1B": 19, "FFI_TYPE_SMALL_STRUCT_2B": 20,
         "FFI_TYPE_SMALL_STRUCT_4B": 21, "FFI_TYPE_MS_STRUCT": 22,
         "FFI_TYPE_UINT128": 16, "FFI_TYPE_SINT128": 17, "FFI_TYPE_VECTOR": 18}


def probe_source():
    lines = ["#include <ffi.h>", "#include <stdio.h>", "#include <stddef.h>", "int main(void) {"]
    for c in CONSTANTS:
        if c in ENUMS:
            lines.append(f'  printf("{c} %lld\\n", (long long)({c}));')
        else:
            lines.append(f'#ifdef {c}\n  printf("{c} %lld\\n", (long long)({c}));\n#endif')
    for t, fields in LAYOUTS.items():
        lines.append(f'  printf("sizeof({t}) %zu\\n", sizeof({t}));')
        lines.append(f'  printf("alignof({t}) %zu\\n", _Alignof({t}));')
        for f in fields.split():
            lines.append(f'  printf("offsetof({t}.{f}) %zu\\n", offsetof({t}, {f}));')
            lines.append(f'  printf("sizeof({t}.{f}) %zu\\n", sizeof((({t} *)0)->{f}));')
    for t in SCALARS:
        lines.append(f'  printf("sizeof({t}) %zu\\n", sizeof({t}));')
        lines.append(f'  printf("signed({t}) %d\\n", ({t})-1 < ({t})0);')
    lines.append('  printf("sizeof(ffi_java_raw) %zu\\n", sizeof(ffi_java_raw));')
    lines.append('  printf("ffi_arg_is_unsigned_long %d\\n", _Generic((ffi_arg)0, unsigned long: 1, default: 0));')
    lines.append('  printf("sizeof(ffi_type_pointer) %zu\\n", sizeof ffi_type_pointer);')
    lines.append("  return 0;\n}")
    return "\n".join(lines) + "\n"


def probe(tmp_path, include):
    src = tmp_path / "probe.c"
    src.write_text(probe_source())
    exe = tmp_path / f"probe-{abs(hash(include))}"
    run(["gcc", "-std=gnu11", "-w", f"-I{include}", str(src), "-o", str(exe)])
    out = run([str(exe)])
    return dict(line.rsplit(" ", 1) for line in out.splitlines())


def test_header_matches_debian(tmp_path):
    if not (SYS_INCLUDE / "ffi.h").exists():
        pytest.skip("Debian's libffi-dev is not installed")
    ours = probe(tmp_path, INCLUDE)
    theirs = probe(tmp_path, str(SYS_INCLUDE))
    missing = sorted(set(theirs) - set(ours))
    assert not missing, f"in Debian's ffi.h but not ours: {missing}"
    differ = {k: (theirs[k], ours[k]) for k in theirs if theirs[k] != ours[k] and k not in NEWER}
    assert not differ, f"values that differ (Debian's, ours): {differ}"
    for k, v in NEWER.items():
        assert int(ours[k]) == v, f"{k} is {ours[k]}, libffi 3.8.0 has {v}"
    assert ours["sizeof(ffi_closure)"] == "56" and ours["sizeof(ffi_cif)"] == "32"


# ---------------------------------------------------------------- symbols
def exported():
    out = run(["objdump", "-T", str(lib())])
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 7 and "g" in parts[1] and "*UND*" not in line:
            node, name = parts[-2].strip("()"), parts[-1]
            syms.add((node, name))
    return syms


def map_symbols():
    text = re.sub(r"/\*.*?\*/", "", (TOP / "compat" / "libffi.map").read_text(), flags=re.S)
    syms = set()
    for node, body in re.findall(r"(LIBFFI_[A-Z0-9_.]+)\s*\{(.*?)\}", text, flags=re.S):
        syms.add((node, node))
        glob = body.split("local:")[0].replace("global:", "")
        syms.update((node, s.strip()) for s in glob.split(";") if s.strip())
    return syms


def test_exports_exactly_the_version_script():
    assert exported() == map_symbols()


def test_version_script_agrees_with_libffi():
    ref = pathlib.Path(os.environ.get("FFIX_SHARED", TOP.parent / "shared")) / "abi" / "x86_64-symbols.txt"
    if not ref.exists():
        pytest.skip(f"{ref} not found")
    libffi = {tuple(l.split()) for l in ref.read_text().splitlines() if l and not l.startswith("#")}
    ours = map_symbols()
    assert ours <= libffi, f"not libffi's: {sorted(ours - libffi)}"
    nodes = {n for n, _ in ours}
    missing = sorted(s for s in libffi if s[0] in nodes and s not in ours)
    assert not missing, f"libffi exports these in nodes we export: {missing}"


def test_type_objects_are_24_bytes():
    out = run(["readelf", "--dyn-syms", "-W", str(lib())])
    sizes = {l.split()[-1].split("@")[0]: int(l.split()[2]) for l in out.splitlines()
             if "OBJECT" in l and "ffi_type_" in l}
    assert sizes and all(v == 24 for v in sizes.values()), sizes


# ---------------------------------------------------------------- the ELF file
def test_needs_only_libc_and_is_hardened():
    dyn = run(["readelf", "-d", "-W", str(lib())])
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", dyn)
    if os.environ.get("FFIX_SANITIZE"):
        needed = [n for n in needed if not re.match(r"lib(asan|ubsan)\.so", n)]
    assert needed == ["libc.so.6"], needed
    assert re.search(r"\(SONAME\).*\[libffi\.so\.8\]", dyn)
    assert "BIND_NOW" in dyn or re.search(r"FLAGS_1.*NOW", dyn)
    assert "TEXTREL" not in dyn
    seg = run(["readelf", "-l", "-W", str(lib())])
    assert "GNU_RELRO" in seg
    stack = [l for l in seg.splitlines() if "GNU_STACK" in l]
    assert stack and "RWE" not in stack[0], "the library asks for an executable stack"
    notes = run(["readelf", "-n", "-W", str(lib())])
    assert re.search(r"x86 feature: IBT, SHSTK", notes), "CET property note missing"
    imports = run(["objdump", "-T", str(lib())])
    assert "__stack_chk_fail" in imports, "built without a stack protector"
    if not os.environ.get("FFIX_SANITIZE"):  # sanitizer builds do without _FORTIFY_SOURCE
        assert re.search(r"__\w+_chk\b", imports.replace("__stack_chk_fail", "")), \
            "built without _FORTIFY_SOURCE"


# ---------------------------------------------------------------- drop-in
DROPIN = r"""
#define _GNU_SOURCE
#include <complex.h>
#include <dlfcn.h>
#include <ffi.h>
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  ffi_cif cif; char buf[64]; char *p = buf; size_t n = sizeof buf; const char *fmt = "%d-%.2f-%s";
  int i = 7; double d = 1.5; const char *s = "x"; ffi_arg r;
  ffi_type *va[] = {&ffi_type_pointer, &ffi_type_uint64, &ffi_type_pointer, &ffi_type_sint, &ffi_type_double, &ffi_type_pointer};
  void *vv[] = {&p, &n, &fmt, &i, &d, &s};
  if (ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 6, &ffi_type_sint, va)) return 1;
  ffi_call(&cif, FFI_FN(snprintf), &r, vv);
  printf("%s %ld\n", buf, (long)r);
  ffi_type *f[] = {&ffi_type_slong, &ffi_type_slong, NULL}; ffi_type ld = {0, 0, FFI_TYPE_STRUCT, f};
  ffi_type *la[] = {&ffi_type_slong, &ffi_type_slong}; long a = -47, b = 5; void *lv[] = {&a, &b}; ldiv_t q;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ld, la)) return 1;
  ffi_call(&cif, FFI_FN(ldiv), &q, lv);
  printf("%ld %ld\n", q.quot, q.rem);
  ffi_type *ca[] = {&ffi_type_complex_double}; double _Complex z = 3 + 4 * I, zr; void *cv[] = {&z};
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_complex_double, ca)) return 1;
  ffi_call(&cif, FFI_FN(csqrt), &zr, cv);
  printf("%g %g\n", creal(zr), cimag(zr));
  Dl_info info; dladdr((void *)ffi_call, &info);
  fprintf(stderr, "%s\n", info.dli_fname);
  return 0;
}
"""


def test_binary_built_against_debian_runs_on_ffix(tmp_path):
    if not (SYS_INCLUDE / "ffi.h").exists():
        pytest.skip("Debian's libffi-dev is not installed")
    src = tmp_path / "dropin.c"
    src.write_text(DROPIN)
    exe = tmp_path / "dropin"
    # Built exactly as a Debian package would be: system header, system -lffi.
    run(["gcc", "-O2", str(src), "-o", str(exe), "-lffi", "-lm", "-ldl"])
    native = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    env = dict(os.environ, LD_LIBRARY_PATH=LIBDIR)
    if os.environ.get("FFIX_ASAN_PRELOAD"):  # a sanitized ffix in a program built without
        env["LD_PRELOAD"] = os.environ["FFIX_ASAN_PRELOAD"]
    swapped = subprocess.run([str(exe)], capture_output=True, text=True, check=True, env=env)
    assert os.path.realpath(swapped.stderr.strip()) == os.path.realpath(lib()), swapped.stderr
    assert swapped.stdout == native.stdout
    assert swapped.stdout.splitlines() == ["7-1.50-x 8", "-9 -2", "2 1"]


# ---------------------------------------------------------------- abidiff
# Nodes that Debian's libffi 3.4.4 (libffi.so.8.1.2) already has: nothing
# may be added to them.
OLD_NODES = {"LIBFFI_BASE_8.0", "LIBFFI_COMPLEX_8.0", "LIBFFI_CLOSURE_8.0", "LIBFFI_GO_CLOSURE_8.0"}


def test_abidiff_against_debian_libffi():
    import shutil
    debian = pathlib.Path("/usr/lib/x86_64-linux-gnu/libffi.so.8")
    if not shutil.which("abidiff") or not debian.exists():
        pytest.skip("abidiff (abigail-tools) or Debian's libffi8 is not installed")
    r = subprocess.run(["abidiff", str(debian), str(lib())], capture_output=True, text=True)
    out = r.stdout
    summary = re.findall(r"(Functions|Variables) changes summary: (\d+) Removed, (\d+) Changed", out)
    assert len(summary) == 2, out
    for kind, removed, changed in summary:
        assert removed == "0" and changed == "0", f"{kind}: {removed} removed, {changed} changed\n{out}"
    added = re.findall(r"\[A\] .*\{(\w+)@@(LIBFFI_[A-Z0-9_.]+)\}", out)
    wrong = [(s, n) for s, n in added if n in OLD_NODES]
    assert not wrong, f"added to a node libffi 3.4.4 already has: {wrong}"
    assert r.returncode & 8 == 0, f"abidiff reports an incompatible change (status {r.returncode})\n{out}"


# ---------------------------------------------------------------- CET / IBT
def _segments(path):
    """(vaddr, offset, filesz, flags) of each PT_LOAD."""
    out = run(["readelf", "-lW", str(path)])
    segs = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            segs.append((int(f[2], 16), int(f[1], 16), int(f[4], 16), " ".join(f[6:-1])))
    return segs


def _bytes_at(data, segs, vaddr, n=4):
    for va, off, size, _ in segs:
        if va <= vaddr < va + size:
            return data[off + vaddr - va: off + vaddr - va + n]
    return None


def _executable(segs, vaddr):
    return any(va <= vaddr < va + size and "E" in flags for va, _, size, flags in segs)


ENDBR64 = bytes.fromhex("f30f1efa")


def test_every_indirect_branch_target_has_a_landing_pad():
    """With IBT, an indirect call or jump must land on endbr64: every
    exported function (programs call them through the PLT or by pointer),
    and every code address the library stores in its data (the plan
    handlers' tables, the backends' entries, closure targets).  Functions
    only ever called directly need none, and the compiler gives them none."""
    path = lib()
    data = path.read_bytes()
    segs = _segments(path)
    targets = {}
    for line in run(["readelf", "-sW", str(path)]).splitlines():
        f = line.split()
        if (len(f) >= 8 and f[3] == "FUNC" and f[4] in ("GLOBAL", "WEAK") and f[5] == "DEFAULT"
                and f[6] != "UND" and int(f[2]) > 0):
            targets[int(f[1], 16)] = f[7]
    for line in run(["readelf", "-rW", str(path)]).splitlines():
        f = line.split()
        if len(f) >= 4 and f[2] == "R_X86_64_RELATIVE":
            addend = int(f[3], 16)
            if _executable(segs, addend):
                targets.setdefault(addend, f"relocated pointer at {f[0]}")
    assert len(targets) > 250, f"only {len(targets)} targets found"
    bad = {hex(a): name for a, name in targets.items() if _bytes_at(data, segs, a) != ENDBR64}
    assert not bad, f"indirect branch targets without endbr64: {sorted(bad.items())[:10]}"
