"""The architectures the differential tests can build for, one package each: arch/<name>/.

A package holds both halves of what depends on the architecture:

- C: arch.h, included by runtime/arch.h when the compiler's predefined macros say so (see
  there for what it defines), and any headers its thunks need;
- Python: __init__.py, which provides

    NAME                     the package's name ('x86_64')
    ABIS                     the calling conventions it can emit (names of gen.ABIS)
    default_abis(windows)    those tested when FFIX_DIFF_ABI is not set
    callee_attribute(abi)    the attribute of a function type of that convention, or ''
    read_va_tail(sig)        lines reading a variadic callee's tail into a<nfixed>..., or
                             None for <stdarg.h>'s va_list
    ret_in_memory(sig)       whether the result comes back through a hidden pointer
    rvalue_limit(sig)        C expression: how many bytes of rvalue ffi_call may write
                             (gen.default_rvalue_limit: the result's size, at least 8)
    checks_narrow_extension(sig)
                             whether a closure with an 8- or 16-bit result is also called as
                             returning uint64_t (NARROW-RESULT-NOT-EXTENDED)
    THUNKS_HEADER            the header thunks.c includes (None: no thunks)
    thunk(sig)               the assembly thunk of sig's callee, a gen.Thunk, or None
    describe(sig)            one line: where each argument and the result travel (messages)
    known_libffi_bugs(sig, tag, fline)
                             names of the known oracle bugs that explain a disagreement

  and, optionally (without them the generator draws exactly x86-64's signatures):

    SCALAR_OVERRIDES         scalar types by gen.py's codes that differ here (AArch64:
                             gen.BINARY128_LONG_DOUBLE for 'f80' and 'cf80')
    EXTRA_STRUCT_KINDS       (name, weight) of more struct kinds, gen.Generator._st_<name>
    FIXED_SPECS              hand-written signatures (gen.FIXED_SPECS' format), ids 920000+,
                             also run as closures c970000+
    CLOSURE_FIXED_SPECS      hand-written closure signatures, ids c920000+
    DEFAULT_TEST_RUNNER      for a cross compiler: the command that runs its programs here
                             (TEST_RUNNER overrides it)
    ORACLE_FETCH             for a cross compiler: a script (path from the top of the tree)
                             that, given a cache directory, unpacks the oracle there and prints
                             "include <dir>" and "libdir <dir>"

for_compiler(cc) picks the package of the architecture `cc` compiles for; one without a
package raises Unsupported, whose text says what to write.
"""

import functools
import importlib
import os
import platform
import shlex
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


class Unsupported(Exception):
    """The compiler builds for an architecture that has no package here."""


def _predefined_macros(cc):
    p = subprocess.run(shlex.split(cc) + ['-dM', '-E', '-x', 'c', os.devnull],
                       stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        raise Unsupported('cannot ask %s for its predefined macros: %s'
                          % (cc, p.stderr.strip()[-500:]))
    macros = {}
    for line in p.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] == '#define':
            macros[parts[1]] = parts[2] if len(parts) > 2 else ''
    return macros


def machine(cc):
    """The architecture `cc` builds for, named like the packages here: by the compiler's
    predefined macros, with the same tests as runtime/arch.h; otherwise the first part of
    `cc -dumpmachine` (for the message)."""
    m = _predefined_macros(cc)
    if '__x86_64__' in m and '__ILP32__' not in m:
        return 'x86_64'
    if '__aarch64__' in m and '__ILP32__' not in m:
        return 'aarch64'
    p = subprocess.run(shlex.split(cc) + ['-dumpmachine'], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL,
                       universal_newlines=True)
    return p.stdout.strip().split('-')[0] or 'unknown'


def host_machine():
    """The architecture of this machine, named like the packages here."""
    m = platform.machine().lower()
    return {'amd64': 'x86_64', 'arm64': 'aarch64'}.get(m, m)


@functools.lru_cache(maxsize=None)
def is_cross(cc):
    """Whether `cc` builds for another architecture than this machine's (its programs then
    run under the package's DEFAULT_TEST_RUNNER, or TEST_RUNNER)."""
    try:
        return machine(cc) != host_machine()
    except (OSError, Unsupported):
        return False


@functools.lru_cache(maxsize=None)
def for_compiler(cc):
    """The package of the architecture `cc` builds for (Unsupported if there is none)."""
    try:
        name = machine(cc)
    except OSError as e:
        raise Unsupported('cannot run the compiler %s: %s' % (cc, e))
    if not os.path.isfile(os.path.join(HERE, name, '__init__.py')):
        raise Unsupported(
            'the differential tests do not support %s yet (compiler %s): write '
            'testsuite/diff/arch/%s/arch.h and __init__.py (see testsuite/diff/arch/__init__.py, '
            'runtime/arch.h and README.md)' % (name, cc, name))
    return importlib.import_module('%s.%s' % (__name__, name))
