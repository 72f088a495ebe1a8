#!/usr/bin/env python3
"""Build, run and compare one batch of generated signatures: ffix vs direct call vs libffi.

Used by test_diff.py; also a command line to reproduce signatures by id (c17 is closure
signature 17):

  FFIX_INCLUDE=... FFIX_LIBDIR=... python3 runner.py --seed S --ids 17,42,c5 [--keep DIR]

(w17, gc5: signatures of the Microsoft x64 convention, FFI_WIN64 and FFI_GNUW64.)  With
FFIX_DIFF_WINDOWS=PREFIX (an installed Windows build of ffix) and FFIX_DIFF_WINDOWS_ORACLE=PREFIX
(libffi built for mingw by tools/build-libffi-mingw.sh) the programs are built with mingw-w64
and run under wine instead.
"""

import argparse
import concurrent.futures
import glob
import hashlib
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arch  # noqa: E402
import gen  # noqa: E402

RUN_TIMEOUT = 120
MAX_RESTARTS = 50
MINGW_CC = 'x86_64-w64-mingw32-gcc-posix'
# DLLs of the mingw-w64 toolchain, in case a library under test needs one (WINEPATH)
MINGW_RUNTIME_DIRS = ['/usr/lib/gcc/x86_64-w64-mingw32/12-posix', '/usr/x86_64-w64-mingw32/lib']
# Default numbers of signatures per ABI (see README.md)
SYSV_COUNT = 2000
MS_COUNT, MS_CLOSURE_COUNT = 500, 300                 # per Microsoft ABI, Linux
WINE_MS_COUNT, WINE_MS_CLOSURE_COUNT = 200, 100       # per ABI under wine (slow)


class ConfigError(Exception):
    """The suite cannot run here (missing variables or oracle): tests skip with this text."""


def _env(name, default=None):
    v = os.environ.get(name)
    return v if v not in (None, '') else default


def windows_mode():
    """FFIX_DIFF_WINDOWS=PREFIX: test a Windows build of ffix (PREFIX/include, PREFIX/bin/*.dll,
    PREFIX/lib/libffi.dll.a) under wine."""
    return _env('FFIX_DIFF_WINDOWS') is not None


def multiarch(cc):
    """The Debian multiarch tuple of the compiler's target (x86_64-linux-gnu, aarch64-linux-gnu):
    `cc -print-multiarch`, else `dpkg-architecture -qDEB_HOST_MULTIARCH`; None if neither
    answers."""
    for cmd in ([cc, '-print-multiarch'], ['dpkg-architecture', '-qDEB_HOST_MULTIARCH']):
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               universal_newlines=True)
        except OSError:
            continue
        if p.returncode == 0 and p.stdout.strip():
            return p.stdout.strip()
    return None


def oracle_dirs(cc):
    """The oracle's include and library directories: FFIX_DIFF_ORACLE_INCLUDE and
    FFIX_DIFF_ORACLE_LIBDIR, by default those of Debian's libffi-dev for the compiler's target,
    /usr/include/<multiarch> and /usr/lib/<multiarch>; for a cross compiler those of the
    Debian packages that the architecture package's ORACLE_FETCH script unpacks into the
    cache (cross_oracle_dirs)."""
    inc, lib = _env('FFIX_DIFF_ORACLE_INCLUDE'), _env('FFIX_DIFF_ORACLE_LIBDIR')
    if (inc is None or lib is None) and arch.is_cross(cc):
        return cross_oracle_dirs(cc)
    if inc is None or lib is None:
        tuple_ = multiarch(cc)
        if tuple_ is None:
            raise ConfigError('cannot tell the multiarch directories of %s (neither `%s '
                              '-print-multiarch` nor dpkg-architecture answers): set '
                              'FFIX_DIFF_ORACLE_INCLUDE and FFIX_DIFF_ORACLE_LIBDIR' % (cc, cc))
        inc = inc or '/usr/include/' + tuple_
        lib = lib or '/usr/lib/' + tuple_
    return inc, lib


def cache_dir():
    """Where downloaded oracles are kept: FFIX_CACHE, else .cache in the build tree (the parent
    of FFIX_LIBDIR, as make check sets it), as the Makefile's FFIX_CACHE."""
    c = _env('FFIX_CACHE')
    if c is None and _env('FFIX_LIBDIR'):
        c = os.path.join(os.path.dirname(os.path.abspath(_env('FFIX_LIBDIR'))), '.cache')
    if c is None:
        raise ConfigError('set FFIX_CACHE (where the oracle is unpacked) or '
                          'FFIX_DIFF_ORACLE_INCLUDE and FFIX_DIFF_ORACLE_LIBDIR')
    return os.path.abspath(c)


def cross_oracle_dirs(cc):
    """The oracle of a cross build: the include and library directories that the architecture
    package's ORACLE_FETCH script (tools/fetch-arm64-oracle.sh for AArch64) prints after
    unpacking Debian's libffi packages for that architecture into the cache (quick once
    done)."""
    try:
        tgt = arch.for_compiler(cc)
    except arch.Unsupported as e:
        raise ConfigError(str(e))
    script = getattr(tgt, 'ORACLE_FETCH', None)
    if not script:
        raise ConfigError('no oracle for a cross build for %s: set FFIX_DIFF_ORACLE_INCLUDE and '
                          'FFIX_DIFF_ORACLE_LIBDIR' % tgt.NAME)
    path = os.path.join(gen.DIFF_DIR, '..', '..', script)
    p = subprocess.run(['sh', path, cache_dir()], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    dirs = dict(line.split(None, 1) for line in p.stdout.splitlines() if ' ' in line)
    if p.returncode != 0 or 'include' not in dirs or 'libdir' not in dirs:
        raise ConfigError('%s %s could not provide the oracle (status %d): %s; or set '
                          'FFIX_DIFF_ORACLE_INCLUDE and FFIX_DIFF_ORACLE_LIBDIR'
                          % (script, cache_dir(), p.returncode, p.stderr.strip()[-1500:]))
    return (_env('FFIX_DIFF_ORACLE_INCLUDE', dirs['include'].strip()),
            _env('FFIX_DIFF_ORACLE_LIBDIR', dirs['libdir'].strip()))


def default_cc():
    """The compiler of the test programs: FFIX_DIFF_CC; else CC when it is a cross compiler
    (make check exports the build's CC: the programs of a cross build are built with it and
    run under TEST_RUNNER); else gcc (mingw-w64's for a Windows build)."""
    v = _env('FFIX_DIFF_CC')
    if v is not None:
        return v
    if windows_mode():
        return MINGW_CC
    cc = _env('CC')
    if cc is not None and arch.is_cross(cc):
        return cc
    return 'gcc'


def abis_from_env(tgt=None):
    """The calling conventions to test: FFIX_DIFF_ABI (comma-separated: sysv, win64, gnuw64);
    default: those of the architecture package tgt (default: the compiler's) for Linux or for
    a Windows build (x86-64: all three on Linux, gnuw64,win64 for Windows)."""
    v = _env('FFIX_DIFF_ABI')
    if v is None:
        if tgt is None:
            try:
                tgt = arch.for_compiler(default_cc())
            except arch.Unsupported:
                # an architecture without a package: every test skips with Config's reason
                return ['sysv']
        return tgt.default_abis(windows_mode())
    out = []
    for a in v.replace(' ', ',').split(','):
        a = a.strip().lower()
        if not a:
            continue
        if a not in gen.ABIS:
            raise ValueError('FFIX_DIFF_ABI: unknown ABI %r (sysv, win64, gnuw64)' % a)
        if a not in out:
            out.append(a)
    return out


def call_count(abi='sysv'):
    """ffi_call signatures for one ABI: FFIX_DIFF_COUNT for sysv (2000), FFIX_DIFF_MS_COUNT for
    each of win64 and gnuw64 (500; 200 under wine)."""
    if abi == 'sysv':
        return int(_env('FFIX_DIFF_COUNT', str(SYSV_COUNT)))
    return int(_env('FFIX_DIFF_MS_COUNT', str(WINE_MS_COUNT if windows_mode() else MS_COUNT)))


class Config:
    def __init__(self):
        self.windows = windows_mode()
        self.cross, self.test_runner = False, []
        if self.windows:
            self._init_windows()
        else:
            self._init_linux()
        # what the generated sources need for the compiler's architecture (arch/<name>)
        try:
            self.arch = arch.for_compiler(self.cc)
        except arch.Unsupported as e:
            raise ConfigError(str(e))
        self.abis = abis_from_env(self.arch)
        bad = [a for a in self.abis if a not in self.arch.ABIS]
        if bad:
            raise ConfigError('FFIX_DIFF_ABI: %s has no %s convention (%s)'
                              % (self.arch.NAME, ', '.join(bad), ', '.join(self.arch.ABIS)))
        if self.windows and 'sysv' in self.abis:
            raise ConfigError('a Windows build has no System V ABI: FFIX_DIFF_ABI=gnuw64,win64')
        self.seed = _env('FFIX_DIFF_SEED', str(gen.DEFAULT_SEED))
        self.counts = {a: call_count(a) for a in gen.ABIS}
        self.closure_counts = {a: closure_count(a) for a in gen.ABIS}
        self.batch_size = int(_env('FFIX_DIFF_BATCH', str(gen.DEFAULT_BATCH)))
        self.jobs = int(_env('FFIX_DIFF_JOBS', '2'))
        self.keep = _env('FFIX_DIFF_KEEP', '0') == '1'
        wd = _env('FFIX_DIFF_WORKDIR')
        self.own_workdir = wd is None
        self.workdir = os.path.abspath(wd) if wd else tempfile.mkdtemp(prefix='ffix-diff-')
        os.makedirs(self.workdir, exist_ok=True)
        # "self mode": the library under test is the oracle (harness development).  Then
        # ffix reproduces libffi's own bugs, which are tolerated rather than failed.
        self.self_mode = _sha256(self.ffix_lib) == _sha256(self.oracle_lib)
        self.features = None
        self.ffix_defines = []
        self.ffix_abis = None

    def _init_windows(self):
        prefix = os.path.abspath(_env('FFIX_DIFF_WINDOWS'))
        self.ffix_include, self.ffix_lib, self.ffix_implib = _windows_prefix(
            prefix, 'FFIX_DIFF_WINDOWS')
        self.ffix_libdir = os.path.dirname(self.ffix_lib)
        orc = _env('FFIX_DIFF_WINDOWS_ORACLE')
        if not orc:
            raise ConfigError('FFIX_DIFF_WINDOWS_ORACLE is not set: build the oracle with '
                              'tools/build-libffi-mingw.sh CACHE and set it to the prefix '
                              'the script prints (CACHE/prefix)')
        orc = os.path.abspath(orc)
        self.oracle_include, self.oracle_lib, self.oracle_implib = _windows_prefix(
            orc, 'FFIX_DIFF_WINDOWS_ORACLE')
        self.oracle_libdir = os.path.dirname(self.oracle_lib)
        self.cc = default_cc()
        self.wine = _env('FFIX_DIFF_WINE', 'wine')
        if not shutil.which(self.cc) or not shutil.which(self.wine):
            raise ConfigError('a Windows run needs %s and %s (apt-get install '
                              'gcc-mingw-w64-x86-64-posix wine64)' % (self.cc, self.wine))
        self.wineprefix = _env('WINEPREFIX', os.path.join(os.path.dirname(orc), 'wineprefix'))

    def _init_linux(self):
        self.cc = default_cc()
        # a cross build: the programs run under TEST_RUNNER (qemu-user), each with the
        # LD_LIBRARY_PATH of its library (qemu passes the environment on to the guest)
        self.cross = arch.is_cross(self.cc)
        self.test_runner = []
        if self.cross:
            try:
                tgt = arch.for_compiler(self.cc)
            except arch.Unsupported as e:
                raise ConfigError(str(e))
            runner = _env('TEST_RUNNER', getattr(tgt, 'DEFAULT_TEST_RUNNER', None))
            if not runner:
                raise ConfigError('%s builds for %s: set TEST_RUNNER to a command that runs '
                                  'its programs here' % (self.cc, tgt.NAME))
            self.test_runner = shlex.split(runner)
            if not shutil.which(self.test_runner[0]):
                raise ConfigError('TEST_RUNNER: %s not found (apt-get install qemu-user-static)'
                                  % self.test_runner[0])
        self.oracle_include, self.oracle_libdir = oracle_dirs(self.cc)
        inc, lib = _env('FFIX_INCLUDE'), _env('FFIX_LIBDIR')
        if not inc or not lib:
            raise ConfigError(
                'FFIX_INCLUDE and FFIX_LIBDIR are not set: point them at the directory holding '
                "ffix's ffi.h/ffitarget.h and the one holding its libffi.so.8 and libffi.so "
                '(to test the harness against the system libffi itself: FFIX_INCLUDE=%s '
                'FFIX_LIBDIR=%s)' % (self.oracle_include, self.oracle_libdir))
        # a colon-separated list is accepted too (e.g. ffi.h and ffitarget.h in a build tree)
        self.ffix_include = ':'.join(os.path.abspath(d) for d in inc.split(':') if d)
        self.ffix_libdir = os.path.abspath(lib)
        for h in ('ffi.h', 'ffitarget.h'):
            if not any(os.path.isfile(os.path.join(d, h)) for d in self.ffix_include.split(':')):
                raise ConfigError('FFIX_INCLUDE=%s has no %s' % (inc, h))
        if not os.path.exists(os.path.join(self.ffix_libdir, 'libffi.so.8')):
            raise ConfigError('FFIX_LIBDIR=%s has no libffi.so.8' % lib)
        if not (os.path.isfile(os.path.join(self.oracle_include, 'ffi.h')) and
                os.path.exists(os.path.join(self.oracle_libdir, 'libffi.so'))):
            raise ConfigError('the oracle (Debian libffi-dev: %s/ffi.h, %s/libffi.so) is not '
                              'installed: apt-get install -y libffi-dev'
                              % (self.oracle_include, self.oracle_libdir))
        self.ffix_lib = os.path.realpath(os.path.join(self.ffix_libdir, 'libffi.so.8'))
        self.oracle_lib = os.path.realpath(os.path.join(self.oracle_libdir, 'libffi.so.8'))
        if not os.path.exists(self.oracle_lib):
            raise ConfigError('the oracle has no %s/libffi.so.8' % self.oracle_libdir)

    def nbatches(self, abi, kind):
        n = self.counts[abi] if kind == 'call' else self.closure_counts[abi]
        return (n + self.batch_size - 1) // self.batch_size

    def batch_ids(self, abi, kind, b):
        n = self.counts[abi] if kind == 'call' else self.closure_counts[abi]
        return list(range(b * self.batch_size, min(n, (b + 1) * self.batch_size)))

    def run_env(self, lib_dir=None):
        env = dict(os.environ)
        for k in ('LD_LIBRARY_PATH', 'LD_PRELOAD'):
            env.pop(k, None)
        if self.cross and lib_dir:
            # (the programs' DT_RPATH names the same directory and comes first)
            env['LD_LIBRARY_PATH'] = lib_dir
        if self.windows:
            env['WINEDEBUG'] = '-all'
            env['WINEPREFIX'] = self.wineprefix
            env.setdefault('WINEDLLOVERRIDES', 'mscoree,mshtml=,winemenubuilder.exe=d')
            # the program's directory holds no libffi DLL: each program finds its own through
            # WINEPATH (both are called libffi-8.dll)
            env['WINEPATH'] = ';'.join(([lib_dir] if lib_dir else []) + MINGW_RUNTIME_DIRS)
        return env

    def run_cmd(self, exe, start):
        if self.windows:
            return [self.wine, exe, str(start)]
        return self.test_runner + [exe, str(start)]

    def exe(self, name):
        return name + '.exe' if self.windows else name

    def repro_env(self):
        if self.windows:
            return 'FFIX_DIFF_WINDOWS=%s FFIX_DIFF_WINDOWS_ORACLE=%s' % (
                os.path.dirname(self.ffix_include), os.path.dirname(self.oracle_include))
        env = 'FFIX_INCLUDE=%s FFIX_LIBDIR=%s' % (self.ffix_include, self.ffix_libdir)
        if self.cross:
            env += ' FFIX_DIFF_CC=%s TEST_RUNNER=%s FFIX_DIFF_ORACLE_INCLUDE=%s ' \
                   'FFIX_DIFF_ORACLE_LIBDIR=%s' % tuple(shlex.quote(x) for x in (
                       self.cc, ' '.join(self.test_runner), self.oracle_include,
                       self.oracle_libdir))
        return env


def _windows_prefix(prefix, var):
    """(include dir, DLL, import library) of an installed Windows libffi."""
    inc = os.path.join(prefix, 'include')
    dlls = sorted(glob.glob(os.path.join(prefix, 'bin', 'libffi*.dll')))
    implib = os.path.join(prefix, 'lib', 'libffi.dll.a')
    if not os.path.isfile(os.path.join(inc, 'ffi.h')) or not dlls or not os.path.isfile(implib):
        raise ConfigError('%s=%s: want include/ffi.h, bin/libffi*.dll and lib/libffi.dll.a'
                          % (var, prefix))
    return inc, os.path.realpath(dlls[0]), implib


def closure_count(abi='sysv'):
    """Closure signatures for one ABI: FFIX_DIFF_CLOSURE_COUNT for sysv, by default half of
    FFIX_DIFF_COUNT (1000 by default, 50000 in `make check-diff-long`); FFIX_DIFF_MS_CLOSURE_COUNT
    for each of win64 and gnuw64 (300; 100 under wine)."""
    if abi != 'sysv':
        return int(_env('FFIX_DIFF_MS_CLOSURE_COUNT', str(
            WINE_MS_CLOSURE_COUNT if windows_mode() else MS_CLOSURE_COUNT)))
    c = _env('FFIX_DIFF_CLOSURE_COUNT')
    if c is not None:
        return int(c)
    return int(_env('FFIX_DIFF_COUNT', str(SYSV_COUNT))) // 2


def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def _cc(cfg, args, cwd):
    p = subprocess.run(shlex.split(cfg.cc) + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    return p.returncode, p.stdout


def _inc_ffix(cfg):
    # FFIX_DIFF_FFIX_CFLAGS: extra flags for the programs built against ffix (debugging)
    return (['-I' + d for d in cfg.ffix_include.split(':')] +
            shlex.split(_env('FFIX_DIFF_FFIX_CFLAGS', '')))


def _link_ffix(cfg):
    if cfg.windows:
        return [cfg.ffix_implib, '-lpsapi', '-static-libgcc']
    # A sanitized ffix (./configure --enable-sanitizers) needs its runtimes
    # linked into the program, first.
    sanitize = os.environ.get('FFIX_SANITIZE', '').split()
    return sanitize + ['-L' + cfg.ffix_libdir, '-lffi', '-Wl,--disable-new-dtags,-rpath,' + cfg.ffix_libdir]


def _link_oracle(cfg):
    if cfg.windows:
        return [cfg.oracle_implib, '-lpsapi', '-static-libgcc']
    return ['-L' + cfg.oracle_libdir, '-lffi',
            '-Wl,--disable-new-dtags,-rpath,' + cfg.oracle_libdir]


def _caller_flags(cfg):
    # mingw: C99 printf (%zu) instead of msvcrt's
    return gen.CALLER_FLAGS + (['-D__USE_MINGW_ANSI_STDIO=1'] if cfg.windows else [])


def _lib_path(cfg, name):
    """A LIB line's library as a host path (wine maps the host's / to drive Z:)."""
    if cfg.windows:
        m = re.match(r'^([A-Za-z]):\\(.*)$', name)
        if m and m.group(1).upper() == 'Z':
            return os.path.realpath('/' + m.group(2).replace('\\', '/'))
        return name
    return os.path.realpath(name)


def _same_file(cfg, a, b):
    return a.lower() == b.lower() if cfg.windows else a == b


PROBE_INT128 = r'''
#include <ffi.h>
#ifdef FFIX_DECLARE_INT128
extern ffi_type ffi_type_sint128, ffi_type_uint128;
#endif
int main(void)
{
  return !(ffi_type_sint128.size == 16 && ffi_type_uint128.size == 16);
}
'''

PROBE_VECTOR = r'''
#include <ffi.h>
#ifndef FFI_TYPE_VECTOR
#error no FFI_TYPE_VECTOR
#endif
int main(void) { return FFI_TYPE_VECTOR != 18; }
'''

PROBE_PLAN = r'''
#include <ffi.h>
static int f(int x) { return x + 1; }
int main(void)
{
  ffi_cif cif;
  ffi_type *at[] = { &ffi_type_sint };
  int x = 41;
  void *av[] = { &x };
  ffi_arg r = 0;
  ffi_call_plan *p;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint, at) != FFI_OK)
    return 1;
  p = ffi_call_plan_alloc(&cif);
  if (!p)
    return 1;
  ffi_call_plan_invoke(p, FFI_FN(f), &r, av);
  ffi_call_plan_free(p);
  return (int)r != 42;
}
'''


PROBE_ABI = r'''
#include <ffi.h>
int main(void)
{
  ffi_cif cif;
  ffi_type *at[] = { &ffi_type_sint };
  return (int)ffi_prep_cif(&cif, PROBE_ABI_VALUE, 1, &ffi_type_sint, at);
}
'''


def probe(cfg):
    """Which libffi 3.6+ features the library under test offers, decided by small programs
    built against its header and library.  FFIX_DIFF_FEATURES=int128,vector,plan (or none)
    overrides."""
    d = os.path.join(cfg.workdir, 'probe')
    os.makedirs(d, exist_ok=True)
    notes = []

    def run_prog_rc(name, src, extra=()):
        with open(os.path.join(d, name + '.c'), 'w') as f:
            f.write(src)
        exe = cfg.exe(name)
        rc, out = _cc(cfg, ['-w'] + _inc_ffix(cfg) + list(extra) +
                      [name + '.c', '-o', exe] + _link_ffix(cfg), d)
        if rc != 0:
            return None
        p = subprocess.run(cfg.run_cmd(os.path.join(d, exe), 0)[:-1], cwd=d,
                           env=cfg.run_env(cfg.ffix_libdir), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        return p.returncode

    def try_prog(name, src, extra=()):
        return run_prog_rc(name, src, extra) == 0

    # the calling conventions: ffi_prep_cif's status for each (0: FFI_OK)
    cfg.ffix_abis = {}
    for abi in cfg.abis:
        cfg.ffix_abis[abi] = run_prog_rc('abi-' + abi, PROBE_ABI,
                                         ['-DPROBE_ABI_VALUE=' + gen.ABI_MACRO[abi]])

    feats = set()
    defines = []
    forced = _env('FFIX_DIFF_FEATURES')
    if forced is not None:
        feats = set(x for x in forced.split(',') if x and x != 'none')
        if 'int128' in feats and not try_prog('int128', PROBE_INT128):
            defines.append('-DFFIX_DECLARE_INT128')
    else:
        if try_prog('int128', PROBE_INT128):
            feats.add('int128')
        elif try_prog('int128d', PROBE_INT128, ['-DFFIX_DECLARE_INT128']):
            feats.add('int128')
            defines.append('-DFFIX_DECLARE_INT128')
            notes.append("ffix's ffi.h does not declare ffi_type_sint128/uint128")
        if try_prog('vector', PROBE_VECTOR):
            feats.add('vector')
        if try_prog('plan', PROBE_PLAN):
            feats.add('plan')
    macros = {'int128': 'FFIX_EXT_INT128', 'vector': 'FFIX_EXT_VECTOR', 'plan': 'FFIX_EXT_PLAN'}
    defines += ['-D%s=1' % macros[f] for f in sorted(feats) if f in macros]
    cfg.features = feats
    cfg.ffix_defines = defines
    cfg.probe_notes = notes
    return feats


# --------------------------------------------------------------------------------------------
# Running one program


class ProgResult:
    def __init__(self):
        self.F, self.D, self.skipped, self.crash = {}, {}, set(), {}
        self.libs = []
        self.errors = []


def _no_core_dumps():
    # qemu-user writes a core file of the guest into the current directory when it crashes
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_prog(cfg, exe, ids, lib_dir=None):
    """Run exe until it has reported every signature (ids: the keys, '17' or 'c17', in
    program order); a crash or hang in one signature is recorded and the program restarted
    after it.  lib_dir: where a Windows program finds its libffi DLL."""
    res = ProgResult()
    start = 0   # index (in ids) of the first signature to run
    order = {sid: k for k, sid in enumerate(ids)}
    for _ in range(MAX_RESTARTS):
        try:
            p = subprocess.run(cfg.run_cmd(exe, start), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=cfg.run_env(lib_dir),
                               timeout=RUN_TIMEOUT, cwd=os.path.dirname(exe),
                               preexec_fn=_no_core_dumps if cfg.cross else None)
            out, err, rc = p.stdout, p.stderr, p.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = e.stdout or b'', e.stderr or b'', 'timeout'
        out = out.decode('utf-8', 'replace')
        err = err.decode('utf-8', 'replace')
        with open(re.sub(r'\.exe$', '', exe.replace('caller-', 'out-')) + '.txt', 'a') as f:
            f.write(out)
            if rc != 0:
                f.write('#### %s: rc %s, stderr: %s\n' % (os.path.basename(exe), rc, err))
        last_b, last_p, ended = None, None, False
        for line in out.splitlines():
            tag, _, rest = line.partition(' ')
            if tag == 'LIB':
                rest = rest.rstrip('\r')
                if rest not in res.libs:
                    res.libs.append(rest)
            elif tag == 'END':
                ended = True
            elif tag == 'P':
                last_p = rest.partition(' ')[2]
            elif tag in ('B', 'F', 'D', 'S', 'X'):
                sid, _, text = rest.partition(' ')
                if tag == 'B':
                    last_b, last_p = sid, None
                elif tag == 'F':
                    res.F[sid] = text
                elif tag == 'D':
                    res.D[sid] = text
                elif tag == 'S':
                    res.skipped.add(sid)
        if ended and rc == 0:
            return res
        what = ('timeout' if rc == 'timeout' else
                'killed by signal %d' % -rc if isinstance(rc, int) and rc < 0 else
                'exit status %s' % rc)
        if last_b is None:
            res.errors.append('%s: %s outside any signature; stderr: %s'
                              % (os.path.basename(exe), what, err.strip()[-2000:]))
            return res
        # Killed after the last signature it began had printed its D line: that signature's
        # calls left the process broken (e.g. libffi's byref-pointer-misplaced hands the
        # callee a garbage pointer it writes through, and the heap fails later).  Charge it
        # to that signature and go on with the next, so one bad signature does not cost the
        # rest of the batch.
        during = ('after its calls' if last_b in res.D else
                  'during ' + last_p if last_p else '')
        res.crash[last_b] = '%s%s; stderr: %s' % (
            what, ' ' + during if during else '', err.strip()[-1000:])
        start = order.get(last_b, len(ids)) + 1
        if start >= len(ids):
            return res
    res.errors.append('%s: too many crashes' % os.path.basename(exe))
    return res


# --------------------------------------------------------------------------------------------
# Comparing


def split_line(sig, text):
    """F/D line text -> (list of argument logs, return log, flags)."""
    if text is None:
        return None
    callee, sep, rest = text.partition(' R ')
    if not sep:
        return [], None, [text]
    args = callee.split(' ') if callee else []
    parts = rest.split(' ')
    return args, parts[0], parts[1:]


def explain(sig, f, d):
    """Human-readable difference between the F line f (ffi_call, or the closure) and the
    direct call line d."""
    out = []
    sf, sd = split_line(sig, f), split_line(sig, d)
    if sf is None or sd is None:
        return ['ffi:    %s' % f, 'direct: %s' % d]
    fa, fr, ff = sf
    da, dr, _ = sd
    if sig.closure:
        side, log = 'closure', 'closure handler log'
        saw = 'the handler decoded %s, the direct function received %s'
        ret = 'return (%s): calling the closure gave %s, the direct function returned %s'
    else:
        side, log = 'ffi_call', 'callee log through ffi_call'
        saw = 'ffi_call passed %s, direct call passed %s'
        ret = 'return (%s): ffi_call gave %s, direct call gave %s'
    if fr is None:
        out.append('%s side: %s' % (side, ' '.join(ff)))
        return out
    if len(fa) != len(da):
        out.append('%s: %s' % (log, ' '.join(fa)))
        out.append('callee log, direct call: %s' % ' '.join(da))
    for i, (x, y) in enumerate(zip(fa, da)):
        if x != y:
            t = sig.args[i].c if i < len(sig.args) else '?'
            out.append(('arg %d (%s): ' + saw) % (i, t, x, y))
    if fr != dr:
        t = sig.ret.c if sig.ret else 'void'
        out.append(ret % (t, fr, dr))
    for fl in ff:
        out.append('check failed: %s' % fl)
    return out


def classify(sig, f, d, crash=None):
    """Short tag for a disagreement: crash, prep, args, return, or the flag names."""
    if crash:
        return 'crash'
    if sig.reject:
        return 'vector-not-rejected'
    sf, sd = split_line(sig, f), split_line(sig, d)
    if sf is None:
        return 'missing'
    fa, fr, ff = sf
    if fr is None:
        return 'prep-failed'
    tags = []
    if fa != sd[0]:
        tags.append('args')
    if fr != sd[1]:
        tags.append('return')
    for fl in sorted(fl.lstrip('!').split('(')[0].split('{')[0] for fl in ff):
        if fl not in tags:
            tags.append(fl)
    return '+'.join(tags) or 'other'


class Failure:
    def __init__(self, sig, kind, lines):
        self.sig, self.kind, self.lines = sig, kind, lines

    def render(self, cfg):
        s = ['%s: %s' % (self.sig.title(), self.kind),
             self.sig.c_text(cfg.arch), '/* %s */' % cfg.arch.describe(self.sig)]
        s += ['  ' + x for x in self.lines]
        s.append('reproduce: %s python3 testsuite/diff/runner.py --seed %s --ids %s'
                 % (cfg.repro_env(), cfg.seed, self.sig.key))
        return '\n'.join(s)


class BatchResult:
    def __init__(self, name):
        self.name = name
        self.failures = []           # Failure
        self.oracle_disagreements = []  # (sig, tag, lines, known libffi bug names)
        self.tolerated = []          # (sig, tag): ffix == oracle bug in self mode
        self.checked = 0
        self.ext_only = 0            # signatures only checked against the direct call
        self.ffix_skipped = 0        # library under test lacks a feature
        self.errors = []
        self.dir = None

    def failure_kinds(self):
        if getattr(self, '_kinds', None) is None:
            kinds = {}
            for f in self.failures:
                kinds[f.kind] = kinds.get(f.kind, 0) + 1
            return kinds
        return self._kinds

    def nfailures(self):
        return sum(self.failure_kinds().values())

    def trim_failures(self, keep=50):
        """Keep the first failure of each kind and the first `keep` ones (counts stay)."""
        self._kinds = self.failure_kinds()
        seen, kept = set(), []
        for k, f in enumerate(self.failures):
            if k < keep or f.kind not in seen:
                kept.append(f)
            seen.add(f.kind)
        self.failures = kept


def compare(cfg, sigs, fx, orc, name):
    br = BatchResult(name)
    for prog, label, lib in ((fx, 'ffix', cfg.ffix_lib), (orc, 'oracle', cfg.oracle_lib)):
        br.errors += ['%s: %s' % (label, e) for e in prog.errors]
        real = [_lib_path(cfg, x) for x in prog.libs]
        if len(real) != 1 or not _same_file(cfg, real[0], lib):
            br.errors.append('%s program loaded %s, expected exactly %s'
                             % (label, prog.libs or 'no libffi', lib))
    for sig in sigs:
        sid = sig.key
        ff, fd = fx.F.get(sid), fx.D.get(sid)
        of, od = orc.F.get(sid), orc.D.get(sid)
        oracle_ran = sid not in orc.skipped
        oracle_bad = None
        if oracle_ran:
            if sid in orc.crash:
                oracle_bad = 'crash'
                br.oracle_disagreements.append(
                    (sig, 'crash', ['oracle crashed: %s' % orc.crash[sid]],
                     cfg.arch.known_libffi_bugs(sig, 'crash', orc.crash[sid])))
            elif of is None or od is None:
                br.errors.append('oracle printed no result for %s' % sig.title())
            elif of != od:
                oracle_bad = classify(sig, of, od)
                br.oracle_disagreements.append((sig, oracle_bad, explain(sig, of, od),
                                                cfg.arch.known_libffi_bugs(sig, oracle_bad, of)))
        if sid in fx.skipped:
            br.ffix_skipped += 1
            continue
        br.checked += 1
        if not oracle_ran:
            br.ext_only += 1
        if sid in fx.crash:
            lines = ['ffix program crashed in this signature: %s' % fx.crash[sid]]
            if oracle_ran:
                lines.append('oracle: %s' % ('crashed too' if oracle_bad == 'crash' else
                                              'agrees with the direct call' if not oracle_bad
                                              else 'disagrees with the direct call'))
            if cfg.self_mode and oracle_bad == 'crash':
                br.tolerated.append((sig, 'crash'))
            else:
                br.failures.append(Failure(sig, 'crash', lines))
            continue
        if ff is None or fd is None:
            br.failures.append(Failure(sig, 'no output', ['ffix program printed no result']))
            continue
        if ff != fd:
            tag = classify(sig, ff, fd)
            # (the same tag is enough when a known bug explains it: what a closure's handler
            # decodes from misplaced arguments may differ from one process to the next)
            if cfg.self_mode and oracle_bad and od == fd and (
                    of == ff or (tag == oracle_bad and br.oracle_disagreements[-1][3])):
                br.tolerated.append((sig, tag))
                continue
            lines = ['ffix %sdisagrees with the direct call (%s):'
                     % ('(closure) ' if sig.closure else '', tag)]
            lines += ['  ' + x for x in explain(sig, ff, fd)]
            if oracle_ran and of is not None:
                if of == od:
                    lines.append('the oracle (libffi) agrees with the direct call')
                elif of == ff:
                    lines.append('the oracle (libffi) gives the same wrong answer: %s'
                                 % oracle_bad)
                else:
                    lines.append('the oracle (libffi) disagrees with the direct call too (%s)'
                                 % oracle_bad)
            elif not oracle_ran:
                lines.append('(not checked against the oracle: libffi 3.4.4 lacks %s)'
                             % ', '.join(sorted(sig.needs)))
            lines += ['ffix line:   ' + ff, 'direct line: ' + fd]
            br.failures.append(Failure(sig, tag, lines))
            continue
        if oracle_ran and od is not None and od != fd:
            br.failures.append(Failure(sig, 'harness', [
                'the direct calls differ between the two programs (harness bug)',
                'ffix program:   ' + fd, 'oracle program: ' + od]))
        elif oracle_ran and of is not None and of == od and of != ff:
            br.failures.append(Failure(sig, 'vs-oracle', [
                'ffix disagrees with the oracle, which agrees with the direct call',
                'ffix:   ' + ff, 'oracle: ' + of]))
    return br


# --------------------------------------------------------------------------------------------
# One batch, end to end


def run_batch(cfg, name, sigs):
    d = os.path.join(cfg.workdir, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    gen.write_batch(sigs, cfg.seed, d, cfg.arch)
    br = None
    fx_exe, orc_exe = cfg.exe('caller-ffix'), cfg.exe('caller-oracle')
    # The generated sources include the fixed C code of gen.py's own tree (runtime/, arch/):
    # -I<testsuite/diff of that tree>, after the libffi headers; runtime/runtime.c is compiled
    # here like callees.c.  Nothing is written into the source tree.
    inc = gen.include_flags()
    objs = ['callees.o', 'runtime.o', 'thunks.o']
    steps = [
        ('callees', gen.callee_flags(sigs) + inc + ['-c', 'callees.c', '-o', 'callees.o']),
        ('runtime', gen.callee_flags(sigs) + inc + ['-c', gen.RUNTIME_C, '-o', 'runtime.o']),
        ('thunks', gen.callee_flags(sigs) + inc + ['-c', 'thunks.c', '-o', 'thunks.o']),
        ('caller-ffix', _caller_flags(cfg) + _inc_ffix(cfg) + inc + cfg.ffix_defines +
         ['caller.c'] + objs + ['-o', fx_exe] + _link_ffix(cfg)),
        ('caller-oracle', _caller_flags(cfg) + ['-I' + cfg.oracle_include] + inc +
         ['caller.c'] + objs + ['-o', orc_exe] + _link_oracle(cfg)),
    ]
    with open(os.path.join(d, 'build.sh'), 'w') as f:
        # the exact commands of this run, to rebuild by hand (e.g. with -g added)
        f.write('#!/bin/sh\nset -e\ncd "$(dirname "$0")"\n')
        for _, args in steps:
            f.write(' '.join(shlex.quote(x) for x in shlex.split(cfg.cc) + args) + '\n')
        if cfg.windows:
            for exe, out, libdir in ((fx_exe, 'out-ffix.txt', cfg.ffix_libdir),
                                     (orc_exe, 'out-oracle.txt', cfg.oracle_libdir)):
                env = cfg.run_env(libdir)
                f.write('%s %s ./%s > %s || true\n' % (
                    ' '.join('%s=%s' % (k, shlex.quote(env[k])) for k in
                             ('WINEDEBUG', 'WINEPREFIX', 'WINEDLLOVERRIDES', 'WINEPATH')),
                    shlex.quote(cfg.wine), exe, out))
            f.write('grep "^X " out-ffix.txt out-oracle.txt || true\n')
        elif cfg.cross:
            run = ' '.join(shlex.quote(x) for x in cfg.test_runner)
            for exe, out, libdir in (('caller-ffix', 'out-ffix.txt', cfg.ffix_libdir),
                                     ('caller-oracle', 'out-oracle.txt', cfg.oracle_libdir)):
                f.write('env -u LD_PRELOAD LD_LIBRARY_PATH=%s %s ./%s > %s || true\n'
                        % (shlex.quote(libdir), run, exe, out))
            f.write('grep "^X " out-ffix.txt out-oracle.txt || true\n')
        else:
            f.write('env -u LD_LIBRARY_PATH -u LD_PRELOAD ./caller-ffix > out-ffix.txt || true\n'
                    'env -u LD_LIBRARY_PATH -u LD_PRELOAD ./caller-oracle > out-oracle.txt || true\n'
                    'grep "^X " out-ffix.txt out-oracle.txt || true\n')
    for what, args in steps:
        rc, out = _cc(cfg, args, d)
        if rc != 0:
            br = BatchResult(name)
            br.errors.append('compiling %s failed (%s):\n%s' % (what, d, out[-6000:]))
            br.dir = d
            return br
    ids = [s.key for s in sigs]
    fx = run_prog(cfg, os.path.join(d, fx_exe), ids, cfg.ffix_libdir)
    orc = run_prog(cfg, os.path.join(d, orc_exe), ids, cfg.oracle_libdir)
    br = compare(cfg, sigs, fx, orc, name)
    if br.failures or br.errors or cfg.keep:
        br.dir = d
    else:
        shutil.rmtree(d, ignore_errors=True)
    return br


# Batch keys: (abi, kind, n) with kind 'call' (ffi_call) or 'closure' and n 'fixed' (the
# hand-written signatures) or the batch number (signatures n*batch...).


def all_keys(cfg):
    keys = []
    for a in cfg.abis:
        for kind in ('call', 'closure'):
            keys.append((a, kind, 'fixed'))
            keys += [(a, kind, b) for b in range(cfg.nbatches(a, kind))]
    return keys


def is_closure_key(key):
    return key[1] == 'closure'


def batch_name(key):
    """Name of the batch's build directory: fixed, b0003, cfixed, c0003 (System V);
    win64-fixed, gnuw64-c0003... (Microsoft x64)."""
    a, kind, n = key
    pre = '' if a == 'sysv' else a + '-'
    if n == 'fixed':
        return pre + ('fixed' if kind == 'call' else 'cfixed')
    return pre + ('b%04d' if kind == 'call' else 'c%04d') % n


def batch_sigs(cfg, key):
    a, kind, n = key
    if n == 'fixed':
        return (gen.fixed_sigs(a, cfg.arch) if kind == 'call'
                else gen.closure_fixed_sigs(a, cfg.arch))
    return [gen.make_sig(cfg.seed, i, kind == 'closure', a, cfg.arch)
            for i in cfg.batch_ids(a, kind, n)]


class Suite:
    """All batches of a session, run by a thread pool (the work is in subprocesses)."""

    def __init__(self, cfg):
        self.cfg = cfg
        probe(cfg)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, cfg.jobs))
        self.lock = threading.Lock()
        self.futures = {}
        self.results = {}

    def _submit(self, key):
        if key in self.futures:
            return
        self.futures[key] = self.pool.submit(self._job, key)

    def _job(self, key):
        # signatures are generated in the worker, and only a summary of each batch is kept,
        # so that memory stays flat in long runs
        sigs = batch_sigs(self.cfg, key)
        name = batch_name(key)
        st = self.cfg.ffix_abis.get(key[0])
        if st != 0:
            br = BatchResult(name)
            br.errors.append('the library under test does not support %s: ffi_prep_cif(%s) '
                             'of a simple signature %s (FFIX_DIFF_ABI selects the ABIs)'
                             % (key[0], gen.ABI_MACRO[key[0]],
                                'did not build or run' if st is None
                                else 'returned status %d' % st))
        else:
            br = run_batch(self.cfg, name, sigs)
        br.closure = is_closure_key(key)
        br.abi = key[0]
        if br.oracle_disagreements and not self.cfg.own_workdir:
            with open(os.path.join(self.cfg.workdir, 'oracle-%s.part' % name), 'w') as f:
                for sig, tag, expl, known in br.oracle_disagreements:
                    f.write('==== %s: %s [%s]\n%s\n/* %s */\n%s\n\n'
                            % (sig.title(), tag, ', '.join(known) or 'UNEXPLAINED',
                               sig.c_text(self.cfg.arch), self.cfg.arch.describe(sig),
                               '\n'.join('  ' + x for x in expl)))
        br.oracle_disagreements = [(sig.key, tag, None, known)
                                   for sig, tag, _, known in br.oracle_disagreements]
        br.tolerated = len(br.tolerated)
        br.trim_failures()
        return br

    def start(self, keys=None):
        """Queue the given batches (see batch_sigs), by default all of them."""
        if keys is None:
            keys = all_keys(self.cfg)
        with self.lock:
            for k in keys:
                self._submit(k)

    def result(self, key):
        with self.lock:
            self._submit(key)
            fut = self.futures[key]
        br = fut.result()
        self.results[key] = br
        return br

    def close(self):
        # queued batches are dropped; running ones (at most `jobs`) are waited for
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.cfg.own_workdir and not self.cfg.keep:
            kept = [r for r in self.results.values() if r.dir]
            if not kept:
                shutil.rmtree(self.cfg.workdir, ignore_errors=True)

    def summary(self):
        rs = list(self.results.values())
        if not rs:
            return []
        cfg = self.cfg
        lines = []
        for a in gen.ABIS:
            for closure in (False, True):
                part = [r for r in rs if getattr(r, 'closure', False) == closure and
                        getattr(r, 'abi', 'sysv') == a]
                if part:
                    lines += self._summary_kind(part, closure, a)
        tol = sum(r.tolerated for r in rs)
        if tol:
            lines.append('self mode: %d signatures where ffix (= libffi) reproduces a libffi bug '
                         'were tolerated' % tol)
        for note in getattr(cfg, 'probe_notes', []):
            lines.append('note: ' + note)
        report = os.path.join(cfg.workdir, 'oracle-disagreements.txt')
        dis = [x for r in rs for x in r.oracle_disagreements]
        if dis and cfg.own_workdir:
            lines.append('(set FFIX_DIFF_WORKDIR to keep a report of every disagreement)')
        elif dis:
            names = [batch_name(k) for k in all_keys(cfg) if k in self.results]
            try:
                with open(report, 'w') as out:
                    for n in names:
                        part = os.path.join(cfg.workdir, 'oracle-%s.part' % n)
                        if os.path.exists(part):
                            with open(part) as f:
                                shutil.copyfileobj(f, out)
                            os.unlink(part)
                lines.append('details: %s' % report)
            except OSError:
                pass
        return lines

    def _summary_kind(self, rs, closure, abi_name):
        checked = sum(r.checked for r in rs)
        fails = sum(r.nfailures() for r in rs)
        ext = sum(r.ext_only for r in rs)
        skipped = sum(r.ffix_skipped for r in rs)
        dis = [x for r in rs for x in r.oracle_disagreements]
        tags = {}
        unexplained = []
        for sid, _, _, known in dis:
            for k in known:
                tags[k] = tags.get(k, 0) + 1
            if not known:
                unexplained.append(sid)
        cfg = self.cfg
        what = '%s %s' % (abi_name, 'closure signatures' if closure else 'ffi_call signatures')
        return ['ffix differential%s: %d %s checked (seed %s, features: %s)%s: '
                '%d ffix failures; %d checked against the direct call only (int128/vector)%s'
                % (' (Windows, wine)' if cfg.windows else '',
                   checked, what, cfg.seed, ','.join(sorted(cfg.features)) or 'none',
                   ' [self mode: library under test is the oracle]' if cfg.self_mode else '',
                   fails, ext,
                   '; %d skipped (library under test lacks the feature)' % skipped
                   if skipped else ''),
                '  libffi oracle disagreements with the direct call (%s): %d%s%s'
                % ('closures' if closure else 'ffi_call', len(dis), ' (known libffi bugs: ' +
                   ', '.join('%s %d' % kv for kv in sorted(tags.items())) + ')' if tags else '',
                   '; NOT explained by a known libffi bug: %d (ids %s)'
                   % (len(unexplained), ', '.join(map(str, unexplained[:20])))
                   if unexplained else '')]


def main(argv=None):
    ap = argparse.ArgumentParser(description='reproduce signatures of the differential suite')
    ap.add_argument('--seed', default=None, help='default: FFIX_DIFF_SEED or %s' % gen.DEFAULT_SEED)
    ap.add_argument('--ids', required=True,
                    help='comma-separated ids: 17 (ffi_call signature), c17 (closure signature); '
                    'ids >= %d are hand-written' % gen.FIXED_BASE)
    ap.add_argument('--keep', help='build directory to keep (default: a temporary one)')
    a = ap.parse_args(argv)
    if a.keep:
        os.environ['FFIX_DIFF_WORKDIR'] = a.keep
    os.environ['FFIX_DIFF_KEEP'] = '1'
    if a.seed is not None:
        os.environ['FFIX_DIFF_SEED'] = a.seed
    try:
        cfg = Config()
    except ConfigError as e:
        print('error: %s' % e, file=sys.stderr)
        return 2
    probe(cfg)
    ids = [x.strip() for x in a.ids.split(',') if x.strip()]
    sigs = gen.sigs_for_ids(cfg.seed, ids, cfg.arch)
    br = run_batch(cfg, 'repro', sigs)
    for s in sigs:
        print('/* ---- %s ---- */\n%s\n' % (s.title(), s.c_text(cfg.arch)))
    for e in br.errors:
        print('ERROR: ' + e)
    for sig, tag, expl, known in br.oracle_disagreements:
        print('oracle (libffi) disagrees with the direct call on %s (%s) [%s]:\n%s'
              % (sig.title(), tag, ', '.join(known) or 'not a known libffi bug',
                 '\n'.join('  ' + x for x in expl)))
    for sig, tag in br.tolerated:
        print('self mode: tolerated libffi bug on %s (%s)' % (sig.title(), tag))
    for f in br.failures:
        print('FAIL ' + f.render(cfg))
    print('build directory: %s (out-*.txt are rerun by ./caller-ffix / ./caller-oracle)'
          % os.path.join(cfg.workdir, 'repro'))
    ok = not br.failures and not br.errors
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
