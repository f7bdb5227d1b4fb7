// Shared declarations for the addon's translation units: each concern registers its own exports.
#pragma once
#include <napi.h>

namespace afterburner {
void InitJson(Napi::Env env, Napi::Object exports);
void InitMalloc(Napi::Env env, Napi::Object exports);
// Which stage 1 json.validate and json.get use: "avx512" or "avx2" (native/json_index.cc), or "simdjson".
const char* JsonIndexName();
}  // namespace afterburner
