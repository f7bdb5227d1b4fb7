// glibc allocator controls for the gc patch (native/malloc_controls.cc), exported as `malloc`.
#pragma once

#include <napi.h>

#include <cstdlib>

namespace afterburner {

// glibc's version ("2.36"), or null where the C library is not glibc (musl, macOS): then `malloc`
// has no functions, and callers read `glibc` before trusting a result.
Napi::Value GlibcVersion(Napi::Env env);

#if defined(__GLIBC__)
Napi::Value SetArenaMax(const Napi::CallbackInfo& info);
Napi::Value MallocTrim(const Napi::CallbackInfo& info);
Napi::Value MallInfo2(const Napi::CallbackInfo& info);
Napi::Value MallocInfo(const Napi::CallbackInfo& info);
#endif

}  // namespace afterburner
