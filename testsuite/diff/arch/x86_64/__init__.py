"""x86-64: what gen.py emits that depends on the architecture, and runner.py's messages.

Calling conventions: sysv (the System V psABI), win64 and gnuw64 (the Microsoft x64
convention, callees declared __attribute__((ms_abi)), cif of FFI_WIN64 or FFI_GNUW64).  The C
half of this architecture is arch.h (inline assembly of the runtime) and thunks.h (macros of
the thunks below); abi.py classifies the types (which results come back through a hidden
pointer, where each argument travels, for messages) and names libffi 3.4.4's bugs.
The interface every architecture package provides is described in ../__init__.py.
"""

import gen

from . import abi

NAME = 'x86_64'
ABIS = ('sysv', 'win64', 'gnuw64')
MS_ABI_ATTR = '__attribute__((ms_abi))'

# included at the top of thunks.c
THUNKS_HEADER = 'arch/x86_64/thunks.h'

ret_in_memory = abi.ret_in_memory
describe = abi.describe
known_libffi_bugs = abi.known_libffi_bugs


def default_abis(windows):
    """The conventions tested when FFIX_DIFF_ABI is not set; a Windows build has no System
    V ABI."""
    return ['gnuw64', 'win64'] if windows else ['sysv', 'win64', 'gnuw64']


def callee_attribute(abi_name):
    """The attribute of a function (or function pointer) type of this convention, or ''."""
    return MS_ABI_ATTR if abi_name in gen.MS_ABIS else ''


def read_va_tail(sig):
    """The lines that read the variadic arguments of sig's callee into a<nfixed>...; None:
    with <stdarg.h>'s va_list (System V)."""
    if not sig.ms:
        return None
    # GCC on Linux reads a by-reference variadic argument of an ms_abi function as if it
    # were passed by value (its va_arg looks at the default ABI), so read the pointer
    out = ['  __builtin_ms_va_list ap;',
           '  __builtin_ms_va_start(ap, a%d);' % (sig.nfixed - 1)]
    for i in range(sig.nfixed, len(sig.args)):
        t = sig.args[i]
        if abi.ms_by_reference(t):
            out.append('  %s = *__builtin_va_arg(ap, %s *);' % (t.decl('a%d' % i), t.c))
        else:
            out.append('  %s = __builtin_va_arg(ap, %s);' % (t.decl('a%d' % i), t.c))
    out.append('  __builtin_ms_va_end(ap);')
    return out


def rvalue_limit(sig):
    """C expression: how many bytes of rvalue ffi_call may write.  System V: the result's
    size, at least 8 (gen.default_rvalue_limit).  Microsoft x64: a whole ffi_arg for an integer
    narrower than 8 bytes (it is widened), else exactly the type's size: a struct or complex
    type of 1, 2 or 4 bytes comes back in rax but only its own bytes are stored."""
    if not sig.ms:
        return gen.default_rvalue_limit(sig)
    if sig.ret is None:
        return '0'
    if gen.is_narrow(sig.ret):
        return '8'
    return 'sizeof(%s)' % sig.ret.c


def checks_narrow_extension(sig):
    """Whether a closure returning an 8- or 16-bit integer is also called as returning
    uint64_t to check that %eax is sign- or zero-extended (NARROW-RESULT-NOT-EXTENDED): under
    System V only, where clang-compiled callers rely on it."""
    return not sig.ms


# --------------------------------------------------------------------------------------------
# Assembly thunks (thunks.c)

# A narrow integer result is defined only in its low 8/16/32 bits of %rax (psABI 3.2.3); GCC
# zero- or sign-extends anyway, so a thunk puts junk in the upper bits: the caller (ffi_call,
# or the compiler at the direct call) has to do the widening itself.  The thunk pops the
# return address, so the callee sees the very same stack (arguments and alignment), and jumps
# back through a saved copy.  (Thunks are naked functions: GCC emits the symbol for ELF and
# COFF alike.)
NARROW_THUNK = r"""ASM_FUNC_BEGIN("%(f)s")
        "  popq %%r11\n"
        "  movq %%r11, %(f)s_ra(%%rip)\n"
        "  call %(f)s_impl\n"
        "  %(ext)s\n"
        "  movabsq $%(junk)s, %%r11\n"
        "  orq %%r11, %%rax\n"
        "  jmp *%(f)s_ra(%%rip)\n"
        ASM_FUNC_END("%(f)s")"""
NARROW_THUNK_VAR = '__attribute__((visibility("hidden"), used)) uint64_t %(f)s_ra;'

# A result returned in memory: the callee receives the address of the caller's buffer as a
# hidden first argument (rdi; rcx under the Microsoft convention), and the type's alignment is
# part of the contract (a callee may store with movaps).  A thunk records the address, the
# callee logs !MISALIGNED-RETPTR: if it is not aligned for the result type.
RETPTR_THUNK = r"""ASM_FUNC_BEGIN("%(f)s")
        "  movq %%%(reg)s, %(f)s_rp(%%rip)\n"
        "  jmp %(f)s_impl\n"
        ASM_FUNC_END("%(f)s")"""
RETPTR_THUNK_VAR = '__attribute__((visibility("hidden"), used)) uint64_t %(f)s_rp;'

_NARROW = {1: ('movzbl %%al, %%eax', '0xa5c3e1f00f1e3c00'),
           2: ('movzwl %%ax, %%eax', '0xa5c3e1f00f1e0000'),
           4: ('movl %%eax, %%eax', '0xa5c3e1f000000000')}


def thunk(sig):
    """The assembly thunk of sig's callee (a gen.Thunk), or None if it has none: for a
    narrow integer result (junk in the upper bits of rax) and for a result returned in memory
    (records the hidden pointer)."""
    f = sig.fname
    if gen.is_narrow(sig.ret):
        ext, junk = _NARROW[sig.ret.size]
        return gen.Thunk(NARROW_THUNK % {'f': f, 'ext': ext.replace('%%', '%'), 'junk': junk},
                         [NARROW_THUNK_VAR % {'f': f}])
    if ret_in_memory(sig):
        return gen.Thunk(RETPTR_THUNK % {'f': f, 'reg': 'rcx' if sig.ms else 'rdi'},
                         [RETPTR_THUNK_VAR % {'f': f}], retptr='%s_rp' % f)
    return None
