// The parse entry point (jsonTape) and the two calls that hand the tape's arrays to JavaScript
// (jsonSetCollector, jsonBuffers).
#pragma once

#include <node_api.h>

namespace afterburner {
namespace json {

napi_value Tape(napi_env env, napi_callback_info info);
napi_value SetCollector(napi_env env, napi_callback_info info);
napi_value Buffers(napi_env env, napi_callback_info info);

}  // namespace json
}  // namespace afterburner
