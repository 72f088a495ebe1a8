"""CPython's ctypes test suite on ffix.

Debian's python3.11 and libpython3.11-testsuite run `python3.11 -m test
test_ctypes` once with the system libffi and once with LD_LIBRARY_PATH
pointing at the library under test; the test first checks that python
really loaded ffix's file, then that both runs give the same result.
"""
import os
import pathlib
import platform
import re
import shutil
import subprocess

import pytest

LIBDIR = os.environ.get("FFIX_LIBDIR")
PYTHON = shutil.which("python3.11", path="/usr/bin") or shutil.which("python3.11")
SUITE = pathlib.Path("/usr/lib/python3.11/ctypes/test/__init__.py")
ELF_MACHINES = {62: "x86_64", 183: "aarch64"}


def foreign_library():
    """The architecture of FFIX_LIBDIR/libffi.so.8 if it is not this machine's (a cross
    build: this machine's python cannot load it), else None."""
    try:
        head = (pathlib.Path(LIBDIR) / "libffi.so.8").read_bytes()[:20]
    except (OSError, TypeError):
        return None
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    m = int.from_bytes(head[18:20], "little")
    host = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(),
                                                      platform.machine().lower())
    name = ELF_MACHINES.get(m, "machine %d" % m)
    return None if name == host else name


FOREIGN = foreign_library()

pytestmark = [
    pytest.mark.skipif(not LIBDIR, reason="FFIX_LIBDIR names the build under test"),
    pytest.mark.skipif(FOREIGN is not None,
                       reason=f"cross build: libffi.so.8 is for {FOREIGN}, and this machine's "
                       "CPython cannot load it (ctypes runs natively only)"),
    pytest.mark.skipif(not PYTHON or not SUITE.exists(),
                       reason="python3.11 and libpython3.11-testsuite are not installed"),
]


def env(with_ffix):
    e = dict(os.environ)
    e.pop("PYTHONPATH", None)
    if with_ffix:
        e["LD_LIBRARY_PATH"] = LIBDIR
        if os.environ.get("FFIX_ASAN_PRELOAD"):  # a sanitized ffix: ASan's runtime first
            e["LD_PRELOAD"] = os.environ["FFIX_ASAN_PRELOAD"]
    else:
        e.pop("LD_LIBRARY_PATH", None)
    return e


def test_python_loads_ffix():
    probe = ("import ctypes, _ctypes\n"
             "print(next(l.split()[-1] for l in open('/proc/self/maps') if 'libffi.so' in l))")
    out = subprocess.run([PYTHON, "-c", probe], env=env(True), capture_output=True, text=True, check=True)
    assert os.path.realpath(out.stdout.strip()) == os.path.realpath(pathlib.Path(LIBDIR) / "libffi.so.8")


def run_suite(with_ffix):
    r = subprocess.run([PYTHON, "-m", "test", "-v", "test_ctypes"], env=env(with_ffix),
                       capture_output=True, text=True, timeout=600)
    ran = re.findall(r"^Ran (\d+) tests?", r.stdout, re.M)
    status = re.findall(r"^(OK.*|FAILED.*)$", r.stdout, re.M)
    return r.returncode, ran, status, r.stdout[-3000:]


def test_ctypes_suite_same_as_with_system_libffi():
    want = run_suite(False)
    got = run_suite(True)
    assert got[0] == 0, f"test_ctypes failed on ffix:\n{got[3]}"
    assert got[:3] == want[:3], f"system libffi: {want[:3]}, ffix: {got[:3]}\n{got[3]}"
    assert got[1] and int(got[1][-1]) > 400, "test_ctypes ran fewer tests than expected"
