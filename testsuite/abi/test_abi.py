"""Binary compatibility of the built libffi.so.8 with Debian's libffi.

Runs against FFIX_INCLUDE (ffi.h, ffitarget.h) and FFIX_LIBDIR
(libffi.so.8), which `make check` sets to the build tree.  The reference is
Debian's libffi-dev (libffi 3.4.4), installed by tools/setup.sh.

The target is that of the library (its ELF header): x86-64 natively, or
AArch64 for a cross build, whose probes are built with the cross compiler
(CC, as make check exports it) and run under TEST_RUNNER (qemu-user); the
reference is then Debian's libffi8:arm64 and libffi-dev:arm64, unpacked by
tools/fetch-arm64-oracle.sh into $FFIX_CACHE (default: .cache in the build
tree), or FFIX_DIFF_ORACLE_INCLUDE / FFIX_DIFF_ORACLE_LIBDIR.
"""
import os
import pathlib
import platform
import re
import shlex
import shutil
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


# ---------------------------------------------------------------- target
ELF_MACHINES = {62: "x86_64", 183: "aarch64"}
TRIPLETS = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu"}


def _host():
    m = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)


def _lib_machine():
    """The architecture of the library under test, from e_machine of its ELF header."""
    try:
        head = lib().read_bytes()[:20] if LIBDIR else b""
    except OSError:
        head = b""
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return _host()
    return ELF_MACHINES.get(int.from_bytes(head[18:20], "little"), "unknown")


TARGET = _lib_machine()
CROSS = TARGET != _host()
TRIPLET = TRIPLETS.get(TARGET, TARGET + "-linux-gnu")


def target_cc():
    """The C compiler of probes: gcc natively; for a cross build CC if it builds for the
    library's architecture, else <triplet>-gcc."""
    if not CROSS:
        return ["gcc"]
    cc = os.environ.get("CC")
    if cc:
        p = subprocess.run(shlex.split(cc) + ["-dumpmachine"], capture_output=True, text=True)
        if p.returncode == 0 and p.stdout.startswith(TARGET):
            return shlex.split(cc)
    return [f"{TRIPLET}-gcc"]


def runner():
    """What runs a probe: nothing natively; TEST_RUNNER (qemu-user by default) for a cross
    build, which passes the environment (LD_LIBRARY_PATH) on to the guest."""
    if not CROSS:
        return []
    return shlex.split(os.environ.get("TEST_RUNNER") or f"qemu-{TARGET}-static -L /usr/{TRIPLET}")


def tool(name):
    """A binutils program that reads the library: the cross one if there is one (objdump
    reads only its own architecture; readelf reads any ELF)."""
    if CROSS and shutil.which(f"{TRIPLET}-{name}"):
        return f"{TRIPLET}-{name}"
    return name


def debian():
    """(include dir, lib dir) of Debian's libffi for the target, or pytest.skip."""
    if not CROSS:
        if not (SYS_INCLUDE / "ffi.h").exists():
            pytest.skip("Debian's libffi-dev is not installed")
        return SYS_INCLUDE, pathlib.Path("/usr/lib/x86_64-linux-gnu")
    inc, libdir = os.environ.get("FFIX_DIFF_ORACLE_INCLUDE"), os.environ.get("FFIX_DIFF_ORACLE_LIBDIR")
    if not (inc and libdir):
        if TARGET != "aarch64":
            pytest.skip(f"no Debian libffi for {TARGET}: set FFIX_DIFF_ORACLE_INCLUDE/LIBDIR")
        cache = os.environ.get("FFIX_CACHE") or str(pathlib.Path(LIBDIR).resolve().parent / ".cache")
        p = subprocess.run(["sh", str(TOP / "tools" / "fetch-arm64-oracle.sh"), cache],
                           capture_output=True, text=True)
        dirs = dict(l.split(None, 1) for l in p.stdout.splitlines() if " " in l)
        if p.returncode != 0 or "include" not in dirs or "libdir" not in dirs:
            pytest.skip(f"Debian's libffi8:arm64 is not available: {p.stderr.strip()[-800:]}")
        inc, libdir = dirs["include"].strip(), dirs["libdir"].strip()
    return pathlib.Path(inc), pathlib.Path(libdir)


# ---------------------------------------------------------------- header
# Every constant, size, alignment and offset that consumers compile in.
# The ffi_abi enumerators of each target (libffi's ffitarget.h); enumerators
# cannot be tested with #ifdef, so each target lists its own.
ABI_NAMES = {
    "x86_64": "FFI_FIRST_ABI FFI_UNIX64 FFI_WIN64 FFI_EFI64 FFI_GNUW64 FFI_LAST_ABI FFI_DEFAULT_ABI",
    "aarch64": "FFI_FIRST_ABI FFI_SYSV FFI_WIN64 FFI_LAST_ABI FFI_DEFAULT_ABI",
}[TARGET if TARGET in TRIPLETS else "x86_64"].split()
CONSTANTS = """FFI_TYPE_VOID FFI_TYPE_INT FFI_TYPE_FLOAT FFI_TYPE_DOUBLE FFI_TYPE_LONGDOUBLE
FFI_TYPE_UINT8 FFI_TYPE_SINT8 FFI_TYPE_UINT16 FFI_TYPE_SINT16 FFI_TYPE_UINT32 FFI_TYPE_SINT32
FFI_TYPE_UINT64 FFI_TYPE_SINT64 FFI_TYPE_STRUCT FFI_TYPE_POINTER FFI_TYPE_COMPLEX
FFI_TYPE_UINT128 FFI_TYPE_SINT128 FFI_TYPE_VECTOR FFI_TYPE_LAST
FFI_OK FFI_BAD_TYPEDEF FFI_BAD_ABI FFI_BAD_ARGTYPE
FFI_TRAMPOLINE_SIZE FFI_NATIVE_RAW_API FFI_SIZEOF_ARG FFI_SIZEOF_JAVA_RAW FFI_CLOSURES FFI_GO_CLOSURES
FFI_TYPE_SMALL_STRUCT_1B FFI_TYPE_SMALL_STRUCT_2B FFI_TYPE_SMALL_STRUCT_4B FFI_TYPE_MS_STRUCT
FFI_64_BIT_MAX""".split() + ABI_NAMES
# macros without a value: whether they are defined
FLAGS = []
if TARGET == "aarch64":
    # macros of libffi's AArch64 ffitarget.h that programs may test
    CONSTANTS += ["FFI_TRAMPOLINE_CLOSURE_OFFSET"]
    FLAGS += ["FFI_TARGET_SPECIFIC_VARIADIC", "FFI_TARGET_HAS_COMPLEX_TYPE"]
LAYOUTS = {
    "ffi_type": "size alignment type elements",
    "ffi_cif": "abi nargs arg_types rtype bytes flags",
    "ffi_closure": "tramp ftramp cif fun user_data",
    "ffi_raw_closure": "tramp cif translate_args this_closure fun user_data",
    "ffi_java_raw_closure": "tramp cif translate_args this_closure fun user_data",
    "ffi_go_closure": "tramp cif fun",
    "ffi_raw": "sint uint flt data ptr",
}
ENUMS = set("FFI_OK FFI_BAD_TYPEDEF FFI_BAD_ABI FFI_BAD_ARGTYPE".split() + ABI_NAMES)
SCALARS = "ffi_arg ffi_sarg ffi_abi ffi_status".split()
# Newer in libffi 3.8.0 than Debian's 3.4.4: these values differ by design.
NEWER = {"FFI_TYPE_LAST": 18, "FFI_TYPE_SMALL_STRUCT_1B": 19, "FFI_TYPE_SMALL_STRUCT_2B": 20,
         "FFI_TYPE_SMALL_STRUCT_4B": 21, "FFI_TYPE_MS_STRUCT": 22,
         "FFI_TYPE_UINT128": 16, "FFI_TYPE_SINT128": 17, "FFI_TYPE_VECTOR": 18}
if TARGET != "x86_64":
    # the small-struct and MS_STRUCT codes are x86 ffitarget.h's
    NEWER = {k: v for k, v in NEWER.items() if "SMALL_STRUCT" not in k and "MS_STRUCT" not in k}
# What the target's ABI fixes whatever Debian's header says (a second
# witness): x86-64's 32-byte trampoline, AArch64's 24-byte one (four
# instructions and an address) and FFI_SYSV = 1 as its default; ffi_cif has no
# extra fields on either.
EXPECTED = {
    "x86_64": {"sizeof(ffi_closure)": "56", "sizeof(ffi_cif)": "32"},
    "aarch64": {"sizeof(ffi_closure)": "48", "sizeof(ffi_cif)": "32", "FFI_TRAMPOLINE_SIZE": "24",
                "FFI_SYSV": "1", "FFI_DEFAULT_ABI": "1", "sizeof(ffi_arg)": "8"},
}.get(TARGET, {})


def probe_source():
    lines = ["#include <ffi.h>", "#include <stdio.h>", "#include <stddef.h>", "int main(void) {"]
    for c in CONSTANTS:
        if c in ENUMS:
            lines.append(f'  printf("{c} %lld\\n", (long long)({c}));')
        else:
            lines.append(f'#ifdef {c}\n  printf("{c} %lld\\n", (long long)({c}));\n#endif')
    for c in FLAGS:
        lines.append(f'#ifdef {c}\n  printf("{c} defined\\n");\n#endif')
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
    """Every value of probe_source() as the header in `include` gives it, compiled for the
    target (and run under TEST_RUNNER for a cross build)."""
    src = tmp_path / "probe.c"
    src.write_text(probe_source())
    exe = tmp_path / f"probe-{abs(hash(include))}"
    run(target_cc() + ["-std=gnu11", "-w", f"-I{include}", str(src), "-o", str(exe)])
    out = run(runner() + [str(exe)])
    return dict(line.rsplit(" ", 1) for line in out.splitlines())


def test_header_matches_debian(tmp_path):
    inc, _ = debian()
    ours = probe(tmp_path, INCLUDE)
    theirs = probe(tmp_path, str(inc))
    missing = sorted(set(theirs) - set(ours))
    assert not missing, f"in Debian's ffi.h but not ours: {missing}"
    differ = {k: (theirs[k], ours[k]) for k in theirs if theirs[k] != ours[k] and k not in NEWER}
    assert not differ, f"values that differ (Debian's, ours): {differ}"
    for k, v in NEWER.items():
        assert int(ours[k]) == v, f"{k} is {ours[k]}, libffi 3.8.0 has {v}"
    wrong = {k: (v, ours.get(k)) for k, v in EXPECTED.items() if ours.get(k) != v}
    assert not wrong, f"{TARGET}: values that differ (the ABI's, ours): {wrong}"


# ---------------------------------------------------------------- symbols
def exported():
    out = run([tool("objdump"), "-T", str(lib())])
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
    # libffi 3.8.0 exports the same symbols in the same version nodes on AArch64
    # Linux as on x86-64 (checked against a cross build of it), so one list
    # serves both targets.
    ref = pathlib.Path(os.environ.get("FFIX_SHARED", TOP.parent / "shared")) / "abi" / "x86_64-symbols.txt"
    if not ref.exists():
        pytest.skip(f"{ref} not found")
    libffi = {tuple(l.split()) for l in ref.read_text().splitlines() if l and not l.startswith("#")}
    ours = map_symbols()
    assert ours <= libffi, f"not libffi's: {sorted(ours - libffi)}"
    nodes = {n for n, _ in ours}
    missing = sorted(s for s in libffi if s[0] in nodes and s not in ours)
    assert not missing, f"libffi exports these in nodes we export: {missing}"
    if TARGET == "aarch64":
        # the AArch64 port exports every node libffi 3.8.0 has there, no fewer
        assert ours == libffi, f"nodes libffi has and we lack: {sorted(libffi - ours)}"


def test_type_objects_are_24_bytes():
    out = run(["readelf", "--dyn-syms", "-W", str(lib())])  # (readelf reads any ELF)
    sizes = {l.split()[-1].split("@")[0]: int(l.split()[2]) for l in out.splitlines()
             if "OBJECT" in l and "ffi_type_" in l}
    assert sizes and all(v == 24 for v in sizes.values()), sizes


# ---------------------------------------------------------------- the ELF file
# The program property note a hardened build carries: x86-64 CET (indirect
# branch tracking, shadow stack); AArch64 BTI landing pads and PAC return
# addresses (qemu-user enforces BTI for a library so marked).
PROPERTY_NOTE = {"x86_64": r"x86 feature: IBT, SHSTK", "aarch64": r"AArch64 feature: BTI, PAC"}
# On AArch64 glibc the stack protector's canary is the variable
# __stack_chk_guard of the dynamic loader, so a library built with
# -fstack-protector needs ld-linux-aarch64.so.1 (Debian's libffi8:arm64 does
# too), for that symbol alone.
LOADER = {"aarch64": "ld-linux-aarch64.so.1"}


def _symbols_from(needed_file):
    """Names of the dynamic symbols the library imports from needed_file (by the version
    indexes of its .gnu.version_r entries)."""
    idx, cur = set(), None
    for line in run(["readelf", "-V", "-W", str(lib())]).splitlines():
        m = re.search(r"File: (\S+)", line)
        if m:
            cur = m.group(1)
        m = re.search(r"Name: \S+\s+Flags: \S+\s+Version: (\d+)", line)
        if m and cur == needed_file:
            idx.add(m.group(1))
    names = set()
    for line in run(["readelf", "--dyn-syms", "-W", str(lib())]).splitlines():
        m = re.search(r"\bUND (\w+)@\S+ \((\d+)\)", line)
        if m and m.group(2) in idx:
            names.add(m.group(1))
    return names


def test_needs_only_libc_and_is_hardened():
    dyn = run(["readelf", "-d", "-W", str(lib())])
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", dyn)
    if os.environ.get("FFIX_SANITIZE"):
        needed = [n for n in needed if not re.match(r"lib(asan|ubsan)\.so", n)]
    loader = LOADER.get(TARGET)
    if loader in needed:
        from_loader = _symbols_from(loader)
        assert from_loader <= {"__stack_chk_guard"}, f"imported from {loader}: {from_loader}"
        needed.remove(loader)
    assert needed == ["libc.so.6"], needed
    assert re.search(r"\(SONAME\).*\[libffi\.so\.8\]", dyn)
    assert "BIND_NOW" in dyn or re.search(r"FLAGS_1.*NOW", dyn)
    assert "TEXTREL" not in dyn
    seg = run(["readelf", "-l", "-W", str(lib())])
    assert "GNU_RELRO" in seg
    stack = [l for l in seg.splitlines() if "GNU_STACK" in l]
    assert stack and "RWE" not in stack[0], "the library asks for an executable stack"
    rwx = [l for l in seg.splitlines() if l.split()[:1] == ["LOAD"] and "RWE" in l]
    assert not rwx, f"writable and executable segments: {rwx}"
    notes = run(["readelf", "-n", "-W", str(lib())])
    assert re.search(PROPERTY_NOTE.get(TARGET, "no such note"), notes), \
        f"property note missing: {PROPERTY_NOTE.get(TARGET)}"
    imports = run([tool("objdump"), "-T", str(lib())])
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
    inc, libdir = debian()
    src = tmp_path / "dropin.c"
    src.write_text(DROPIN)
    exe = tmp_path / "dropin"
    if not CROSS:
        # Built exactly as a Debian package would be: system header, system -lffi.
        run(["gcc", "-O2", str(src), "-o", str(exe), "-lffi", "-lm", "-ldl"])
        native = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    else:
        # The same against Debian's arm64 header and library (unpacked, not installed: the
        # loader finds them through LD_LIBRARY_PATH, which qemu passes to the guest).
        run(target_cc() + ["-O2", str(src), "-o", str(exe), f"-I{inc}", f"-L{libdir}",
                           "-lffi", "-lm", "-ldl"])
        native = subprocess.run(runner() + [str(exe)], capture_output=True, text=True,
                                check=True, env=dict(os.environ, LD_LIBRARY_PATH=str(libdir)))
        assert os.path.realpath(native.stderr.strip()) == os.path.realpath(libdir / "libffi.so.8")
    env = dict(os.environ, LD_LIBRARY_PATH=LIBDIR)
    if os.environ.get("FFIX_ASAN_PRELOAD"):  # a sanitized ffix in a program built without
        env["LD_PRELOAD"] = os.environ["FFIX_ASAN_PRELOAD"]
    swapped = subprocess.run(runner() + [str(exe)], capture_output=True, text=True, check=True,
                             env=env)
    assert os.path.realpath(swapped.stderr.strip()) == os.path.realpath(lib()), swapped.stderr
    assert swapped.stdout == native.stdout
    assert swapped.stdout.splitlines() == ["7-1.50-x 8", "-9 -2", "2 1"]


# ---------------------------------------------------------------- abidiff
# Nodes that Debian's libffi 3.4.4 (libffi.so.8.1.2) already has: nothing
# may be added to them.
OLD_NODES = {"LIBFFI_BASE_8.0", "LIBFFI_COMPLEX_8.0", "LIBFFI_CLOSURE_8.0", "LIBFFI_GO_CLOSURE_8.0"}


def test_abidiff_against_debian_libffi():
    # (abidiff reads the ELF of any architecture: an AArch64 build is compared with
    # Debian's libffi8:arm64)
    reference = (debian()[1] if CROSS else pathlib.Path("/usr/lib/x86_64-linux-gnu")) / "libffi.so.8"
    if not shutil.which("abidiff") or not reference.exists():
        pytest.skip("abidiff (abigail-tools) or Debian's libffi8 is not installed")
    r = subprocess.run(["abidiff", str(reference), str(lib())], capture_output=True, text=True)
    out = r.stdout
    summary = re.findall(r"(Functions|Variables) changes summary: (\d+) Removed, (\d+) Changed", out)
    assert len(summary) == 2, out
    for kind, removed, changed in summary:
        assert removed == "0" and changed == "0", f"{kind}: {removed} removed, {changed} changed\n{out}"
    added = re.findall(r"\[A\] .*\{(\w+)@@(LIBFFI_[A-Z0-9_.]+)\}", out)
    wrong = [(s, n) for s, n in added if n in OLD_NODES]
    assert not wrong, f"added to a node libffi 3.4.4 already has: {wrong}"
    assert r.returncode & 8 == 0, f"abidiff reports an incompatible change (status {r.returncode})\n{out}"


# ---------------------------------------------------------------- CET / IBT, BTI
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


def _code_sections(path):
    """(address, size) of each section of instructions (flag X): a pointer
    into .rodata is data even where the linker puts .rodata in the
    executable segment, as AArch64's does."""
    out = []
    for line in run(["readelf", "-SW", str(path)]).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)", line)
        if m and "X" in m.group(3):
            out.append((int(m.group(1), 16), int(m.group(2), 16)))
    return out


def _in_code(sections, vaddr):
    return any(va <= vaddr < va + size for va, size in sections)


ENDBR64 = bytes.fromhex("f30f1efa")
# AArch64 BTI: bti c, bti j, bti jc, and paciasp / pacibsp, which are
# landing pads for calls too (what GCC puts at the entry of a function that
# signs its return address); little-endian instruction words.
BTI_PADS = {(0xd503245f).to_bytes(4, "little"), (0xd503249f).to_bytes(4, "little"),
            (0xd50324df).to_bytes(4, "little"), (0xd503233f).to_bytes(4, "little"),
            (0xd503237f).to_bytes(4, "little")}
# per target: the relocation of a stored code address, the landing pads, and
# how many targets at least (a sanity bound on the parsing)
LANDING = {"x86_64": ("R_X86_64_RELATIVE", {ENDBR64}, 250, "endbr64"),
           "aarch64": ("R_AARCH64_RELATIVE", BTI_PADS, 100, "a BTI landing pad")}


def test_every_indirect_branch_target_has_a_landing_pad():
    """With IBT (x86-64) or BTI (AArch64), an indirect call or jump must land
    on endbr64 or a bti/paciasp: every exported function (programs call them
    through the PLT or by pointer), and every code address the library stores
    in its data (the plan handlers' tables, the backends' entries, closure
    targets).  Functions only ever called directly need none, and the compiler
    gives them none."""
    if TARGET not in LANDING:
        pytest.skip(f"no landing-pad check for {TARGET}")
    reloc, pads, least, pad_name = LANDING[TARGET]
    path = lib()
    data = path.read_bytes()
    segs = _segments(path)
    code = _code_sections(path)
    targets = {}
    for line in run(["readelf", "-sW", str(path)]).splitlines():
        f = line.split()
        if (len(f) >= 8 and f[3] == "FUNC" and f[4] in ("GLOBAL", "WEAK") and f[5] == "DEFAULT"
                and f[6] != "UND" and int(f[2]) > 0):
            targets[int(f[1], 16)] = f[7]
    for line in run(["readelf", "-rW", str(path)]).splitlines():
        f = line.split()
        if len(f) >= 4 and f[2] == reloc:
            addend = int(f[3], 16)
            if _in_code(code, addend):
                targets.setdefault(addend, f"relocated pointer at {f[0]}")
    assert len(targets) > least, f"only {len(targets)} targets found"
    bad = {hex(a): name for a, name in targets.items() if _bytes_at(data, segs, a) not in pads}
    assert not bad, f"indirect branch targets without {pad_name}: {sorted(bad.items())[:10]}"
