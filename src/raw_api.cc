// raw_api.cc -- libffi's "raw" argument formats: an array of ffi_raw
// slots (one 8-byte slot per scalar argument, a pointer for structs),
// and the older Java variant, where 64-bit values take two slots.  Calls
// convert to the pointer-array form and use ffi_call.
#include "core.h"

#include <string.h>

using namespace ffix;

// The Java raw API is deprecated in ffi.h, but exported and kept working.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

size_t slots(size_t bytes) { return align_up(bytes, FFI_SIZEOF_ARG) / FFI_SIZEOF_ARG; }

bool by_pointer(const ffi_type *t) { return t->type == FFI_TYPE_STRUCT || t->type == FFI_TYPE_COMPLEX; }

bool java_wide(const ffi_type *t) {
  return t->type == FFI_TYPE_UINT64 || t->type == FFI_TYPE_SINT64 || t->type == FFI_TYPE_DOUBLE;
}

// Fill one slot for what both raw formats keep in a single slot: narrow
// integers widened, pointers, and the aggregates passed by pointer; the
// Java format also widens FFI_TYPE_INT and floats.  False for the rest.
static_assert(sizeof(ffi_java_raw) == sizeof(ffi_raw), "one slot layout for both formats");
bool to_slot(ffi_raw *slot, const ffi_type *t, const void *a, bool java) {
  switch (t->type) {
  case FFI_TYPE_UINT8: slot->uint = *static_cast<const uint8_t *>(a); return true;
  case FFI_TYPE_SINT8: slot->sint = int{*static_cast<const int8_t *>(a)}; return true;  // sign-extended
  case FFI_TYPE_UINT16: slot->uint = *static_cast<const uint16_t *>(a); return true;
  case FFI_TYPE_SINT16: slot->sint = *static_cast<const int16_t *>(a); return true;
  case FFI_TYPE_UINT32: slot->uint = *static_cast<const uint32_t *>(a); return true;
  case FFI_TYPE_INT:
    if (!java) return false;
    [[fallthrough]];
  case FFI_TYPE_SINT32: slot->sint = *static_cast<const int32_t *>(a); return true;
  case FFI_TYPE_FLOAT:
    if (!java) return false;
    slot->flt = *static_cast<const float *>(a);
    return true;
  case FFI_TYPE_STRUCT:
  case FFI_TYPE_COMPLEX: slot->ptr = const_cast<void *>(a); return true;
  case FFI_TYPE_POINTER: slot->ptr = *static_cast<void *const *>(a); return true;
  default: return false;
  }
}

} // namespace

extern "C" {

FFIX_EXPORT size_t ffi_raw_size(ffi_cif *cif) {
  size_t bytes = 0;
  for (unsigned i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    bytes += t->type == FFI_TYPE_STRUCT ? sizeof(ffi_raw) : slots(t->size) * sizeof(ffi_raw);
  }
  return bytes;
}

FFIX_EXPORT void ffi_raw_to_ptrarray(ffi_cif *cif, ffi_raw *raw, void **args) {
  for (unsigned i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    if (by_pointer(t)) {
      args[i] = (raw++)->ptr;
    } else {
      args[i] = raw;
      raw += slots(t->size);
    }
  }
}

FFIX_EXPORT void ffi_ptrarray_to_raw(ffi_cif *cif, void **args, ffi_raw *raw) {
  for (unsigned i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    if (to_slot(raw, t, args[i], false)) {
      raw++;
    } else {
      memcpy(raw->data, args[i], t->size);
      raw += slots(t->size);
    }
  }
}

FFIX_EXPORT void ffi_raw_call(ffi_cif *cif, void (*fn)(void), void *rvalue, ffi_raw *raw) {
  void **avalue = static_cast<void **>(__builtin_alloca((cif->nargs + 1) * sizeof(void *)));
  ffi_raw_to_ptrarray(cif, raw, avalue);
  ffi_call(cif, fn, rvalue, avalue);
}

// The Java flavour: on 64-bit targets every slot is 8 bytes, and 64-bit
// integers and doubles take two slots.  Structs and complex numbers do
// not exist in Java; they get one slot holding a pointer, as in the plain
// raw API (libffi aborts on them).
FFIX_EXPORT size_t ffi_java_raw_size(ffi_cif *cif) {
  size_t n = 0;
  for (unsigned i = 0; i < cif->nargs; i++) n += java_wide(cif->arg_types[i]) ? 2 : 1;
  return n * sizeof(ffi_java_raw);
}

FFIX_EXPORT void ffi_java_raw_to_ptrarray(ffi_cif *cif, ffi_java_raw *raw, void **args) {
  for (unsigned i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    if (by_pointer(t)) {
      args[i] = (raw++)->ptr;
    } else {
      args[i] = raw;
      raw += java_wide(t) ? 2 : 1;
    }
  }
}

FFIX_EXPORT void ffi_java_ptrarray_to_raw(ffi_cif *cif, void **args, ffi_java_raw *raw) {
  for (unsigned i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    if (to_slot(raw, t, args[i], true)) {
      raw++;
    } else {  // 64-bit integers and doubles take two slots; Java has nothing wider
      memcpy(raw->data, args[i], t->size < 8 ? t->size : 8);
      raw += java_wide(t) ? 2 : 1;
    }
  }
}

FFIX_EXPORT void ffi_java_raw_call(ffi_cif *cif, void (*fn)(void), void *rvalue, ffi_java_raw *raw) {
  void **avalue = static_cast<void **>(__builtin_alloca((cif->nargs + 1) * sizeof(void *)));
  ffi_java_raw_to_ptrarray(cif, raw, avalue);
  ffi_call(cif, fn, rvalue, avalue);
}

} // extern "C"

// Raw closures: the closure runs a translator that builds the raw array
// and calls the raw handler.  Seen as an ffi_closure, an ffi_raw_closure's
// translate_args is the fun and this_closure the user_data.
namespace {

void translate_raw(ffi_cif *cif, void *rvalue, void **avalue, void *user_data) {
  auto *cl = static_cast<ffi_raw_closure *>(user_data);
  auto *raw = static_cast<ffi_raw *>(__builtin_alloca(ffi_raw_size(cif) + sizeof(ffi_raw)));
  ffi_ptrarray_to_raw(cif, avalue, raw);
  cl->fun(cif, rvalue, raw, cl->user_data);
}

void translate_java_raw(ffi_cif *cif, void *rvalue, void **avalue, void *user_data) {
  auto *cl = static_cast<ffi_java_raw_closure *>(user_data);
  auto *raw = static_cast<ffi_java_raw *>(__builtin_alloca(ffi_java_raw_size(cif) + sizeof(ffi_java_raw)));
  ffi_java_ptrarray_to_raw(cif, avalue, raw);
  cl->fun(cif, rvalue, raw, cl->user_data);
}

template <class Closure, class Fun>
ffi_status prep_raw(Closure *cl, ffi_cif *cif, void (*translate)(ffi_cif *, void *, void **, void *), Fun fun,
                    void *user_data, void *codeloc) {
  static_assert(offsetof(Closure, translate_args) == offsetof(ffi_closure, fun));
  static_assert(offsetof(Closure, this_closure) == offsetof(ffi_closure, user_data));
  ffi_status s = ffi_prep_closure_loc(reinterpret_cast<ffi_closure *>(cl), cif, translate, cl, codeloc);
  if (s == FFI_OK) {
    cl->fun = fun;
    cl->user_data = user_data;
  }
  return s;
}

} // namespace

extern "C" {

FFIX_EXPORT ffi_status ffi_prep_raw_closure_loc(ffi_raw_closure *cl, ffi_cif *cif,
                                                void (*fun)(ffi_cif *, void *, ffi_raw *, void *),
                                                void *user_data, void *codeloc) {
  if (!cl) return refuse_null_closure("ffi_prep_raw_closure_loc");
  return prep_raw(cl, cif, translate_raw, fun, user_data, codeloc);
}

FFIX_EXPORT ffi_status ffi_prep_raw_closure(ffi_raw_closure *cl, ffi_cif *cif,
                                            void (*fun)(ffi_cif *, void *, ffi_raw *, void *), void *user_data) {
  return ffi_prep_raw_closure_loc(cl, cif, fun, user_data, cl);
}

FFIX_EXPORT ffi_status ffi_prep_java_raw_closure_loc(ffi_java_raw_closure *cl, ffi_cif *cif,
                                                     void (*fun)(ffi_cif *, void *, ffi_java_raw *, void *),
                                                     void *user_data, void *codeloc) {
  if (!cl) return refuse_null_closure("ffi_prep_java_raw_closure_loc");
  return prep_raw(cl, cif, translate_java_raw, fun, user_data, codeloc);
}

FFIX_EXPORT ffi_status ffi_prep_java_raw_closure(ffi_java_raw_closure *cl, ffi_cif *cif,
                                                 void (*fun)(ffi_cif *, void *, ffi_java_raw *, void *),
                                                 void *user_data) {
  return ffi_prep_java_raw_closure_loc(cl, cif, fun, user_data, cl);
}

} // extern "C"
