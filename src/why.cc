// why.cc -- recording and reporting refusals for FFIX_DEBUG (why.h), and
// the line fatal() prints: one line, "ffix: FUNCTION: STATUS: WHERE: WHY",
// built in a buffer on the stack (no allocation: the program may be out
// of memory) and written with one write.
#include "core.h"
#include "os.h"

#include <stdlib.h>

namespace ffix {

namespace {

// A line being built; text past its end is dropped.
class Line {
public:
  void add(const char *s) {
    while (*s && n_ < sizeof buf_ - 1) buf_[n_++] = *s++;
  }
  void add(uint64_t v) {
    char digits[24];
    unsigned k = 0;
    do digits[k++] = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
    while (k > 0 && n_ < sizeof buf_ - 1) buf_[n_++] = digits[--k];
  }
  void end() {
    buf_[n_++] = '\n';
    write_stderr(buf_, n_);
  }

private:
  char buf_[2048];
  size_t n_ = 0;
};

const char *status_name(ffi_status s) {
  switch (s) {
  case FFI_OK: return "FFI_OK";
  case FFI_BAD_TYPEDEF: return "FFI_BAD_TYPEDEF";
  case FFI_BAD_ABI: return "FFI_BAD_ABI";
  case FFI_BAD_ARGTYPE: return "FFI_BAD_ARGTYPE";
  default: return "status?";
  }
}

bool debug_enabled() {
  static int state;  // 0: not read yet, 1: off, 2: on
  int s = __atomic_load_n(&state, __ATOMIC_RELAXED);
  if (s == 0) {
    s = debug_requested() ? 2 : 1;
    __atomic_store_n(&state, s, __ATOMIC_RELAXED);
  }
  return s == 2;
}

// The path to the type recorded at level K (outermost first): the
// argument or return type, then elements[i] down to it.
void add_path(Line &line, const Why &why, unsigned k) {
  switch (why.where) {
  case Where::Return: line.add("return type"); break;
  case Where::Argument: line.add("argument "); line.add(uint64_t{why.arg}); break;
  case Where::Struct: line.add("struct_type"); break;
  case Where::Nothing: line.add("signature"); break;
  }
  for (unsigned j = why.steps; j-- > k;) {
    line.add(" -> elements[");
    line.add(uint64_t{why.index[j]});
    line.add("]");
  }
}

void add_reason(Line &line, const Why &why) {
  const uint64_t *n = why.n;
  switch (why.reason) {
  case Reason::None: line.add("no reason recorded (a bug of ffix's)"); break;
  case Reason::NullCif: line.add("the cif is NULL"); break;
  case Reason::BadAbi: line.add("ABI "); line.add(n[0]); line.add(" not supported on this target"); break;
  case Reason::NullType: line.add("the type is NULL"); break;
  case Reason::NullArgTypes: line.add("atypes is NULL with "); line.add(n[0]); line.add(" arguments"); break;
  case Reason::NullElements: line.add("NULL element list"); break;
  case Reason::EmptyElements: line.add("empty element list"); break;
  case Reason::TooDeep: line.add("nested deeper than "); line.add(uint64_t{kMaxDepth}); line.add(" levels"); break;
  case Reason::TooLarge:
    line.add("size "); line.add(n[0]); line.add(" overflows the limit of "); line.add(uint64_t{kMaxTypeSize});
    break;
  case Reason::MembersTooLarge:
    line.add("size overflows the limit of "); line.add(uint64_t{kMaxTypeSize}); line.add(" at elements[");
    line.add(n[1]); line.add("]");
    break;
  case Reason::UnknownCode: line.add("unknown type code "); line.add(n[0]); break;
  case Reason::ScalarSize:
    line.add("size "); line.add(n[0]); line.add(" but type code "); line.add(n[1]); line.add(" has size ");
    line.add(n[2]);
    break;
  case Reason::BadAlignment: line.add("alignment "); line.add(n[0]); line.add(" is not a power of two"); break;
  case Reason::VoidSize0: line.add("void of size 0"); break;
  case Reason::ComplexPart:
    line.add("complex part of type code "); line.add(n[0]); line.add(" is not a floating or integer type");
    break;
  case Reason::ComplexSize:
    line.add("complex size "); line.add(n[0]); line.add(" is not twice its part's ("); line.add(n[1]); line.add(")");
    break;
  case Reason::VectorLane: line.add("vector lane of type code "); line.add(n[0]); line.add(" is not a number"); break;
  case Reason::VectorMixed:
    line.add("vector lane "); line.add(n[0]); line.add(" has type code "); line.add(n[1]);
    line.add(", lane 0 has "); line.add(n[2]);
    break;
  case Reason::VectorLayout:
    line.add("vector declared with size "); line.add(n[0]); line.add(" and alignment "); line.add(n[1]);
    line.add(", its lanes make "); line.add(n[2]); line.add(" and "); line.add(n[3]);
    break;
  case Reason::NotAStruct: line.add("type code "); line.add(n[0]); line.add(" is not a struct"); break;
  case Reason::VariadicFloat: line.add("variadic float must be promoted to double"); break;
  case Reason::VariadicNarrow:
    line.add("variadic integer of size "); line.add(n[0]); line.add(" must be promoted to int");
    break;
  case Reason::FixedOverTotal: line.add("nfixed "); line.add(n[0]); line.add(" > ntotal "); line.add(n[1]); break;
  case Reason::OutOfMemory: line.add("out of memory"); break;
  case Reason::StackTooLarge:
    line.add("the arguments need more than "); line.add(n[0]); line.add(" bytes of stack");
    break;
  case Reason::NotPassable:
    line.add("this ABI cannot pass type code "); line.add(n[0]); line.add(" of size "); line.add(n[1]);
    break;
  case Reason::CifNotPrepared: line.add("the cif was not prepared successfully"); break;
  case Reason::NoClosures: line.add("ABI "); line.add(n[0]); line.add(" has no closures of this kind"); break;
  case Reason::NullClosure: line.add("the closure is NULL"); break;
  }
}

} // namespace

ffi_status refuse(Why *why, Reason reason, const void *type, uint64_t n0, uint64_t n1, uint64_t n2, uint64_t n3,
                  ffi_status s) {
  if (!why) return s;
  why->reason = reason;
  why->where = Where::Nothing;
  why->arg = 0;
  why->n[0] = n0;
  why->n[1] = n1;
  why->n[2] = n2;
  why->n[3] = n3;
  why->steps = 0;
  why->type[0] = type;
  return s;
}

ffi_status step(Why *why, uint32_t i, const void *parent, ffi_status s) {
  if (!why || why->steps >= Why::kSteps) return s;
  why->index[why->steps] = i;
  why->type[++why->steps] = parent;
  return s;
}

ffi_status at(Why *why, Where where, uint32_t arg, ffi_status s) {
  if (!why) return s;
  why->where = where;
  why->arg = arg;
  return s;
}

void report(const char *function, ffi_status s, const Why &why) {
  if (!debug_enabled()) return;
  Line line;
  line.add("ffix: ");
  line.add(function);
  line.add(": ");
  line.add(status_name(s));
  line.add(": ");
  bool typed = why.reason != Reason::None && why.reason != Reason::NullCif && why.reason != Reason::BadAbi &&
               why.reason != Reason::NullArgTypes && why.reason != Reason::FixedOverTotal &&
               why.reason != Reason::OutOfMemory && why.reason != Reason::StackTooLarge &&
               why.reason != Reason::CifNotPrepared && why.reason != Reason::NoClosures &&
               why.reason != Reason::NullClosure;
  // Too deep: a type met again on the way down is a cycle.  type[k] is
  // steps - k levels below the top; the first repeat from the top is the
  // highest level j whose type an ancestor k > j has too.
  if (why.reason == Reason::TooDeep) {
    for (unsigned j = why.steps + 1; j-- > 0;)
      for (unsigned k = why.steps + 1; k-- > j + 1;)
        if (why.type[k] == why.type[j] && why.type[j]) {
          add_path(line, why, j);
          line.add(": cycle back to ");
          add_path(line, why, k);
          line.end();
          return;
        }
  }
  if (typed) {
    add_path(line, why, 0);
    line.add(": ");
  }
  add_reason(line, why);
  line.end();
}

void fatal(const char *function, const char *message) {
  Line line;
  line.add("ffix: ");
  line.add(function);
  line.add(": abort: ");
  line.add(message);
  line.end();
  abort();
}

} // namespace ffix
