// Entry point of the addon: every export is registered here, from the one header each C++ file
// declares its entry points in. The exported shape is declared once on the TypeScript side
// (src/core/binding.ts); the loader refuses a build whose interfaceVersion, functions or tape
// layout differ from that declaration.
#include <napi.h>

#include "cpu.h"
#include "json_index.h"
#include "json_input.h"
#include "json_parse.h"
#include "json_query.h"
#include "json_state.h"
#include "json_tape_layout.h"
#include "malloc_controls.h"
#include "simdjson.h"

namespace afterburner {
namespace {

constexpr int kInterfaceVersion = 3;

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("simdjson", SIMDJSON_VERSION);
  out.Set("implementation", simdjson::get_active_implementation()->name());
  out.Set("jsonIndex", jsonwalk::IndexName());
  out.Set("cpu", cpu::Name(cpu::Active()));
  out.Set("napi", NAPI_VERSION);
  return out;
}

// An entry point written against the Node-API C interface (the json functions) as a function.
Napi::Value Function(Napi::Env env, napi_callback callback, const char* name) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, nullptr, &fn);
  return Napi::Value(env, fn);
}

// One group of the tape layout as {name: value}.
template <size_t N>
Napi::Object LayoutGroup(Napi::Env env, const json::LayoutName (&names)[N]) {
  Napi::Object group = Napi::Object::New(env);
  for (const json::LayoutName& entry : names) group.Set(entry.name, Napi::Number::New(env, entry.value));
  return group;
}

// The tape layout (json_tape_layout.h) by name: the loader compares it with the one
// src/core/binding.ts declares and refuses a build where they differ.
Napi::Object TapeLayout(Napi::Env env) {
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("op", LayoutGroup(env, json::kOpNames));
  layout.Set("meta", LayoutGroup(env, json::kMetaNames));
  layout.Set("reason", LayoutGroup(env, json::kReasonNames));
  layout.Set("key", LayoutGroup(env, json::kKeyNames));
  return layout;
}

Napi::Object Malloc(Napi::Env env) {
  Napi::Object malloc = Napi::Object::New(env);
  malloc.Set("glibc", GlibcVersion(env));
#if defined(__GLIBC__)
  malloc.Set("setArenaMax", Napi::Function::New(env, SetArenaMax, "setArenaMax"));
  malloc.Set("trim", Napi::Function::New(env, MallocTrim, "trim"));
  malloc.Set("mallinfo2", Napi::Function::New(env, MallInfo2, "mallinfo2"));
  malloc.Set("info", Napi::Function::New(env, MallocInfo, "info"));
#endif
  return malloc;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("interfaceVersion", Napi::Number::New(env, kInterfaceVersion));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo, "buildInfo"));
  json::InitState(env);
  exports.Set("jsonTapeLayout", TapeLayout(env));
  exports.Set("jsonTape", Function(env, json::Tape, "jsonTape"));
  exports.Set("jsonIsOneByte", Function(env, json::IsOneByteString, "jsonIsOneByte"));
  exports.Set("jsonOneByte", Function(env, json::OneByte, "jsonOneByte"));
  exports.Set("jsonValidate", Function(env, json::Validate, "jsonValidate"));
  exports.Set("jsonGet", Function(env, json::Get, "jsonGet"));
  exports.Set("jsonSetCollector", Function(env, json::SetCollector, "jsonSetCollector"));
  exports.Set("jsonBuffers", Function(env, json::Buffers, "jsonBuffers"));
  exports.Set("jsonMemory", Function(env, json::Memory, "jsonMemory"));
  exports.Set("jsonTrim", Function(env, json::Trim, "jsonTrim"));
  exports.Set("malloc", Malloc(env));
  return exports;
}

}  // namespace
}  // namespace afterburner

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) { return afterburner::Init(env, exports); }
}  // namespace

NODE_API_MODULE(afterburner, Init)
