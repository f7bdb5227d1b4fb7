// json.validate and json.get: stage 1 (the addon's own, json_index.cc, where the processor
// allows, else simdjson's) and the grammar walk (json_walk.cc); get then parses only the found
// value's bytes and emits its tape.
#include "json_query.h"

#include <cstring>
#include <string>
#include <vector>

#include "json_index.h"
#include "json_input.h"
#include "json_state.h"
#include "json_tape.h"
#include "json_tape_layout.h"
#include "json_walk.h"

namespace afterburner {
namespace json {
namespace {

using simdjson::error_code;

// Validation without building anything: simdjson's stage 1 (UTF-8, string extents, unescaped
// control characters, the position of every structural character and scalar) and then a
// grammar walk over those positions (native/json_walk.cc) that checks number, literal and
// escape syntax without converting numbers or unescaping strings. No depth limit (the builtin
// has none either). kValid is certain; kInvalid means "this walk rejected it" (callers let the
// builtin confirm); kStage1Invalid is simdjson's own certain verdict.
enum Verdict { kValid, kInvalid, kStage1Invalid, kUnsure };

inline bool IsWs(uint8_t c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

Verdict Stage1(JsonState& s, const uint8_t* in, size_t len) {
  if (len == 0) return kStage1Invalid;
  if (s.parser.capacity() < len) {
    size_t cap = len < 4096 ? 4096 : len + len / 8;
    if (s.parser.allocate(cap, kMaxDepth)) return kUnsure;
  }
  error_code e = s.parser.implementation->stage1(in, len, simdjson::stage1_mode::regular);
  switch (e) {
    case simdjson::SUCCESS:
      return kValid;
    case simdjson::EMPTY:
    case simdjson::UNCLOSED_STRING:
    case simdjson::UNESCAPED_CHARS:
      return kStage1Invalid;
    default:
      return kUnsure;  // UTF-8 errors: buf.toString() would repair them
  }
}

const bool kIndexed = jsonwalk::IndexAvailable();

// `in` need not be padded (stage 1 and the walk read nothing past `len`). With a query, the
// walk also finds the pointer's value (query->found). With AVX-512 or AVX2, stage 1 is our own
// (jsonwalk::Index: it checks escapes too); its rejections are as certain as simdjson's.
Verdict FastValidate(JsonState& s, const uint8_t* in, size_t len, jsonwalk::Query* query) {
  if (kIndexed) {
    switch (jsonwalk::Index(in, len, s.index, &s.indexCount)) {
      case jsonwalk::kIndexValid:
        return jsonwalk::Walk(in, len, s.index.data(), s.indexCount, s.stack, query, true) ? kValid : kInvalid;
      case jsonwalk::kIndexInvalid:
        return kStage1Invalid;
      default:
        return kUnsure;
    }
  }
  Verdict v = Stage1(s, in, len);
  if (v != kValid) return v;
  const uint32_t* idx = s.parser.implementation->structural_indexes.get();
  const uint32_t n = static_cast<uint32_t>(s.parser.implementation->n_structural_indexes);
  return jsonwalk::Walk(in, len, idx, n, s.stack, query) ? kValid : kInvalid;
}

// Index just past the value that starts at structural index t.
inline uint32_t SkipStructural(const uint8_t* in, const uint32_t* idx, uint32_t t) {
  uint8_t c = in[idx[t]];
  if (c != '{' && c != '[') return t + 1;
  size_t depth = 0;
  do {
    c = in[idx[t]];
    if (c == '{' || c == '[') depth++;
    else if (c == '}' || c == ']') depth--;
    t++;
  } while (depth);
  return t;
}

// Scratch for get() kept across calls; per thread, as each thread has its own environment.
struct GetScratch {
  std::vector<std::string> tokens;
  jsonwalk::Query query;
};
thread_local GetScratch getScratch;

}  // namespace

// validate(input): 1 valid, 0 invalid (simdjson and the builtin agree), -1 ask the builtin.
napi_value Validate(napi_env env, napi_callback_info info) {
  JsonState& s = *State(env);
  napi_value argv[1];
  ArgOrUndefined(env, info, 1, argv);
  size_t len = 0;
  uint32_t reason = 0;
  const uint8_t* in = nullptr;
  if (!InputBytes(env, s, argv[0], &in, &len, &reason)) {
    // A BOM alone decides: the builtin rejects it whatever follows; so does an empty input.
    return Int(env, reason == REASON_BOM || reason == REASON_EMPTY ? 0 : -1);
  }
  Verdict v = FastValidate(s, in, len, nullptr);
  ReleaseIfHuge(s, len);
  // Only simdjson's stage 1 verdicts are taken as certain rejections; the grammar walk's are
  // confirmed by the builtin (so a rejection here can never be wrong, only slower).
  return Int(env, v == kValid ? 1 : v == kStage1Invalid ? 0 : -1);
}

// get(input, tokens): tokens is an array of already-unescaped reference tokens (strings).
// Returns the strings array like tape() with the value's tape, false when the value is absent,
// null when the builtin must decide (invalid or unsupported document).
// One pass validates the whole document (the builtin would throw on it) and finds the value;
// then only the value's own bytes are parsed into a tape.
napi_value Get(napi_env env, napi_callback_info info) {
  JsonState& s = *State(env);
  GetScratch& g = getScratch;
  napi_value argv[2];
  ArgOrUndefined(env, info, 2, argv);
  // META_RESET and META_BUFFERS stay set until JavaScript has acted on them (it clears them).
  s.meta[META_ERROR] = 0;
  napi_value null, falseValue;
  napi_get_null(env, &null);
  napi_get_boolean(env, false, &falseValue);
  uint32_t count = 0;
  napi_get_array_length(env, argv[1], &count);
  if (g.tokens.size() < count) g.tokens.resize(count);
  for (uint32_t t = 0; t < count; t++) {
    napi_value tokenValue;
    napi_get_element(env, argv[1], t, &tokenValue);
    size_t tlen = 0;
    napi_get_value_string_utf8(env, tokenValue, nullptr, 0, &tlen);
    std::string& token = g.tokens[t];
    token.resize(tlen + 1);
    napi_get_value_string_utf8(env, tokenValue, &token[0], tlen + 1, &tlen);
    token.resize(tlen);
  }
  size_t len = 0;
  uint32_t reason = 0;
  const uint8_t* in = nullptr;
  if (!InputBytes(env, s, argv[0], &in, &len, &reason)) {
    s.meta[META_ERROR] = reason;
    return null;
  }
  jsonwalk::Query& query = g.query;
  query.tokens = g.tokens.data();
  query.count = count;
  if (FastValidate(s, in, len, &query) != kValid) {
    ReleaseIfHuge(s, len);
    return null;
  }
  if (query.found < 0) {
    ReleaseIfHuge(s, len);
    return falseValue;
  }
  // The value's bytes: from its first structural to the end of its last one (a container) or
  // to the next structural less whitespace (a scalar or string).
  const uint32_t* idx = kIndexed ? s.index.data() : s.parser.implementation->structural_indexes.get();
  const uint32_t n = kIndexed ? s.indexCount : static_cast<uint32_t>(s.parser.implementation->n_structural_indexes);
  const uint32_t t = static_cast<uint32_t>(query.found);
  const uint32_t after = SkipStructural(in, idx, t);
  const uint8_t c = in[idx[t]];
  size_t from = idx[t], to;
  if (c == '{' || c == '[') {
    to = idx[after - 1] + 1;
  } else {
    to = after < n ? idx[after] : len;
    while (to > from && IsWs(in[to - 1])) to--;
  }
  napi_value out = null;
  size_t span = to - from;
  size_t need = span + simdjson::SIMDJSON_PADDING;
  if (s.sub.size() < need) s.sub.resize(need + need / 4);
  std::memcpy(s.sub.data(), in + from, span);
  std::memset(s.sub.data() + span, 0, simdjson::SIMDJSON_PADDING);
  error_code e = s.parser.parse(s.sub.data(), span, false).error();
  if (e) s.meta[META_ERROR] = e;
  else out = EmitTape(env, s, s.sub.data(), 1, span);
  if (s.sub.size() > kKeepCapacity) std::vector<uint8_t>().swap(s.sub);
  ReleaseIfHuge(s, len);
  return out;
}

}  // namespace json
}  // namespace afterburner
