// The tape builder: turns simdjson's DOM tape into the compact tape src/json/tape.ts builds
// values from (ops, nums, and one array of new keys and distinct strings).
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

#include "json_state.h"

namespace afterburner {
namespace json {

// Walks the element starting at tape index `start` of the document in s.parser into ops/nums
// and META; returns the strings array (new keys, then distinct strings) or null when the input
// must go to the builtin (META_ERROR says why). `in` is the parsed text (its `-0`s are read).
napi_value EmitTape(napi_env env, JsonState& s, const uint8_t* in, size_t start, size_t len);

}  // namespace json
}  // namespace afterburner
