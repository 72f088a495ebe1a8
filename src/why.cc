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
  void add(char c) {
    if (n_ < sizeof buf_ - 1) buf_[n_++] = c;
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

// What each Reason says, in enum order: %0-%3 stand for the numbers
// recorded with it.  TYPED: the reason is about one type, so the line
// names the path to it first.
struct ReasonText {
  Reason reason;
  bool typed;
  const char *text;
};

constexpr ReasonText kReasons[] = {
  {Reason::None, false, "no reason recorded (a bug of ffix's)"},
  {Reason::NullCif, false, "the cif is NULL"},
  {Reason::BadAbi, false, "ABI %0 not supported on this target"},
  {Reason::NullType, true, "the type is NULL"},
  {Reason::NullArgTypes, false, "atypes is NULL with %0 arguments"},
  {Reason::NullElements, true, "NULL element list"},
  {Reason::EmptyElements, true, "empty element list"},
  {Reason::TooDeep, true, "nested deeper than %0 levels"},
  {Reason::TooLarge, true, "size %0 overflows the limit of %1"},
  {Reason::MembersTooLarge, true, "size overflows the limit of %2 at elements[%1]"},
  {Reason::UnknownCode, true, "unknown type code %0"},
  {Reason::ScalarSize, true, "size %0 but type code %1 has size %2"},
  {Reason::BadAlignment, true, "alignment %0 is not a power of two"},
  {Reason::VoidSize0, true, "void of size 0"},
  {Reason::ComplexPart, true, "complex part of type code %0 is not a floating or integer type"},
  {Reason::ComplexSize, true, "complex size %0 is not twice its part's (%1)"},
  {Reason::VectorLane, true, "vector lane of type code %0 is not a number"},
  {Reason::VectorMixed, true, "vector lane %0 has type code %1, lane 0 has %2"},
  {Reason::VectorLayout, true, "vector declared with size %0 and alignment %1, its lanes make %2 and %3"},
  {Reason::NotAStruct, true, "type code %0 is not a struct"},
  {Reason::VariadicFloat, true, "variadic float must be promoted to double"},
  {Reason::VariadicNarrow, true, "variadic integer of size %0 must be promoted to int"},
  {Reason::FixedOverTotal, false, "nfixed %0 > ntotal %1"},
  {Reason::OutOfMemory, false, "out of memory"},
  {Reason::StackTooLarge, false, "the arguments need more than %0 bytes of stack"},
  {Reason::NotPassable, true, "this ABI cannot pass type code %0 of size %1"},
  {Reason::CifNotPrepared, false, "the cif was not prepared successfully"},
  {Reason::NoClosures, false, "ABI %0 has no closures of this kind"},
  {Reason::NullClosure, false, "the closure is NULL"},
  {Reason::TypesChanged, false, "the cif's types changed since ffi_prep_cif"},
};

// The table is indexed by Reason: each row must sit at its own value,
// and every Reason up to the last must have one.
constexpr bool rows_in_order() {
  for (size_t i = 0; i < sizeof kReasons / sizeof kReasons[0]; i++)
    if (static_cast<size_t>(kReasons[i].reason) != i) return false;
  return true;
}
static_assert(rows_in_order(), "kReasons out of enum order");
static_assert(sizeof kReasons / sizeof kReasons[0] == static_cast<size_t>(kLastReason) + 1,
              "a Reason without a row in kReasons");

const ReasonText &reason_text(Reason r) {
  auto i = static_cast<size_t>(r);
  return kReasons[i < sizeof kReasons / sizeof kReasons[0] ? i : 0];
}

void add_reason(Line &line, const Why &why) {
  for (const char *t = reason_text(why.reason).text; *t; t++) {
    if (t[0] == '%' && t[1] >= '0' && t[1] <= '3')
      line.add(why.n[*++t - '0']);
    else
      line.add(*t);
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
  bool typed = reason_text(why.reason).typed;
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
