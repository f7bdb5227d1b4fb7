// Entry point of the addon. Keep the exported shape in sync with NATIVE_INTERFACE in
// src/core/native.ts: the loader refuses a build whose interfaceVersion differs.
#include "addon.h"
#include "simdjson.h"

namespace {
constexpr int kInterfaceVersion = 1;

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("simdjson", SIMDJSON_VERSION);
  out.Set("implementation", simdjson::get_active_implementation()->name());
  out.Set("jsonIndex", afterburner::JsonIndexName());
  out.Set("napi", NAPI_VERSION);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("interfaceVersion", Napi::Number::New(env, kInterfaceVersion));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  afterburner::InitJson(env, exports);
  afterburner::InitMalloc(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(afterburner, Init)
