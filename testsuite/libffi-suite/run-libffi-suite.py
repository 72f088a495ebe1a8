#!/usr/bin/env python3
"""Run libffi's own DejaGnu test suite against a libffi-compatible library.

This is a stand-alone re-implementation (Python 3 standard library only) of
what libffi's testsuite/lib/libffi.exp + DejaGnu's dg.exp do on
x86_64-linux-gnu and aarch64-linux-gnu: it compiles every test of
libffi.call, libffi.closures, libffi.complex, libffi.go and libffi.bhaible at
-O0 and -O2 (and on x86-64, for tests that mention ABI_NUM, again with
-DABI_NUM=FFI_GNUW64 -DABI_ATTR=__MSABI__), links it against the library
under test, runs it (through a runner such as qemu-user for a cross build)
and judges it the way DejaGnu would (compiler output = "excess errors", exit
status, dg-output regular expressions).

libffi's test sources are not part of this repository: they are taken from
Debian's libffi source package, fetched into a cache directory on first use.
See README.md next to this file.
"""

import argparse
import concurrent.futures
import glob
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

# The target the tests are built for, as DejaGnu's target_triplet spells it
# (config.sub's canonical form, e.g. x86_64-pc-linux-gnu or
# aarch64-unknown-linux-gnu).  Set by setup_env from the compiler; selectors
# like { target aarch64*-*-* } and { xfail x86_64-*-* } match against it.
TARGET_TRIPLET = "x86_64-pc-linux-gnu"
# DejaGnu's isnative: the tests run on the build machine (no runner).
TARGET_IS_NATIVE = True
# Facts about the target for dg-require-effective-target, from the
# compiler's predefined macros (setup_env).
TARGET_FACTS = {"lp64": True, "ilp32": False, "x32": False, "int128": True,
                "large_long_double": True}

# qemu-user for a cross build whose target the build machine cannot run:
# GNU machine name -> (qemu binary, the target's usual sysroot).
QEMU_RUNNERS = {
    "aarch64": ("qemu-aarch64-static", "/usr/aarch64-linux-gnu"),
}

# Suites in the order they are run/printed.
ALL_SUITES = ["call", "closures", "complex", "go", "bhaible"]

FEATURES = {
    "closures": "tests that use closures (ffi_closure_alloc, ffi_prep_closure*, "
                "ffi_prep_raw_closure*, go closures): all of libffi.closures, "
                "libffi.go, bhaible/test-callback.c, and call/complex tests "
                "that create closures",
    "go": "go closures only (libffi.go, ffi_prep_go_closure, ffi_call_go)",
    "win64": "the -DABI_NUM=FFI_GNUW64 -DABI_ATTR=__MSABI__ variants",
    "complex": "complex types (libffi.complex, tests that use "
               "FFI_TYPE_COMPLEX or ffi_type_complex_*)",
}

CLOSURE_API_RE = re.compile(
    r"\b(ffi_closure_alloc|ffi_closure_free|ffi_prep_closure(_loc)?|"
    r"ffi_prep_raw_closure(_loc)?|ffi_prep_java_raw_closure(_loc)?|"
    r"ffi_prep_go_closure|ffi_call_go)\b")
GO_API_RE = re.compile(r"\b(ffi_prep_go_closure|ffi_call_go)\b")
COMPLEX_API_RE = re.compile(r"\b(FFI_TYPE_COMPLEX|ffi_type_complex_\w+)\b")

GNUW64_ABI = "-DABI_NUM=FFI_GNUW64 -DABI_ATTR=__MSABI__"

# Failures of the reference libffi itself on this machine, judged as XFAIL
# (expected failure) when they fail, XPASS when they pass.  Each entry is
# (regex searched in the test name, reason).  Keep this list empty unless a
# failure was shown to be libffi's own (see README.md).
EXPECTED_FAILURES = [
]

# --------------------------------------------------------------------------
# Minimal Tcl: word splitting with backslash substitution.
# --------------------------------------------------------------------------


class TclError(Exception):
    pass


_TCL_WS = " \t\n\r\v\f"
_TCL_SIMPLE_ESC = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r",
                   "t": "\t", "v": "\v"}


def _tcl_backslash(s, i):
    """s[i] is a backslash; return (substituted text, index after it)."""
    if i + 1 >= len(s):
        return "\\", i + 1
    c = s[i + 1]
    if c in _TCL_SIMPLE_ESC:
        return _TCL_SIMPLE_ESC[c], i + 2
    if c == "\n":
        j = i + 2
        while j < len(s) and s[j] in " \t":
            j += 1
        return " ", j
    if c in "xuU":
        maxd = {"x": 2, "u": 4, "U": 8}[c]
        j = i + 2
        while j < len(s) and j - (i + 2) < maxd and s[j] in "0123456789abcdefABCDEF":
            j += 1
        if j == i + 2:
            return c, i + 2
        return chr(int(s[i + 2:j], 16)), j
    if c in "01234567":
        j = i + 1
        while j < len(s) and j - (i + 1) < 3 and s[j] in "01234567":
            j += 1
        return chr(int(s[i + 1:j], 8) & 0xFF), j
    return c, i + 2


def tcl_words(s, command=True):
    """Split a Tcl command (command=True) or list (command=False) into words.

    Braced words are literal; quoted and bare words get backslash
    substitution.  In command mode, variable and command substitution are
    not supported and raise TclError (libffi's directives use none)."""
    words = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in _TCL_WS:
            i += 1
        if i >= n:
            return words
        c = s[i]
        if c == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                if s[j] == "\\":
                    j += 2
                    continue
                if s[j] == "{":
                    depth += 1
                elif s[j] == "}":
                    depth -= 1
                j += 1
            if depth:
                raise TclError("missing close-brace")
            if j < n and s[j] not in _TCL_WS:
                raise TclError("extra characters after close-brace")
            words.append(s[i + 1:j - 1])
            i = j
            continue
        quoted = c == '"'
        j = i + 1 if quoted else i
        buf = []
        while True:
            if j >= n:
                if quoted:
                    raise TclError('missing "')
                break
            ch = s[j]
            if quoted and ch == '"':
                j += 1
                if j < n and s[j] not in _TCL_WS:
                    raise TclError("extra characters after close-quote")
                break
            if not quoted and ch in _TCL_WS:
                break
            if ch == "\\":
                t, j = _tcl_backslash(s, j)
                buf.append(t)
                continue
            if command and ch == "[":
                raise TclError("Tcl command substitution is not supported: %r" % s)
            if command and ch == "$" and j + 1 < n and (s[j + 1].isalnum() or s[j + 1] in "_{:"):
                raise TclError("Tcl variable substitution is not supported: %r" % s)
            buf.append(ch)
            j += 1
        words.append("".join(buf))
        i = j


def tcl_trim(s):
    return s.strip(" \t\n\r")


def tcl_glob_match(pattern, string):
    """Tcl 'string match' (close enough: * ? [chars] and backslash)."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                neg = body.startswith("^")
                if neg:
                    body = body[1:]
                items = []
                k = 0
                while k < len(body):
                    if k + 2 < len(body) and body[k + 1] == "-":
                        lo, hi = sorted((body[k], body[k + 2]))
                        items.append(re.escape(lo) + "-" + re.escape(hi))
                        k += 3
                    else:
                        items.append(re.escape(body[k]))
                        k += 1
                out.append("[" + ("^" if neg else "") + "".join(items) + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.fullmatch("".join(out), string, re.DOTALL) is not None


# --------------------------------------------------------------------------
# Tcl ARE (advanced regular expression) -> Python re translation.
# --------------------------------------------------------------------------

_POSIX_CLASSES = {
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "upper": [(0x41, 0x5A)],
    "lower": [(0x61, 0x7A)],
    "digit": [(0x30, 0x39)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "print": [(0x20, 0x7E)],
    "graph": [(0x21, 0x7E)],
}


class TclRegexError(Exception):
    pass


def _pychar(cp):
    if cp < 0x100:
        return "\\x%02x" % cp
    if cp < 0x10000:
        return "\\u%04x" % cp
    return "\\U%08x" % cp


def _are_char_escape(p, i):
    """p[i] == '\\'.  Character-entry escapes shared by brackets and atoms.
    Returns (codepoint or None, next index)."""
    c = p[i + 1]
    simple = {"a": 7, "b": 8, "B": 0x5C, "e": 0x1B, "f": 0x0C, "n": 0x0A,
              "r": 0x0D, "t": 0x09, "v": 0x0B}
    if c in simple:
        return simple[c], i + 2
    if c == "c" and i + 2 < len(p):
        return ord(p[i + 2]) & 0x1F, i + 3
    if c in "xuU":
        maxd = {"x": 2, "u": 4, "U": 8}[c]
        j = i + 2
        while j < len(p) and j - (i + 2) < maxd and p[j] in "0123456789abcdefABCDEF":
            j += 1
        if j == i + 2:
            raise TclRegexError("invalid escape \\%s" % c)
        return int(p[i + 2:j], 16) & 0x10FFFF, j
    if c == "0":
        j = i + 2
        while j < len(p) and j - (i + 1) < 3 and p[j] in "01234567":
            j += 1
        return int(p[i + 1:j], 8), j
    if not c.isalnum():
        return ord(c), i + 2
    return None, i


def _parse_bracket(p, i, newline_sensitive):
    """p[i] == '['; return (python class text, next index)."""
    j = i + 1
    neg = False
    if j < len(p) and p[j] == "^":
        neg = True
        j += 1
    parts = []
    first = True

    def one_char(j):
        """Parse a single bracket character; return (codepoint or class text, j)."""
        c = p[j]
        if c == "[" and j + 1 < len(p) and p[j + 1] in ".=":
            delim = p[j + 1] + "]"
            k = p.find(delim, j + 2)
            if k < 0:
                raise TclRegexError("unterminated [%s" % p[j + 1])
            name = p[j + 2:k]
            if len(name) != 1:
                raise TclRegexError("unsupported collating element %r" % name)
            return ord(name), k + 2
        if c == "\\" and j + 1 < len(p):
            if p[j + 1] in "dswDSW":
                return "\\" + p[j + 1], j + 2
            cp, k = _are_char_escape(p, j)
            if cp is None:
                raise TclRegexError("invalid escape \\%s in brackets" % p[j + 1])
            return cp, k
        return ord(c), j + 1

    while True:
        if j >= len(p):
            raise TclRegexError("unterminated bracket expression")
        c = p[j]
        if c == "]" and not first:
            j += 1
            break
        first = False
        if c == "[" and j + 1 < len(p) and p[j + 1] == ":":
            k = p.find(":]", j + 2)
            if k < 0:
                raise TclRegexError("unterminated [:")
            name = p[j + 2:k]
            if name not in _POSIX_CLASSES:
                raise TclRegexError("unknown character class %r" % name)
            for lo, hi in _POSIX_CLASSES[name]:
                parts.append(_pychar(lo) + "-" + _pychar(hi))
            j = k + 2
            continue
        lo, j = one_char(j)
        if (isinstance(lo, int) and j + 1 < len(p) and p[j] == "-"
                and p[j + 1] != "]"):
            hi, j = one_char(j + 1)
            if not isinstance(hi, int) or hi < lo:
                raise TclRegexError("invalid range in bracket expression")
            parts.append(_pychar(lo) + "-" + _pychar(hi))
        elif isinstance(lo, int):
            parts.append(_pychar(lo))
        else:
            parts.append(lo)
    if neg and newline_sensitive:
        parts.append("\\n")
    if not parts:
        return ("[^\\s\\S]" if not neg else "[\\s\\S]"), j
    return "[" + ("^" if neg else "") + "".join(parts) + "]", j


def tcl_regex_to_python(p):
    """Translate a Tcl ARE (as used by DejaGnu's 'regexp -- $re $text') to a
    compiled Python regex with the same match/no-match behaviour."""
    flags = 0
    newline_sensitive = False
    if p.startswith("***="):
        return re.compile(re.escape(p[4:]), re.DOTALL)
    if p.startswith("***:"):
        p = p[4:]
    m = re.match(r"\(\?([a-z]+)\)", p)
    if m:
        for f in m.group(1):
            if f == "i":
                flags |= re.IGNORECASE
            elif f in "cs":
                pass
            elif f == "n" or f == "w":
                newline_sensitive = True
            elif f == "x":
                flags |= re.VERBOSE
            elif f == "q":
                return re.compile(re.escape(p[m.end():]), flags | re.DOTALL)
            else:
                raise TclRegexError("unsupported embedded option (?%s)" % f)
        p = p[m.end():]
    if newline_sensitive:
        flags |= re.MULTILINE
    else:
        flags |= re.DOTALL
    out = []
    i, n = 0, len(p)
    while i < n:
        c = p[i]
        if c == "\\":
            if i + 1 >= n:
                raise TclRegexError("trailing backslash")
            d = p[i + 1]
            if d in "dswDSW":
                out.append("\\" + d)
                i += 2
                continue
            if d == "A":
                out.append("\\A")
                i += 2
                continue
            if d == "Z":
                out.append("\\Z")
                i += 2
                continue
            if d == "m":
                out.append("\\b(?=\\w)")
                i += 2
                continue
            if d == "M":
                out.append("\\b(?<=\\w)")
                i += 2
                continue
            if d == "y":
                out.append("\\b")
                i += 2
                continue
            if d == "Y":
                out.append("\\B")
                i += 2
                continue
            if d in "123456789":
                j = i + 1
                while j < n and p[j].isdigit():
                    j += 1
                out.append("(?:\\%s)" % p[i + 1:j])
                i = j
                continue
            cp, j = _are_char_escape(p, i)
            if cp is None:
                raise TclRegexError("invalid escape \\%s" % d)
            out.append(_pychar(cp))
            i = j
            continue
        if c == "[":
            text, i = _parse_bracket(p, i, newline_sensitive)
            out.append(text)
            continue
        if c == "$":
            out.append("$" if newline_sensitive else "\\Z")
        elif c == "{":
            m = re.match(r"\{(\d+)(,(\d*))?\}", p[i:])
            if m:
                out.append(m.group(0))
                i += len(m.group(0))
                continue
            out.append("\\{")
        elif c in ".^*+?()|":
            out.append(c)
        elif c == "}":
            out.append("\\}")
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out), flags)
    except re.error as e:
        raise TclRegexError("%s (translated: %r)" % (e, "".join(out)))


# --------------------------------------------------------------------------
# DejaGnu directive extraction and evaluation.
# --------------------------------------------------------------------------

_GREP_RE = re.compile(r"\{[ \t]+dg-[-a-z]+[ \t]+.*[ \t]+\}")
_ITEM_RE = re.compile(r"([0-9]+)[ \t]+\{[ \t]+(dg-[-a-z]+)[ \t]+(.*)[ \t]+\}[^}]*(\n|$)")


def extract_directives(path):
    """Return [(lineno, [words...]) or (lineno, TclError)] like dg-get-options."""
    result = []
    with open(path, encoding="latin-1") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            m = _GREP_RE.search(line)
            if not m:
                continue
            item = "%d %s" % (lineno, m.group(0))
            m2 = _ITEM_RE.search(item)
            if not m2:
                continue
            op = "%s %s %s" % (m2.group(2), m2.group(1), m2.group(3))
            try:
                result.append((lineno, tcl_words(op)))
            except TclError as e:
                result.append((lineno, e))
    return result


class DirectiveError(Exception):
    pass


class Context:
    """Everything a directive may look at for one test variant."""

    def __init__(self, flags, has_gccbug):
        self.flags = flags          # the tool flags, as one string
        self.has_gccbug = has_gccbug


# Effective-target keywords libffi.exp defines (selectors use only these).
def _effective_targets(ctx):
    return {"gccbug": ctx.has_gccbug}


# Keywords accepted by dg-require-effective-target (a GCC directive that
# libffi's 3.4.4 tests do not use); anything else is reported as an error.
def _required_targets(ctx):
    d = {"native": TARGET_IS_NATIVE, "pthread": True, "c99_runtime": True,
         "lto": True, "dfp": False}
    d.update(TARGET_FACTS)
    d.update(_effective_targets(ctx))
    return d


def _saved_process_target(selector):
    """DejaGnu's own dg-process-target (triplet lists)."""
    selector = tcl_trim(selector)
    if re.match(r"^xfail ", selector):
        what = "xfail"
    elif re.match(r"^target ", selector):
        what = "target"
    else:
        raise DirectiveError('syntax error in target selector "%s"' % selector)
    if not re.match(r"^%s( [^ ]+-[^ ]+-[^ ]+| native)+$" % what, selector):
        raise DirectiveError('syntax error in target selector "%s"' % selector)
    rest = re.sub(r"^%s " % what, "", selector, count=1)
    hit = any(tcl_glob_match(t, TARGET_TRIPLET) or (t == "native" and TARGET_IS_NATIVE)
              for t in tcl_words(rest, command=False))
    if what == "xfail":
        return "F" if hit else "P"
    return "S" if hit else "N"


def _list_elem(s):
    return "{%s}" % s if (not s or any(c in s for c in _TCL_WS + '{}"\\')) else s


def process_target(selector, ctx):
    """libffi.exp's dg-process-target override ('target ... xfail ...')."""
    selector = tcl_trim(selector)
    if re.match(r"^target .* xfail .*", selector):
        k = selector.find("xfail")
        tsel, xsel = tcl_trim(selector[:k]), selector[k:]
        if _process_target_1(tsel, ctx) == "N":
            return "N"
        return _process_target_1(xsel, ctx)
    return _process_target_1(selector, ctx)


def _process_target_1(selector, ctx):
    selector = tcl_trim(selector)
    if re.match(r"^xfail ", selector):
        what = "xfail"
    elif re.match(r"^target ", selector):
        what = "target"
    else:
        raise DirectiveError('syntax error in target selector "%s"' % selector)
    rest = tcl_trim(selector[len(what):])
    ets = _effective_targets(ctx)
    if rest in ets:
        hit = ets[rest]
    elif tcl_glob_match("{*}", rest):
        hit = _selector_expression(tcl_words(rest, command=False)[0], ctx)
    else:
        return _saved_process_target(selector)
    if what == "xfail":
        return "F" if hit else "P"
    return "S" if hit else "N"


def _selector_opd(op, ctx):
    return process_target("target " + _list_elem(op), ctx) == "S"


def _selector_list(words, ctx):
    return process_target("target " + " ".join(words), ctx) == "S"


def _selector_expression(exp, ctx):
    w = tcl_words(exp, command=False)
    if len(w) == 2 and w[0] == "!":
        return not _selector_opd(w[1], ctx)
    if len(w) == 3 and w[1] == "&&":
        return _selector_opd(w[0], ctx) and _selector_opd(w[2], ctx)
    if len(w) == 3 and w[1] == "||":
        return _selector_opd(w[0], ctx) or _selector_opd(w[2], ctx)
    return _selector_list(w, ctx)


def _check_flags(args, ctx):
    """libffi.exp check-flags / DejaGnu check_conditional_xfail on the
    current variant's flags.  args = [comment, selector, incl?, excl?]."""
    incl = args[2] if len(args) > 2 else ""
    excl = args[3] if len(args) > 3 else ""
    if incl == "*" and excl == "":
        return True
    # DejaGnu matches against the previous compile's command line (a
    # global); we use this variant's flags, which is what is meant.
    flags = " %s " % ctx.flags

    def hits(optlists, initial):
        h = initial
        for opt in tcl_words(optlists, command=False):
            words = tcl_words(opt, command=False)
            h = sum(1 for j in words if tcl_glob_match("* %s *" % j, flags))
            if h == len(words):
                break
            h = 0
        return h

    return bool(hits(incl, 1)) and not hits(excl, 0)


class DgState:
    def __init__(self, default_extra):
        self.do_what = ["compile", "", "P"]   # action, selected, expected
        self.extra_flags = default_extra
        self.output_expected = None            # None, "P" or "F"
        self.output_text = ""
        self.output_pieces = []                # [(lineno, text)]
        self.excess_errors_xfail = False
        self.compile_xfail = False
        self.shouldfail = False
        self.unsupported_reason = None


def evaluate_directives(directives, ctx, default_extra=""):
    st = DgState(default_extra)
    for lineno, words in directives:
        if isinstance(words, Exception):
            raise DirectiveError("line %d: %s" % (lineno, words))
        cmd, args = words[0], words[1:]
        try:
            _apply_directive(st, cmd, args, ctx)
        except (DirectiveError, TclError) as e:
            raise DirectiveError("line %d: %s: %s" % (lineno, cmd, e))
    return st


def _apply_directive(st, cmd, args, ctx):
    nargs = len(args)
    if cmd == "dg-do":
        if nargs > 3:
            raise DirectiveError("too many arguments")
        action, selected, expected = args[1], st.do_what[1], st.do_what[2]
        if nargs >= 3:
            r = process_target(args[2], ctx)
            if r == "S":
                selected = "S"
            elif r == "N":
                if selected != "S":
                    selected = "N"
                else:
                    action = st.do_what[0]
            elif r == "F":
                expected = "F"
        else:
            selected, expected = "S", "P"
        if args[1] not in ("preprocess", "compile", "assemble", "link", "run"):
            raise DirectiveError("syntax error")
        st.do_what = [action, selected, expected]
    elif cmd == "dg-options":
        if nargs > 3:
            raise DirectiveError("too many arguments")
        if nargs >= 3:
            r = process_target(args[2], ctx)
            if r == "S":
                st.extra_flags = args[1]
            elif r in ("F", "P"):
                raise DirectiveError("`xfail' not allowed here")
        else:
            st.extra_flags = args[1]
    elif cmd == "dg-additional-options":
        if nargs < 3 or process_target(args[2], ctx) == "S":
            st.extra_flags = (st.extra_flags + " " + args[1]).strip()
    elif cmd == "dg-output":
        if nargs > 3:
            raise DirectiveError("too many arguments")
        expected = st.output_expected or "P"
        if nargs >= 3:
            r = process_target(args[2], ctx)
            if r == "N":
                return
            if r == "F":
                expected = "F"
        st.output_expected = expected
        st.output_text += args[1]
        st.output_pieces.append((int(args[0]), args[1]))
    elif cmd == "dg-skip-if":
        a = args[1:]
        if len(a) < 2 or len(a) > 4:
            raise DirectiveError("dg-skip-if 2: need 2, 3, or 4 arguments")
        if st.do_what[1] == "N":
            return
        if process_target("target " + _list_elem(tcl_trim(a[1])), ctx) == "S" \
                and _check_flags(a, ctx):
            st.do_what = [st.do_what[0], "N", "P"]
            st.unsupported_reason = "dg-skip-if %s" % _list_elem(a[1])
    elif cmd == "dg-require-effective-target":
        kw = args[1]
        if nargs >= 3 and process_target(args[2], ctx) != "S":
            return
        known = _required_targets(ctx)
        if kw not in known:
            raise DirectiveError("unknown effective target keyword `%s'" % kw)
        if not known[kw]:
            st.do_what = [st.do_what[0], "N", "P"]
            st.unsupported_reason = "dg-require-effective-target %s" % kw
    elif cmd == "dg-xfail-if":
        a = args[1:]
        if process_target("target " + " ".join(tcl_words(a[1], command=False)), ctx) == "S" \
                and _check_flags(a, ctx):
            st.compile_xfail = True
    elif cmd == "dg-xfail-run-if":
        a = args[1:]
        if process_target("target " + " ".join(tcl_words(a[1], command=False)), ctx) == "S" \
                and _check_flags(a, ctx):
            st.do_what[2] = "F"
    elif cmd == "dg-shouldfail":
        a = args[1:]
        if len(a) < 2 or (process_target("target " + _list_elem(tcl_trim(a[1])), ctx) == "S"
                          and _check_flags(a, ctx)):
            st.shouldfail = True
    elif cmd == "dg-excess-errors":
        if nargs >= 3:
            if process_target(args[2], ctx) in ("F", "S"):
                st.excess_errors_xfail = True
        else:
            st.excess_errors_xfail = True
    elif cmd == "dg-prms-id":
        pass
    else:
        raise DirectiveError("unknown dg option (not supported by this runner)")


def prune_compiler_output(text):
    """DejaGnu prune_warnings + libffi-dg-prune + dg-test's cleanup."""
    text = text.replace("\r", "")
    for pat in (r"(^|\n)[^\n]*linker input file unused since linking not done",
                r"(^|\n)[^\n]*file path prefix [^\n]* never used",
                r"(^|\n)[^\n]*unable to perform all requested operations",
                r"(^|\n)[^\n]*warning: .* has a LOAD segment with RWX permissions"):
        text = re.sub(pat, "", text)
    text = re.sub(r"\n+", "\n", text)
    text = re.sub(r"^\n+", "", text)
    return text


# --------------------------------------------------------------------------
# Fetching libffi's test suite.
# --------------------------------------------------------------------------


def _version_key(path):
    m = re.search(r"libffi[-_](\d+(?:\.\d+)*)", os.path.basename(path.rstrip("/")))
    return tuple(int(x) for x in m.group(1).split(".")) if m else ()


def find_source_tree(cache):
    cands = [os.path.dirname(os.path.dirname(os.path.dirname(p)))
             for p in glob.glob(os.path.join(cache, "libffi-*", "testsuite",
                                             "libffi.call", "ffitest.h"))]
    if not cands:
        return None
    return max(cands, key=_version_key)


def _deb_src_enabled():
    for path in glob.glob("/etc/apt/sources.list") + glob.glob("/etc/apt/sources.list.d/*.list"):
        try:
            with open(path) as f:
                if any(l.strip().startswith("deb-src") for l in f):
                    return True
        except OSError:
            pass
    for path in glob.glob("/etc/apt/sources.list.d/*.sources"):
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            continue
        for stanza in re.split(r"\n\s*\n", text):
            if re.search(r"^Enabled:\s*no\b", stanza, re.M | re.I):
                continue
            m = re.search(r"^Types:(.*)$", stanza, re.M)
            if m and "deb-src" in m.group(1).split():
                return True
    return False


def _run_loud(cmd, cwd=None):
    print("+ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    return subprocess.call(cmd, cwd=cwd)


def fetch_source(cache):
    """Make sure CACHE holds an unpacked libffi source; return its path."""
    tree = find_source_tree(cache)
    if tree:
        return tree
    os.makedirs(cache, exist_ok=True)
    tarballs = glob.glob(os.path.join(cache, "libffi_*.orig.tar.*"))
    if not tarballs:
        is_root = os.geteuid() == 0
        print("libffi test suite not found in %s: fetching Debian's libffi source package"
              % cache, flush=True)
        if not shutil.which("apt-get"):
            sys.exit("error: apt-get not found; put an unpacked libffi source tree "
                     "(libffi-X.Y.Z/testsuite/...) into %s or use --source DIR" % cache)
        if not _deb_src_enabled():
            sources = "/etc/apt/sources.list.d/debian.sources"
            if not is_root or not os.path.exists(sources):
                sys.exit(
                    "error: apt source packages (deb-src) are not enabled.  As root run:\n"
                    "  sed -i 's/^Types: deb$/Types: deb deb-src/' %s && apt-get update\n"
                    "then run this script again (or fetch it yourself:\n"
                    "  cd %s && apt-get source --download-only libffi)" % (sources, cache))
            if _run_loud(["sed", "-i", "s/^Types: deb$/Types: deb deb-src/", sources]) != 0 \
                    or _run_loud(["apt-get", "update"]) != 0:
                sys.exit("error: could not enable deb-src")
        rc = _run_loud(["apt-get", "source", "--download-only", "libffi"], cwd=cache)
        if rc != 0 and is_root:
            _run_loud(["apt-get", "update"])
            rc = _run_loud(["apt-get", "source", "--download-only", "libffi"], cwd=cache)
        if rc != 0:
            sys.exit("error: 'apt-get source --download-only libffi' failed in %s" % cache)
        tarballs = glob.glob(os.path.join(cache, "libffi_*.orig.tar.*"))
        if not tarballs:
            sys.exit("error: no libffi_*.orig.tar.* in %s after apt-get source" % cache)
    tarball = max(tarballs, key=_version_key)
    print("unpacking %s" % tarball, flush=True)
    with tarfile.open(tarball) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(cache, filter="data")
        else:
            tf.extractall(cache)
    tree = find_source_tree(cache)
    if not tree:
        sys.exit("error: %s did not contain libffi's testsuite" % tarball)
    return tree


# --------------------------------------------------------------------------
# Environment of the library under test.
# --------------------------------------------------------------------------

FFICONFIG_H = """\
/* fficonfig.h generated by run-libffi-suite.py for libffi's test suite
   (%(triplet)s).  Only the test sources and ffi_common.h read it.  */
#ifndef FFIX_SUITE_FFICONFIG_H
#define FFIX_SUITE_FFICONFIG_H
#define HAVE_ALLOCA 1
#define HAVE_ALLOCA_H 1
#define HAVE_DLFCN_H 1
#define HAVE_HIDDEN_VISIBILITY_ATTRIBUTE 1
#define HAVE_INTTYPES_H 1
%(have_long_double)s
#define HAVE_MEMCPY 1
#define HAVE_MMAP 1
#define HAVE_MMAP_ANON 1
#define HAVE_MMAP_DEV_ZERO 1
#define HAVE_MMAP_FILE 1
#define HAVE_STDINT_H 1
#define HAVE_STDIO_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_MMAN_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define SIZEOF_DOUBLE %(sizeof_double)s
#define SIZEOF_LONG_DOUBLE %(sizeof_long_double)s
#define SIZEOF_SIZE_T %(sizeof_size_t)s
#define STDC_HEADERS 1
%(static_tramp)s
#ifdef LIBFFI_ASM
#define FFI_HIDDEN(name) .hidden name
#else
#define FFI_HIDDEN __attribute__ ((visibility ("hidden")))
#endif
#endif
"""

PROBE_C = r"""
#define _GNU_SOURCE
#include <ffi.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
static int cb(struct dl_phdr_info *info, size_t size, void *data)
{
  (void) size; (void) data;
  if (info->dlpi_name && strstr(info->dlpi_name, "libffi"))
    printf("lib %s\n", info->dlpi_name);
  return 0;
}
#ifdef PROBE_CLOSURE
static void fn(ffi_cif *c, void *r, void **a, void *u)
{ (void) c; (void) r; (void) a; (void) u; }
#endif
int main(void)
{
  ffi_cif cif0;
  if (ffi_prep_cif(&cif0, FFI_DEFAULT_ABI, 0, &ffi_type_void, 0) != FFI_OK)
    printf("prep_cif error\n");
  dl_iterate_phdr(cb, 0);
  fflush(stdout);
#ifdef PROBE_CLOSURE
  {
    void *code = 0;
    ffi_cif cif;
    ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!cl || !code
        || ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &ffi_type_void, 0) != FFI_OK
        || ffi_prep_closure_loc(cl, &cif, fn, 0, code) != FFI_OK)
      printf("closure error\n");
    else
      printf("closure %d\n", memcmp(cl, code, sizeof(*cl)) == 0);
  }
#endif
  return 0;
}
"""


class Env:
    pass


def _cc_macros(cc, flags):
    try:
        out = subprocess.run(cc + ["-dM", "-E", "-x", "c", "/dev/null"] + flags,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             universal_newlines=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    macros = {}
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) >= 2 and parts[0] == "#define":
            macros[parts[1]] = parts[2] if len(parts) > 2 else ""
    return macros


def feature_test(env, condition):
    """libffi_feature_test: '#include <ffi.h>' + condition compiles?"""
    src = "#include <ffi.h>\n%s\n/* OK */\n#else\n# error Failed %s\n#endif\n" % (
        condition, condition)
    r = subprocess.run(env.cc + ["-fsyntax-only", "-x", "c", "-"] + env.include_flags,
                       input=src, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, env=env.compile_env)
    return r.returncode == 0 and r.stdout.strip() == ""


def run_probe(env, with_closure):
    exe = os.path.join(env.workdir, "probe-closure" if with_closure else "probe")
    src = exe + ".c"
    with open(src, "w") as f:
        f.write(PROBE_C)
    cmd = env.cc + [src] + (["-DPROBE_CLOSURE"] if with_closure else []) + \
        env.include_flags + env.link_flags + ["-o", exe]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, env=env.compile_env)
    if r.returncode != 0:
        return None, "probe failed to build:\n" + r.stdout
    try:
        r = subprocess.run(env.runner + [exe], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT,
                           universal_newlines=True, env=env.run_env, timeout=60,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, "probe timed out"
    info = {"libs": [], "closure": None}
    for line in r.stdout.splitlines():
        if line.startswith("lib "):
            info["libs"].append(line[4:])
        elif line.startswith("closure "):
            info["closure"] = line[8:]
    if r.returncode != 0:
        return info, "probe exited with status %d:\n%s" % (r.returncode, r.stdout)
    return info, None


# --------------------------------------------------------------------------
# Test enumeration.
# --------------------------------------------------------------------------


class Variant:
    def __init__(self, **kw):
        self.__dict__.update(kw)
        self.status = None        # PASS FAIL XFAIL XPASS UNSUPPORTED PENDING
        self.reasons = []
        self.details = []
        self.done = threading.Event()


def _read(path):
    with open(path, encoding="latin-1") as f:
        return f.read()


def _source_with_includes(path, seen=None):
    """Text of a test and of the files it #includes with quotes (same dir)."""
    seen = seen if seen is not None else set()
    if path in seen or not os.path.exists(path):
        return ""
    seen.add(path)
    text = _read(path)
    parts = [text]
    for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
        if os.path.basename(inc) in ("ffitest.h", "fficonfig.h", "ffi.h", "ffi_common.h"):
            continue
        parts.append(_source_with_includes(os.path.join(os.path.dirname(path), inc), seen))
    return "\n".join(parts)


def _search_for(path, pattern):
    """libffi.exp search_for: does any line contain PATTERN?"""
    with open(path, encoding="latin-1") as f:
        return any(pattern in line for line in f)


def enumerate_variants(env, suites, args):
    testsuite = os.path.join(env.source, "testsuite")
    gnu = env.vendor == "gnu"
    if env.vendor == "gnu":
        common = "-W -Wall -Wno-psabi"
    elif env.vendor == "clang":
        common = "-W -Wall"
    else:
        common = ""
    if os.environ.get("LIBFFI_TEST_OPTIMIZATION") is not None:
        optimizations = [os.environ["LIBFFI_TEST_OPTIMIZATION"]]
    elif env.vendor in ("gnu", "clang"):
        optimizations = ["-O0", "-O2"]
    else:
        optimizations = [""]
    targetabis = [""]
    if gnu and env.is_x86_64:
        targetabis = ["", GNUW64_ABI]

    # (suite, list of (file, extra_flags, dgtest)) in DejaGnu's order.
    plan = []
    for suite in suites:
        d = os.path.join(testsuite, "libffi." + suite)
        if suite == "bhaible":
            if env.vendor == "gnu":
                warn = ("-Wno-unused-variable -Wno-unused-parameter "
                        "-Wno-unused-but-set-variable -Wno-uninitialized")
            else:
                warn = "-Wno-unused-variable -Wno-unused-parameter -Wno-uninitialized"
            items = []
            for f in sorted(glob.glob(os.path.join(d, "test-call.c"))):
                items += [(f, "-DDGTEST=%d %s" % (i, warn), i) for i in range(1, 82)]
            for f in sorted(glob.glob(os.path.join(d, "test-callback.c"))):
                items += [(f, "-DDGTEST=%d %s" % (i, warn), i) for i in range(1, 81)]
        elif suite in ("call", "closures"):
            items = [(f, "", None) for f in sorted(glob.glob(os.path.join(d, "*.c")))]
            items += [(f, "", None) for f in sorted(glob.glob(os.path.join(d, "*.cc")))]
        else:
            items = [(f, "", None) for f in sorted(glob.glob(os.path.join(d, "*.c"))
                                                   + glob.glob(os.path.join(d, "*.cc")))]
        plan.append((suite, items))

    # Suite-level gates of the .exp files.
    gates = {}
    if "closures" in suites or "bhaible" in suites:
        gates["closures"] = feature_test(env, "#if FFI_CLOSURES")
    if "complex" in suites:
        gates["complex"] = feature_test(env, "#ifdef FFI_TARGET_HAS_COMPLEX_TYPE")
    if "go" in suites:
        gates["go"] = feature_test(env, "#ifdef FFI_GO_CLOSURES")
    env.gates = gates

    filt = re.compile(args.filter) if args.filter else None
    variants = []
    file_info = {}
    for suite, items in plan:
        for path, extra, dgtest in items:
            base = os.path.basename(path)
            rel = "libffi.%s/%s" % (suite, base)
            if path not in file_info:
                text = _source_with_includes(path)
                uses_go = suite == "go" or bool(GO_API_RE.search(text))
                uses_closures = (suite in ("closures", "go") or base == "test-callback.c"
                                 or uses_go or bool(CLOSURE_API_RE.search(text)))
                uses_complex = suite == "complex" or bool(COMPLEX_API_RE.search(text))
                file_info[path] = {
                    "abi": _search_for(path, "ABI_NUM"),
                    "directives": extract_directives(path),
                    "uses": {"closures": uses_closures, "go": uses_go,
                             "complex": uses_complex},
                }
            info = file_info[path]
            abis = targetabis if info["abi"] else [""]
            for opt in optimizations:
                for abi in abis:
                    tool_flags = " ".join(x for x in (common, extra, opt, abi) if x)
                    short = rel
                    if dgtest is not None:
                        short += " -DDGTEST=%d" % dgtest
                    if opt:
                        short += " " + opt
                    if abi:
                        short += " -DABI_NUM=FFI_GNUW64"
                    if filt and not filt.search(short):
                        continue
                    has_gccbug = False
                    if gnu and "MSABI" in abi and dgtest is not None:
                        cflags = common + " " + extra + " "
                        if (("DGTEST=57 " in cflags and "call.c" in base)
                                or ("DGTEST=54 " in cflags and "callback" in base)
                                or "DGTEST=55 " in cflags or "DGTEST=56 " in cflags):
                            has_gccbug = env.gcc_version < (9, 3)
                    stem = os.path.splitext(base)[0]
                    exe = stem
                    if dgtest is not None:
                        exe += "-DGTEST%d" % dgtest
                    if opt:
                        exe += "-" + re.sub(r"[^A-Za-z0-9]+", "", opt)
                    if abi:
                        exe += "-gnuw64"
                    v = Variant(suite=suite, path=path, rel=rel, name=short,
                                tool_flags=tool_flags, abi=abi, opt=opt,
                                dgtest=dgtest, info=info, has_gccbug=has_gccbug,
                                exe=os.path.join(env.workdir, "libffi." + suite, exe + ".exe"),
                                cxx=path.endswith(".cc"))
                    variants.append(v)
    return variants


def classify_static(env, v, pending):
    """Decide PENDING / UNSUPPORTED before compiling.  Returns True if the
    variant must be compiled and run."""
    uses = v.info["uses"]
    why = []
    if "closures" in pending and uses["closures"]:
        why.append("closures")
    if "go" in pending and uses["go"] and "closures" not in why:
        why.append("go")
    if "complex" in pending and uses["complex"]:
        why.append("complex")
    if "win64" in pending and v.abi == GNUW64_ABI:
        why.append("win64")
    if why:
        v.status = "PENDING"
        v.reasons = why
        return False
    gate = None
    if v.suite == "closures" or (v.suite == "bhaible" and os.path.basename(v.path) == "test-callback.c"):
        gate = ("closures", "#if FFI_CLOSURES")
    elif v.suite == "complex":
        gate = ("complex", "#ifdef FFI_TARGET_HAS_COMPLEX_TYPE")
    elif v.suite == "go":
        gate = ("go", "#ifdef FFI_GO_CLOSURES")
    if gate and not env.gates.get(gate[0], True):
        v.status = "UNSUPPORTED"
        v.reasons = ["ffi.h under test fails '%s' (the .exp file's gate)" % gate[1]]
        return False
    ctx = Context(v.tool_flags, v.has_gccbug)
    try:
        v.dg = evaluate_directives(v.info["directives"], ctx)
    except DirectiveError as e:
        v.status = "FAIL"
        v.reasons = ["ERROR: directive: %s" % e]
        return False
    if v.dg.do_what[1] == "N":
        v.status = "UNSUPPORTED"
        v.reasons = [v.dg.unsupported_reason or "dg-do target selector does not match %s"
                     % TARGET_TRIPLET]
        return False
    return True


# --------------------------------------------------------------------------
# Compile, run, judge.
# --------------------------------------------------------------------------


def _tail(text, n):
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    if lines == [""]:
        return []
    return lines[-n:]


def _signal_name(rc):
    try:
        return signal.Signals(-rc).name
    except (ValueError, AttributeError):
        return "signal %d" % -rc


def run_on_pty(exe, env, timeout):
    """Re-run a failed test with stdout/stderr on a pseudo-terminal, so that
    line-buffered output written before a crash or abort() is not lost (the
    judged run uses a pipe, as DejaGnu does, where it is lost).  Returns the
    output (CR-LF turned into LF) or None."""
    try:
        master, slave = os.openpty()
    except OSError:
        return None
    try:
        p = subprocess.Popen(env.runner + [exe], cwd=os.path.dirname(exe),
                             stdin=subprocess.DEVNULL,
                             stdout=slave, stderr=slave, env=env.run_env,
                             start_new_session=True)
    except OSError:
        os.close(master)
        os.close(slave)
        return None
    os.close(slave)
    chunks = []
    deadline = time.time() + timeout
    try:
        while True:
            left = deadline - time.time()
            if left <= 0:
                p.kill()
                chunks.append(b"\n[timed out]\n")
                break
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:          # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        os.close(master)
    return b"".join(chunks).decode("latin-1").replace("\r\n", "\n")


def _output_diagnosis(pieces, output):
    """Find the first dg-output piece that no longer matches."""
    for k in range(len(pieces) - 1, -1, -1):
        text = "".join(t for _, t in pieces[:k]).replace("\n", "\r?\n")
        try:
            if tcl_regex_to_python(text).search(output):
                lineno, piece = pieces[k]
                return "output matches the dg-output patterns up to line %d; " \
                       "the pattern at line %d does not match next: %r" % (
                           pieces[k - 1][0] if k else 0, lineno, piece)
        except TclRegexError:
            continue
    return None


def run_variant(env, v, args):
    dg = v.dg
    action = dg.do_what[0]
    os.makedirs(os.path.dirname(v.exe), exist_ok=True)
    compiler = env.cxx if v.cxx else env.cc
    flags = tcl_words(v.tool_flags + " " + dg.extra_flags, command=False)
    if action == "run" or action == "link":
        out, kind = v.exe, "executable"
    elif action == "compile":
        out, kind = v.exe[:-4] + ".s", "assembly"
    else:
        v.status = "FAIL"
        v.reasons = ["ERROR: %s: not a valid dg-do keyword for libffi.exp" % action]
        return
    cmd = compiler + [v.path] + flags + env.include_flags
    if kind == "assembly":
        cmd += ["-S"]
    else:
        cmd += env.link_flags + ["-lm"]
    cmd += ["-o", out]
    v.command = cmd
    logs = ["$ " + " ".join(shlex.quote(c) for c in cmd)]
    try:
        if os.path.exists(out):
            os.unlink(out)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, env=env.compile_env,
                           timeout=args.compile_timeout)
        comp_out = r.stdout.decode("utf-8", "replace")
        comp_rc = r.returncode
    except subprocess.TimeoutExpired:
        comp_out, comp_rc = "compiler timed out after %d s" % args.compile_timeout, -1
    logs.append(comp_out)
    pruned = prune_compiler_output(comp_out)
    if comp_rc != 0 and pruned == "":
        pruned = "exit status is %d" % comp_rc
    fails, xfails = [], []
    if pruned:
        msg = "excess errors (compiler output)" if comp_rc == 0 else \
            "compilation failed (status %d)" % comp_rc
        (xfails if (dg.excess_errors_xfail or dg.compile_xfail) else fails).append(msg)
        v.details += ["compiler: " + l for l in _tail(pruned, args.tail)]
    expected_fail = dg.do_what[2] == "F"
    if action == "run":
        if not os.path.exists(out):
            fails.append("compilation failed to produce executable")
        else:
            try:
                r = subprocess.run(env.runner + [out], cwd=os.path.dirname(out),
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env=env.run_env, timeout=args.timeout)
                rc, output = r.returncode, r.stdout.decode("latin-1")
                timed_out = False
            except subprocess.TimeoutExpired as e:
                rc, timed_out = None, True
                output = (e.stdout or b"").decode("latin-1")
            logs.append("--- output ---\n" + output)
            if timed_out:
                exec_ok, why = False, "timed out after %d s" % args.timeout
            elif dg.shouldfail:
                exec_ok = rc != 0
                why = "exit status 0 but dg-shouldfail expects a failure"
            else:
                exec_ok = rc == 0
                why = ("killed by %s" % _signal_name(rc)) if rc is not None and rc < 0 \
                    else "exit status %s" % rc
            out_fail = None
            if exec_ok and dg.output_expected is not None:
                pattern = dg.output_text.replace("\n", "\r?\n")
                try:
                    rx = tcl_regex_to_python(pattern)
                    if not rx.search(output):
                        out_fail = "output pattern test failed"
                        diag = _output_diagnosis(dg.output_pieces, output)
                        if diag:
                            v.details.append(diag)
                except TclRegexError as e:
                    out_fail = "ERROR: cannot translate dg-output pattern: %s" % e
            if not exec_ok:
                (xfails if expected_fail else fails).append("execution test failed: " + why)
            elif expected_fail:
                v.xpass = "execution test passed (xfail in the test's dg-do)"
            if out_fail:
                (xfails if dg.output_expected == "F" else fails).append(out_fail)
            if not exec_ok or out_fail:
                v.details += ["output: " + l for l in _tail(output, args.tail)] or \
                    ["output: (none)"]
            if not exec_ok and not timed_out:
                tty_out = run_on_pty(out, env, args.timeout)
                if tty_out is not None and tty_out.strip() != output.replace("\r\n", "\n").strip():
                    logs.append("--- output of a re-run on a terminal ---\n" + tty_out)
                    v.details += ["re-run on a terminal (line-buffered stdout) printed:"]
                    v.details += ["tty: " + l for l in _tail(tty_out, args.tail)] or \
                        ["tty: (none)"]
    if args.keep:
        with open(v.exe[:-4] + ".log", "w") as f:
            f.write("\n".join(logs) + "\n")
    known = next((reason for rx, reason in EXPECTED_FAILURES if re.search(rx, v.name)), None)
    if fails and known:
        xfails += fails
        fails = []
        v.details.insert(0, "expected failure: " + known)
    if fails:
        v.status = "FAIL"
        v.reasons = fails + xfails
        v.details.insert(0, "command: " + " ".join(shlex.quote(c) for c in cmd))
    elif xfails:
        v.status = "XFAIL"
        v.reasons = xfails
    elif getattr(v, "xpass", None):
        # DejaGnu counts an unexpected pass as a failure (exit status 1).
        v.status = "XPASS"
        v.reasons = [v.xpass]
        v.details = ["command: " + " ".join(shlex.quote(c) for c in cmd)]
    elif known:
        # Listed as a failure of the reference libffi here, yet it passes.
        v.status = "PASS"
        v.reasons = ["passes although listed in EXPECTED_FAILURES: " + known]
        v.details = []
    else:
        v.status = "PASS"
        v.details = []


# --------------------------------------------------------------------------
# Main.
# --------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Run libffi's own test suite (Debian libffi source package) "
                    "against the library named by FFIX_INCLUDE / FFIX_LIBDIR.")
    p.add_argument("--cache", default=os.environ.get("FFIX_CACHE") or
                   os.path.join(os.path.expanduser("~"), ".cache", "ffix"),
                   help="where libffi's source package is fetched and unpacked "
                        "(default: $FFIX_CACHE or ~/.cache/ffix)")
    p.add_argument("--source", help="use this unpacked libffi source tree instead of the cache")
    p.add_argument("--fetch-only", action="store_true",
                   help="fetch/unpack the test suite into the cache and exit")
    p.add_argument("--include", default=os.environ.get("FFIX_INCLUDE"),
                   help="directory with ffi.h and ffitarget.h under test ($FFIX_INCLUDE)")
    p.add_argument("--libdir", default=os.environ.get("FFIX_LIBDIR"),
                   help="directory with libffi.so(.8) under test ($FFIX_LIBDIR)")
    p.add_argument("--suites", default=",".join(ALL_SUITES),
                   help="comma-separated subset of %s (default: all)" % ",".join(ALL_SUITES))
    p.add_argument("--pending", action="append", default=[],
                   help="comma-separated features the library does not provide yet: %s"
                        % ", ".join(FEATURES))
    p.add_argument("-j", "--jobs", type=int, default=2, help="parallel compile/run jobs (2)")
    p.add_argument("--filter", help="only tests whose name (e.g. 'libffi.call/float.c -O2', "
                                    "'libffi.bhaible/test-call.c -DDGTEST=5 -O0 "
                                    "-DABI_NUM=FFI_GNUW64') matches this regex")
    p.add_argument("--keep", metavar="DIR",
                   help="build in DIR and keep binaries and per-test .log files")
    p.add_argument("--cc", default=os.environ.get("FFIX_CC") or os.environ.get("CC") or "gcc",
                   help="C compiler, split like a shell word list ($FFIX_CC, else $CC, "
                        "else gcc); a cross compiler builds the tests for its target")
    p.add_argument("--cxx", default=os.environ.get("FFIX_CXX") or os.environ.get("CXX") or None,
                   help="C++ compiler ($FFIX_CXX, else $CXX, else g++ or the cross "
                        "compiler's g++ next to --cc)")
    p.add_argument("--runner", default=os.environ.get("TEST_RUNNER") or None,
                   help="command that runs a test program, e.g. 'qemu-aarch64-static -L "
                        "/usr/aarch64-linux-gnu' ($TEST_RUNNER; default: none when the "
                        "compiler's target is this machine's, qemu-user for an aarch64 "
                        "cross compiler); '' runs the programs directly")
    p.add_argument("--timeout", type=int, default=60, help="seconds per test run (60)")
    p.add_argument("--compile-timeout", type=int, default=300, help="seconds per compile (300)")
    p.add_argument("--static-tramp", choices=["auto", "yes", "no"], default="auto",
                   help="define FFI_EXEC_STATIC_TRAMP in the generated fficonfig.h; "
                        "auto = probe whether the closure's code address shows the "
                        "closure's bytes (default auto)")
    p.add_argument("--tail", type=int, default=12, help="output lines shown for a failure (12)")
    p.add_argument("--list", action="store_true",
                   help="only list the test variants and their static classification")
    p.add_argument("-v", "--verbose", action="store_true", help="also print passing details")
    a = p.parse_args(argv)
    pend = set()
    for item in a.pending:
        for f in item.split(","):
            f = f.strip()
            if not f:
                continue
            if f not in FEATURES:
                p.error("unknown --pending feature %r (known: %s)" % (f, ", ".join(FEATURES)))
            pend.add(f)
    a.pending = pend
    suites = [s.strip() for s in a.suites.split(",") if s.strip()]
    for s in suites:
        if s not in ALL_SUITES:
            p.error("unknown suite %r (known: %s)" % (s, ", ".join(ALL_SUITES)))
    a.suites = [s for s in ALL_SUITES if s in suites]
    if a.jobs < 1:
        p.error("-j must be at least 1")
    return a


def setup_env(args, source):
    env = Env()
    env.source = source
    if not args.include or not args.libdir:
        sys.exit("error: set FFIX_INCLUDE and FFIX_LIBDIR (or --include/--libdir); e.g. for "
                 "the system libffi:\n  FFIX_INCLUDE=/usr/include/x86_64-linux-gnu "
                 "FFIX_LIBDIR=/usr/lib/x86_64-linux-gnu %s" % sys.argv[0])
    inc, lib = os.path.abspath(args.include), os.path.abspath(args.libdir)
    for h in ("ffi.h", "ffitarget.h"):
        if not os.path.isfile(os.path.join(inc, h)):
            sys.exit("error: %s not found in %s (FFIX_INCLUDE)" % (h, inc))
    if os.path.exists(os.path.join(lib, "libffi.so")):
        lflag = "-lffi"
    elif os.path.exists(os.path.join(lib, "libffi.so.8")):
        lflag = "-l:libffi.so.8"
    else:
        sys.exit("error: neither libffi.so nor libffi.so.8 in %s (FFIX_LIBDIR)" % lib)
    env.include, env.libdir = inc, lib
    env.cc = shlex.split(args.cc)
    if args.cxx:
        env.cxx = shlex.split(args.cxx)
    else:
        # The C++ driver beside the C one: aarch64-linux-gnu-gcc ->
        # aarch64-linux-gnu-g++, /usr/bin/gcc-12 -> /usr/bin/g++-12,
        # clang -> clang++.
        head, tail = os.path.split(env.cc[0])
        m = re.match(r"^(.*-)?(gcc|clang)(-[0-9.]+)?$", tail)
        if m:
            cxx = (m.group(1) or "") + ("g++" if m.group(2) == "gcc" else "clang++") + (m.group(3) or "")
            env.cxx = [os.path.join(head, cxx)] + env.cc[1:]
        else:
            env.cxx = ["g++"]
    for tool in (env.cc, env.cxx):
        if not tool or not shutil.which(tool[0]):
            sys.exit("error: compiler %s not found" % " ".join(tool))
    if args.keep:
        env.workdir = os.path.abspath(args.keep)
        os.makedirs(env.workdir, exist_ok=True)
        env.temporary = False
    else:
        env.workdir = tempfile.mkdtemp(prefix="ffix-libffi-suite-")
        env.temporary = True
    gen_inc = os.path.join(env.workdir, "include")
    os.makedirs(gen_inc, exist_ok=True)
    env.gen_inc = gen_inc
    # -I order: library under test, generated fficonfig.h, libffi's source
    # include dir (ffi_common.h, needed by libffi.call/bpo-38748.c; it has
    # no ffi.h), libffi.call (ffitest.h).
    env.include_flags = ["-I" + inc, "-I" + gen_inc,
                         "-I" + os.path.join(source, "include"),
                         "-I" + os.path.join(source, "testsuite", "libffi.call")]
    env.link_flags = ["-L" + lib, "-Wl,-rpath," + lib, lflag]
    base = dict(os.environ)
    base["LC_ALL"] = "C"
    base.pop("GCC_COLORS", None)
    env.compile_env = base
    run_env = dict(os.environ)
    run_env["LD_LIBRARY_PATH"] = lib + (":" + os.environ["LD_LIBRARY_PATH"]
                                        if os.environ.get("LD_LIBRARY_PATH") else "")
    env.run_env = run_env
    macros = _cc_macros(env.cc, [])
    if "__clang__" in macros:
        env.vendor = "clang"
    elif "__GNUC__" in macros:
        env.vendor = "gnu"
    else:
        env.vendor = "other"
    try:
        env.gcc_version = (int(macros.get("__GNUC__", 0)), int(macros.get("__GNUC_MINOR__", 0)))
    except ValueError:
        env.gcc_version = (0, 0)
    env.cc_version = macros.get("__VERSION__", "?").strip('"')
    env.is_x86_64 = "__x86_64__" in macros and "__ILP32__" not in macros
    set_target(env, macros)
    env.runner = choose_runner(env, args.runner)
    # libffi.exp links aarch64 Linux tests with -lpthread as well.
    if tcl_glob_match("aarch64*-*-linux*", TARGET_TRIPLET):
        env.link_flags.append("-lpthread")
    return env


def canonical_triplet(machine):
    """config.sub's spelling of `cc -dumpmachine` (which omits the vendor):
    x86_64-linux-gnu -> x86_64-pc-linux-gnu, aarch64-linux-gnu ->
    aarch64-unknown-linux-gnu."""
    parts = machine.split("-")
    if len(parts) == 3 and parts[1] == "linux":
        vendor = "pc" if re.match(r"^(x86_64|i[3-7]86)$", parts[0]) else "unknown"
        parts.insert(1, vendor)
    return "-".join(parts)


def set_target(env, macros):
    """The globals the directive selectors read, from the compiler."""
    global TARGET_TRIPLET, TARGET_IS_NATIVE, TARGET_FACTS
    try:
        machine = subprocess.run(env.cc + ["-dumpmachine"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, universal_newlines=True,
                                 check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        machine = ""
    env.machine = machine
    if machine:
        TARGET_TRIPLET = canonical_triplet(machine)
    env.target_cpu = TARGET_TRIPLET.split("-")[0]
    # Native: this machine's processor and operating system (Linux builds
    # only; a mingw or other cross target needs a runner).
    TARGET_IS_NATIVE = (env.target_cpu == os.uname().machine
                        and os.uname().sysname == "Linux" and "-linux" in TARGET_TRIPLET)
    lp64 = "__LP64__" in macros
    size = lambda name, default: macros.get("__SIZEOF_%s__" % name, default)
    TARGET_FACTS = {"lp64": lp64, "ilp32": "__ILP32__" in macros,
                    "x32": "__x86_64__" in macros and "__ILP32__" in macros,
                    "int128": "__SIZEOF_INT128__" in macros,
                    "large_long_double": int(size("LONG_DOUBLE", "8")) > int(size("DOUBLE", "8"))}
    ld, d = size("LONG_DOUBLE", "16"), size("DOUBLE", "8")
    env.config_values = {
        "triplet": machine or TARGET_TRIPLET,
        "sizeof_double": d,
        "sizeof_long_double": ld,
        "sizeof_size_t": size("SIZE_T", "8"),
        # libffi's configure: long double exists when it is wider than double.
        "have_long_double": "#define HAVE_LONG_DOUBLE 1" if int(ld) > int(d)
                            else "/* #undef HAVE_LONG_DOUBLE */",
    }


def choose_runner(env, given):
    """The command a test program runs under: the one given ('' or blank =
    none), else none for this machine's own target, else qemu-user."""
    if given is not None:
        return shlex.split(given)
    if TARGET_IS_NATIVE:
        return []
    if env.target_cpu not in QEMU_RUNNERS:
        sys.exit("error: %s builds for %s, which this machine cannot run; name a runner "
                 "with --runner or TEST_RUNNER" % (" ".join(env.cc), TARGET_TRIPLET))
    qemu, sysroot = QEMU_RUNNERS[env.target_cpu]
    if env.machine and os.path.isdir("/usr/" + env.machine):
        sysroot = "/usr/" + env.machine
    if not shutil.which(qemu):
        sys.exit("error: %s not found (qemu-user-static), needed to run %s programs; or "
                 "name a runner with --runner" % (qemu, TARGET_TRIPLET))
    return [qemu, "-L", sysroot]


def write_fficonfig(env, static_tramp):
    line = "#define FFI_EXEC_STATIC_TRAMP 1" if static_tramp else \
        "/* #undef FFI_EXEC_STATIC_TRAMP */"
    with open(os.path.join(env.gen_inc, "fficonfig.h"), "w") as f:
        f.write(FFICONFIG_H % dict(env.config_values, static_tramp=line))


def print_result(v, args):
    out = ["%s: %s" % (v.status, v.name)]
    if v.reasons:
        if v.status == "PENDING":
            out[0] += " (pending: %s)" % ", ".join(v.reasons)
        else:
            out += ["    " + r for r in v.reasons]
    if v.status in ("FAIL", "XPASS") or (args.verbose and v.details):
        out += ["    " + d for d in v.details]
    print("\n".join(out), flush=True)


def main(argv):
    args = parse_args(argv)
    t0 = time.time()
    if args.source:
        source = os.path.abspath(args.source)
        if not os.path.isfile(os.path.join(source, "testsuite", "libffi.call", "ffitest.h")):
            sys.exit("error: %s is not a libffi source tree" % source)
    else:
        source = fetch_source(os.path.abspath(args.cache))
    if args.fetch_only:
        print("libffi test suite ready in %s" % source)
        return 0
    env = setup_env(args, source)
    try:
        return run(env, args, t0)
    finally:
        if env.temporary:
            shutil.rmtree(env.workdir, ignore_errors=True)


def run(env, args, t0):
    # fficonfig.h first without FFI_EXEC_STATIC_TRAMP (the probe needs none).
    write_fficonfig(env, False)
    need_closure_probe = args.static_tramp == "auto" and "closures" not in args.pending \
        and any(s in args.suites for s in ("closures",))
    info, err = run_probe(env, False)
    if err:
        sys.exit("error: cannot build/run a program against the library under test:\n" + err)
    want = os.path.realpath(os.path.join(env.libdir, "libffi.so.8")
                            if os.path.exists(os.path.join(env.libdir, "libffi.so.8"))
                            else os.path.join(env.libdir, "libffi.so"))
    loaded = [os.path.realpath(p) for p in info["libs"]]
    if want not in loaded:
        sys.exit("error: test programs load %s instead of %s; check LD_LIBRARY_PATH / "
                 "LD_PRELOAD" % (", ".join(info["libs"]) or "no libffi", want))
    static_tramp = args.static_tramp == "yes"
    tramp_note = "from --static-tramp"
    if need_closure_probe:
        cinfo, cerr = run_probe(env, True)
        if cerr or not cinfo or cinfo["closure"] not in ("0", "1"):
            tramp_note = "closure probe failed, left undefined"
            print("warning: closure probe failed: %s" % (cerr or cinfo), flush=True)
        else:
            static_tramp = cinfo["closure"] == "0"
            tramp_note = ("probe: code address does not show the closure's bytes"
                          if static_tramp else "probe: code address aliases the closure")
    elif args.static_tramp == "auto":
        tramp_note = "closure tests not run, left undefined"
    write_fficonfig(env, static_tramp)

    print("libffi test suite: %s" % os.path.join(env.source, "testsuite"))
    print("library under test: FFIX_INCLUDE=%s FFIX_LIBDIR=%s (loads %s)"
          % (env.include, env.libdir, want))
    print("compiler: %s (%s), C++: %s; target %s"
          % (" ".join(env.cc), env.cc_version, " ".join(env.cxx), TARGET_TRIPLET))
    print("runner: %s" % (" ".join(shlex.quote(w) for w in env.runner) or "none (native)"))
    print("fficonfig.h: FFI_EXEC_STATIC_TRAMP %s (%s)"
          % ("defined" if static_tramp else "undefined", tramp_note))
    print("suites: %s; pending: %s; -j %d"
          % (",".join(args.suites), ",".join(sorted(args.pending)) or "none", args.jobs))

    variants = enumerate_variants(env, args.suites, args)
    for gate, ok in sorted(env.gates.items()):
        if not ok:
            print("NOTE: ffi.h under test fails the %s gate of the .exp files: those tests "
                  "are UNSUPPORTED" % gate)
    todo = [v for v in variants if classify_static(env, v, args.pending)]
    for v in variants:
        if v.status is not None:
            v.done.set()
    if args.list:
        for v in variants:
            print("%s: %s" % (v.status or "RUN", v.name))
        print("%d variants, %d to run" % (len(variants), len(todo)))
        return 0
    sys.stdout.flush()

    def work(v):
        try:
            run_variant(env, v, args)
        except Exception as e:  # a runner bug must not hang the printer
            v.status = "FAIL"
            v.reasons = ["ERROR: runner exception: %r" % e]
        finally:
            v.done.set()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        for v in todo:
            pool.submit(work, v)
        for v in variants:
            v.done.wait()
            print_result(v, args)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)

    counts = {}
    for v in variants:
        counts[v.status] = counts.get(v.status, 0) + 1
    pending = [v for v in variants if v.status == "PENDING"]
    by_feature = {}
    for v in pending:
        for r in v.reasons:
            by_feature[r] = by_feature.get(r, 0) + 1
    failed = [v for v in variants if v.status in ("FAIL", "XPASS")]
    passed = counts.get("PASS", 0) + counts.get("XFAIL", 0)
    skipped = counts.get("UNSUPPORTED", 0) + len(pending)
    print()
    print("=== libffi suite summary ===")
    print("PASS %d, FAIL %d, XFAIL %d, XPASS %d, UNSUPPORTED %d, PENDING %d%s"
          % (counts.get("PASS", 0), counts.get("FAIL", 0), counts.get("XFAIL", 0),
             counts.get("XPASS", 0), counts.get("UNSUPPORTED", 0), len(pending),
             (" (" + ", ".join("%s %d" % kv for kv in sorted(by_feature.items())) + ")")
             if by_feature else ""))
    for feature in sorted(by_feature):
        files = sorted({v.rel for v in pending if feature in v.reasons})
        print("pending (%s): %d variants of %d files: %s"
              % (feature, by_feature[feature], len(files), " ".join(files)))
    if failed:
        print("failed:")
        for v in failed:
            print("  %s: %s: %s" % (v.status, v.name, "; ".join(v.reasons)))
    print("time: %.1f s (-j %d)" % (time.time() - t0, args.jobs))
    print("%d passed, %d failed, %d skipped" % (passed, len(failed), skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
