// The parse entry point (jsonTape), the two calls that hand the tape's arrays to JavaScript
// (jsonSetCollector, jsonBuffers), and what the parse path keeps across calls (jsonMemory,
// jsonTrim).
#pragma once

#include <node_api.h>

namespace afterburner {
namespace json {

napi_value Tape(napi_env env, napi_callback_info info);
napi_value SetCollector(napi_env env, napi_callback_info info);
napi_value Buffers(napi_env env, napi_callback_info info);
napi_value Memory(napi_env env, napi_callback_info info);
napi_value Trim(napi_env env, napi_callback_info info);

}  // namespace json
}  // namespace afterburner
