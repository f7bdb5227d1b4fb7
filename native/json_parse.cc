// json.parse: load the input, parse it with simdjson's DOM parser, emit the tape.
#include "json_parse.h"

#include "json_input.h"
#include "json_state.h"
#include "json_tape.h"
#include "json_tape_layout.h"

namespace afterburner {
namespace json {
namespace {

using simdjson::error_code;

error_code ParseLoaded(JsonState& s, size_t len) {
  if (s.parser.capacity() < len || s.parser.max_depth() != kMaxDepth) {
    size_t cap = len < 4096 ? 4096 : len + len / 8;
    error_code e = s.parser.allocate(cap, kMaxDepth);
    if (e) return e;
  }
  return s.parser.parse(s.input.data(), len, false).error();
}

}  // namespace

napi_value Tape(napi_env env, napi_callback_info info) {
  JsonState& s = *State(env);
  napi_value argv[1];
  ArgOrUndefined(env, info, 1, argv);
  // META_RESET and META_BUFFERS stay set until JavaScript has acted on them (it clears them).
  s.meta[META_ERROR] = 0;
  napi_value null;
  napi_get_null(env, &null);
  size_t len = 0;
  uint32_t reason = 0;
  if (!LoadInput(env, s, argv[0], &len, &reason)) {
    s.meta[META_ERROR] = reason;
    return null;
  }
  error_code e = ParseLoaded(s, len);
  if (e) {
    s.meta[META_ERROR] = e;
    ReleaseIfHuge(s, len);
    return null;
  }
  napi_value out = EmitTape(env, s, s.input.data(), 1, len);
  ReleaseIfHuge(s, len);
  return out;
}

// setCollector(fn): the `(...v) => v` function that turns strings into an array (see EmitTape).
napi_value SetCollector(napi_env env, napi_callback_info info) {
  JsonState& s = *State(env);
  napi_value argv[1];
  ArgOrUndefined(env, info, 1, argv);
  if (s.collectRef) napi_delete_reference(env, s.collectRef);
  s.collectRef = nullptr;
  napi_create_reference(env, argv[0], 1, &s.collectRef);
  napi_value undef;
  napi_get_undefined(env, &undef);
  return undef;
}

// buffers(): [ops, nums, meta] current typed arrays.
// Made by the collector when it is set (element setters on the prototypes are not called).
napi_value Buffers(napi_env env, napi_callback_info) {
  JsonState& s = *State(env);
  napi_value out, v[3], collect, undef;
  napi_get_reference_value(env, s.opsRef, &v[0]);
  napi_get_reference_value(env, s.numsRef, &v[1]);
  napi_get_reference_value(env, s.metaRef, &v[2]);
  napi_get_undefined(env, &undef);
  if (s.collectRef && napi_get_reference_value(env, s.collectRef, &collect) == napi_ok &&
      napi_call_function(env, undef, collect, 3, v, &out) == napi_ok) {
    return out;
  }
  napi_create_array_with_length(env, 3, &out);
  for (uint32_t k = 0; k < 3; k++) napi_set_element(env, out, k, v[k]);
  return out;
}

// memory(): [native table bytes, buffer bytes, ceiling of the tables (native and JavaScript's),
// ceiling of the buffers, keys, shapes, table resets, estimated bytes of JavaScript's factories].
// For status().json.memory.
napi_value Memory(napi_env env, napi_callback_info) {
  JsonState& s = *State(env);
  napi_value out, v;
  napi_create_array_with_length(env, 8, &out);
  const double values[8] = {double(TableBytes(s)), double(BufferBytes(s)), double(TableCeiling()), double(BufferCeiling()),
                            double(s.keys.count), double(s.shapes.count), double(s.resets), double(s.shapes.factoryBytes)};
  for (uint32_t k = 0; k < 8; k++) {
    napi_create_double(env, values[k], &v);
    napi_set_element(env, out, k, v);
  }
  return out;
}

// trim(): gives back every buffer kept for reuse (after a quiet period; the tables stay).
napi_value Trim(napi_env env, napi_callback_info) {
  JsonState& s = *State(env);
  ReleaseBuffers(s);
  napi_value undef;
  napi_get_undefined(env, &undef);
  return undef;
}

}  // namespace json
}  // namespace afterburner
