// unwind.cc -- C++ exceptions thrown by a callee cross ffi_call, and
// thrown by a closure's handler cross the closure's entry, out to the
// caller's handler (DWARF unwind info on Linux, SEH unwind data on
// Windows: the assembly describes its frames for both).  TAP output.
#include <ffi.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

namespace {

int points;
int failures;

void ok(bool cond, const char *what)
{
  ++points;
  if (!cond) ++failures;
  std::printf("%s %d - %s\n", cond ? "ok" : "not ok", points, what);
}

__attribute__((noinline)) int thrower(int x)
{
  if (x > 0) throw std::runtime_error("callee " + std::to_string(x));
  return -x;
}

// Eight arguments: some on the stack, so the frame ffi_call built is
// really in the way of the unwinder.
__attribute__((noinline)) double thrower8(double a, int b, double c, int d, double e, int f, double g, int h)
{
  if (h > 0) throw std::runtime_error("callee8");
  return a + b + c + d + e + f + g + h;
}

#if defined(X86_64)
// x86-64 Linux: the Microsoft convention's frames unwind too.
__attribute__((noinline, ms_abi)) int thrower_ms(int x, double, int, double, int y)
{
  if (x > 0) throw std::runtime_error("ms callee");
  return y;
}
#endif

void handler(ffi_cif *, void *ret, void **args, void *user)
{
  int x = *static_cast<int *>(args[0]);
  if (x > 0) throw std::runtime_error(static_cast<const char *>(user));
  *static_cast<ffi_arg *>(ret) = static_cast<ffi_arg>(x * 2);
}

// For Go closures the user data is the closure itself.
void go_handler(ffi_cif *, void *, void **, void *closure)
{
  throw std::runtime_error(static_cast<ffi_go_closure *>(closure)->fun == go_handler ? "go" : "go?");
}

template <class F> std::string caught(F f)
{
  try {
    f();
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "(nothing)";
}

} // namespace

int main()
{
#ifdef _WIN32
  _setmode(_fileno(stdout), _O_BINARY);
#endif
  std::setvbuf(stdout, nullptr, _IONBF, 0);

  ffi_cif cif;
  ffi_type *one[] = {&ffi_type_sint};
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint, one) != FFI_OK) return 99;
  int arg = 5;
  void *values[] = {&arg};
  ffi_arg r = 0;
  ok(caught([&] { ffi_call(&cif, FFI_FN(thrower), &r, values); }) == "callee 5",
     "an exception from the callee crosses ffi_call");
  arg = -4;
  ffi_call(&cif, FFI_FN(thrower), &r, values);
  ok(static_cast<int>(r) == thrower(-4), "ffi_call works after an exception crossed it");

  ffi_cif cif8;
  ffi_type *eight[] = {&ffi_type_double, &ffi_type_sint, &ffi_type_double, &ffi_type_sint,
                       &ffi_type_double, &ffi_type_sint, &ffi_type_double, &ffi_type_sint};
  if (ffi_prep_cif(&cif8, FFI_DEFAULT_ABI, 8, &ffi_type_double, eight) != FFI_OK) return 99;
  double a = 1.5;
  int b = 2, h = 1;
  void *v8[] = {&a, &b, &a, &b, &a, &b, &a, &h};
  double d = 0;
  ok(caught([&] { ffi_call(&cif8, FFI_FN(thrower8), &d, v8); }) == "callee8",
     "an exception crosses ffi_call with stack arguments");

  void *code = nullptr;
  auto *cl = static_cast<ffi_closure *>(ffi_closure_alloc(sizeof(ffi_closure), &code));
  if (!cl || ffi_prep_closure_loc(cl, &cif, handler, const_cast<char *>("handler"), code) != FFI_OK) return 99;
  auto fn = reinterpret_cast<int (*)(int)>(code);
  ok(caught([&] { fn(3); }) == "handler", "an exception from a closure's handler reaches its caller");
  ok(fn(-21) == -42, "the closure works after an exception crossed it");
  arg = 9;
  ok(caught([&] { ffi_call(&cif, FFI_FN(code), &r, values); }) == "handler",
     "an exception crosses a closure called through ffi_call");

  ffi_go_closure gc;
  if (ffi_prep_go_closure(&gc, &cif, go_handler) != FFI_OK) return 99;
  ok(caught([&] { ffi_call_go(&cif, FFI_FN(gc.tramp), &r, values, &gc); }) == "go",
     "an exception crosses a Go closure");
  ffi_closure_free(cl);

#if defined(X86_64)
  ffi_cif ms;
  ffi_type *five[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_sint, &ffi_type_double, &ffi_type_sint};
  if (ffi_prep_cif(&ms, FFI_GNUW64, 5, &ffi_type_sint, five) != FFI_OK) return 99;
  int x = 1, y = 3;
  void *v5[] = {&x, &a, &y, &a, &y};
  ok(caught([&] { ffi_call(&ms, FFI_FN(thrower_ms), &r, v5); }) == "ms callee",
     "FFI_GNUW64: an exception crosses ffi_call");
  ffi_cif ms1;
  if (ffi_prep_cif(&ms1, FFI_GNUW64, 1, &ffi_type_sint, one) != FFI_OK) return 99;
  cl = static_cast<ffi_closure *>(ffi_closure_alloc(sizeof(ffi_closure), &code));
  if (!cl || ffi_prep_closure_loc(cl, &ms1, handler, const_cast<char *>("ms handler"), code) != FFI_OK) return 99;
  auto msfn = reinterpret_cast<int (__attribute__((ms_abi)) *)(int)>(code);
  ok(caught([&] { msfn(2); }) == "ms handler", "FFI_GNUW64: an exception crosses a closure");
  ok(msfn(-5) == -10, "FFI_GNUW64: the closure works after an exception crossed it");
  ffi_closure_free(cl);
#endif
  std::printf("1..%d\n", points);
  return failures ? 1 : 0;
}
