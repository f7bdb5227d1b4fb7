// What every json entry point shares: the per-environment JsonState (the simdjson parser, the
// input and scratch buffers, the intern tables, the ops/nums/meta arrays JavaScript reads, the
// tape walk's cursor), its creation and release, and the small Node-API argument helpers.
// One JsonState per Node-API environment (each worker thread has its own), as instance data.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "json_tables.h"
#include "json_tape_layout.h"
#include "simdjson.h"

namespace afterburner {
namespace json {

// Inputs above this size release the parser's buffers afterwards instead of keeping them.
constexpr size_t kKeepCapacity = 1u << 20;
// The most a buffer grows for such an input (capacity for it plus a quarter).
constexpr size_t kKeep = kKeepCapacity + kKeepCapacity / 4;
constexpr uint32_t kLocalKey = KEY_LOCAL;
constexpr size_t kMaxDepth = 1000;

// `bool v8::String::IsOneByte() const` from the running node binary, or null (json_input.cc says
// why and how it is found).
using IsOneByteFn = bool (*)(const void* self);

// An integer zero of the tape: its nums index and the structural index of its token.
struct ZeroSlot {
  uint32_t slot, token;
};

constexpr uint32_t kNoShape = 0xFFFFFFFFu;  // "no shape" in JsonState::predict and lastShape

struct JsonState {
  simdjson::dom::parser parser;
  std::vector<uint8_t> input;  // padded copy of the input bytes
  std::vector<uint8_t> sub;    // padded copy of one value's bytes (get)
  std::vector<uint8_t> stack;  // open containers while validating (no depth limit, like the builtin)
  std::vector<uint32_t> index;  // structural positions from jsonwalk::Index (validate, get)
  uint32_t indexCount = 0;
  KeyTable keys;
  ShapeTable shapes;
  SeenOnce seenKeys, seenShapes;
  uint32_t docKeysLeft = 0, docShapesLeft = 0;  // this document's budget (see kDocKeysBase)
  uint32_t resets = 0;                          // key/shape table resets (a budget was reached)
  StringTable strings;
  std::vector<uint32_t> keyScratch;
  std::vector<uint32_t> strHash;  // hashes of string values of the open objects (EmitValue '{')
  std::vector<uint32_t> defs;
  // Integer zeros in document order (RestoreMinusZeros): [0, zeroCount) in use. Grown by hand, as
  // the vector's push_back was not inlined into the walk.
  std::vector<ZeroSlot> zeroSlots = std::vector<ZeroSlot>(256);
  size_t zeroCount = 0;
  uint32_t keysBefore = 0;
  bool pendingReset = false;
  IsOneByteFn isOneByte = nullptr;  // see ResolveIsOneByte
  std::vector<uint32_t> highBytes;  // scratch of Latin1ToUtf8InPlace
  std::vector<uint16_t> wide;       // code units of a two-byte string
  std::vector<uint16_t> units;      // one decoded string (MakeString)

  napi_ref opsRef = nullptr, numsRef = nullptr, metaRef = nullptr, concatRef = nullptr, collectRef = nullptr;
  std::vector<napi_value> values;
  uint32_t* ops = nullptr;
  size_t opsCap = 0;
  double* nums = nullptr;
  size_t numsCap = 0;
  uint32_t* meta = nullptr;

  // Walk state.
  const uint64_t* tape = nullptr;
  const uint8_t* sbuf = nullptr;
  size_t o = 0, q = 0;
  size_t st = 0;  // structural index of the next token (see RestoreMinusZeros)
  uint32_t predict = kNoShape;    // shape to try first for the next object (array siblings)
  uint32_t lastShape = kNoShape;  // shape of the object just emitted, else kNoShape
};

// Makes this environment's JsonState (its meta array, first output buffers, the IsOneByte probe)
// and hands it to Node-API as instance data, freed with the environment.
void InitState(napi_env env);

inline JsonState* State(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<JsonState*>(data);
}

// Grows ops/nums for a simdjson tape of `tapeWords` words; sets META_BUFFERS when they moved.
bool EnsureOutput(napi_env env, JsonState& s, size_t tapeWords);

// Every buffer kept for reuse goes back to the system (the tables stay).
void ReleaseBuffers(JsonState& s);

// Bytes kept across calls by the tables and by the buffers, and the most each can be: the
// tables' budgets (json_tables.h), and the buffers for an input of kKeepCapacity bytes.
size_t TableBytes(const JsonState& s);
size_t BufferBytes(const JsonState& s);
size_t TableCeiling();
size_t BufferCeiling();

// After a call on `len` input bytes: huge documents do not keep their buffers.
inline void ReleaseIfHuge(JsonState& s, size_t len) {
  if (len <= kKeepCapacity) return;
  ReleaseBuffers(s);
}

inline napi_value ArgOrUndefined(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_value undef;
  napi_get_undefined(env, &undef);
  for (size_t k = argc; k < want; k++) argv[k] = undef;
  return argv[0];
}

inline napi_value Int(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

}  // namespace json
}  // namespace afterburner
