// glibc allocator controls for the gc patch. Everything is a no-op that says so where the C
// library is not glibc (musl, macOS): callers read `glibc` before trusting a result.
#include "malloc_controls.h"

#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#include <cstdio>
#include <cstdlib>
#endif

namespace afterburner {

#if defined(__GLIBC__)
// mallopt(M_ARENA_MAX, n): takes effect for arenas created from now on; existing ones stay.
Napi::Value SetArenaMax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "setArenaMax(n): n must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) {
    Napi::RangeError::New(env, "setArenaMax(n): n must be >= 1").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::Boolean::New(env, mallopt(M_ARENA_MAX, n) == 1);
}

// malloc_trim(pad): returns true when memory was released to the system.
Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t pad = 0;
  if (info.Length() > 0 && info[0].IsNumber()) pad = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  return Napi::Boolean::New(env, malloc_trim(pad) == 1);
}

Napi::Value MallInfo2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
#if __GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)
  struct mallinfo2 mi = mallinfo2();
  out.Set("arena", static_cast<double>(mi.arena));        // non-mmapped bytes from the system
  out.Set("ordblks", static_cast<double>(mi.ordblks));    // free chunks
  out.Set("hblks", static_cast<double>(mi.hblks));        // mmapped chunks
  out.Set("hblkhd", static_cast<double>(mi.hblkhd));      // mmapped bytes
  out.Set("uordblks", static_cast<double>(mi.uordblks));  // bytes in use
  out.Set("fordblks", static_cast<double>(mi.fordblks));  // free bytes
  out.Set("keepcost", static_cast<double>(mi.keepcost));  // trimmable top
#endif
  return out;
}

// malloc_info() XML: one <heap nr="..."> per arena, the only exact way to count arenas.
Napi::Value MallocInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  char* buffer = nullptr;
  size_t size = 0;
  FILE* stream = open_memstream(&buffer, &size);
  if (stream == nullptr) return env.Null();
  int rc = malloc_info(0, stream);
  fclose(stream);
  Napi::Value out = rc == 0 ? Napi::String::New(env, buffer, size) : env.Null();
  free(buffer);
  return out;
}
#endif

Napi::Value GlibcVersion(Napi::Env env) {
#if defined(__GLIBC__)
  return Napi::String::New(env, std::to_string(__GLIBC__) + "." + std::to_string(__GLIBC_MINOR__));
#else
  return env.Null();
#endif
}

}  // namespace afterburner
