// Input loading: the bytes of a string or Uint8Array argument as UTF-8 for simdjson, by the
// fastest route the string's storage allows (V8's IsOneByte probe, Latin-1 and UTF-16
// transcoders), and the jsonOneByte / jsonIsOneByte entry points that expose the probe.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

#include "json_state.h"

namespace afterburner {
namespace json {

// V8's IsOneByte from the running node binary, or null where it cannot be found.
IsOneByteFn ResolveIsOneByte();

// The input as UTF-8 in s.input, padded for simdjson. False with a reason (REASON_*) when the
// builtin must answer instead (a BOM, a lone surrogate, not a string or byte array, too large).
bool LoadInput(napi_env env, JsonState& s, napi_value value, size_t* len, uint32_t* reason);

// The bytes to validate: a Uint8Array's own memory when no other thread can write to it, else
// LoadInput's copy. Not padded.
bool InputBytes(napi_env env, JsonState& s, napi_value value, const uint8_t** data, size_t* len, uint32_t* reason);

// jsonOneByte(enable?) and jsonIsOneByte(value).
napi_value OneByte(napi_env env, napi_callback_info info);
napi_value IsOneByteString(napi_env env, napi_callback_info info);

}  // namespace json
}  // namespace afterburner
