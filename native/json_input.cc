// Input loading and transcoding. simdjson wants UTF-8 in a padded buffer; a JavaScript string is
// Latin-1 or UTF-16 inside V8. Asking V8 for UTF-8 is its slowest path, so the string's storage
// is asked first (IsOneByte) and the bytes are copied out in their own form and transcoded here.
#include "json_input.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstring>
#include <vector>

#include "json_tape_layout.h"

namespace afterburner {
namespace json {

// `bool v8::String::IsOneByte() const`, resolved from the running node binary at load time.
// Why V8's API here: whether a string is stored one-byte (Latin-1) or two-byte decides how its
// bytes are best obtained (a one-byte string copies out as Latin-1 at memcpy speed; a two-byte one
// as UTF-16 code units, transcoded below, 2-3x faster than V8's own UTF-8 writer, which is what
// made two-byte documents a loss), and the router keeps separate timings for the two (src/patches/json.ts).
// Node-API has no O(1) answer (sampling characters can miss the one non-Latin-1 character of a
// document). IsOneByte() reads the representation bit of the string's map (cons strings included;
// it never scans and never allocates; false negatives are possible and harmless: such a string
// takes the two-byte path). The addon is a Node-API build loaded by Node 20-26, so nothing from
// v8.h is compiled in: the symbol is looked up by its Itanium-mangled name, and the call passes the
// napi_value itself as `this`. That is exactly what `Local<String>->IsOneByte()` does: Node's
// src/js_native_api_v8.h converts with `JsValueFromV8LocalValue(local) = reinterpret_cast<napi_value>(*local)`
// and memcpy back (static_assert(sizeof(v8::Local<v8::Value>) == sizeof(napi_value))), i.e. a
// napi_value is the Local's only field, and `*local` is the `this` of a member call. It is only
// ever called on a value napi_typeof reported as a string. The node binaries of the supported
// majors export it (benchmarks/README.md: which versions were checked). When the lookup fails
// (another embedder, a static build, Windows) or is switched off (jsonOneByte(false)), strings
// are written as UTF-8 by V8 and the router falls back to sampling characters only.
IsOneByteFn ResolveIsOneByte() {
#if (defined(__unix__) || defined(__APPLE__)) && (defined(__x86_64__) || defined(__aarch64__))
  return reinterpret_cast<IsOneByteFn>(dlsym(RTLD_DEFAULT, "_ZNK2v86String9IsOneByteEv"));
#else
  return nullptr;
#endif
}

namespace {

// Latin-1 bytes p[0, n) to UTF-8 in place (the buffer has room for one more byte per byte >= 0x80);
// returns the UTF-8 length. ASCII runs move with memmove, so a document with a few accented
// characters costs a scan, not a byte-by-byte rewrite.
size_t Latin1ToUtf8InPlace(uint8_t* p, size_t n, std::vector<uint32_t>& high) {
  high.clear();
  {
    // Branch-free OR over the whole input first (the compiler vectorizes it): ASCII is the common case.
    uint64_t acc = 0;
    size_t k = 0;
    for (; k + 32 <= n; k += 32) {
      uint64_t a, b, c, d;
      std::memcpy(&a, p + k, 8);
      std::memcpy(&b, p + k + 8, 8);
      std::memcpy(&c, p + k + 16, 8);
      std::memcpy(&d, p + k + 24, 8);
      acc |= a | b | c | d;
    }
    for (; k < n; k++) acc |= p[k];
    if (!(acc & 0x8080808080808080ull)) return n;
  }
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    if (!(v & 0x8080808080808080ull)) continue;
    for (size_t k = i; k < i + 8; k++)
      if (p[k] & 0x80) high.push_back(static_cast<uint32_t>(k));
  }
  for (; i < n; i++)
    if (p[i] & 0x80) high.push_back(static_cast<uint32_t>(i));
  size_t end = n;
  for (size_t k = high.size(); k-- > 0;) {
    // Bytes after high[k] (up to `end`) land k + 1 places further; high[k] itself becomes two bytes.
    size_t at = high[k];
    uint8_t c = p[at];
    std::memmove(p + at + 1 + (k + 1), p + at + 1, end - at - 1);
    p[at + k] = static_cast<uint8_t>(0xC0 | (c >> 6));
    p[at + k + 1] = static_cast<uint8_t>(0x80 | (c & 0x3F));
    end = at;
  }
  return n + high.size();
}

// UTF-16 code units to UTF-8; false on a lone surrogate (UTF-8 cannot carry it, the builtin keeps
// it). ASCII runs go 16 units at a time; a 16-unit block that is not all ASCII is converted unit by
// unit as a whole before the next check (text in Cyrillic or Greek used to pay a failed 16-unit
// and a failed 4-unit check for every letter).
// One unit (two for a surrogate pair) at in[*i]; false on a lone surrogate.
inline bool Utf16Unit(const uint16_t* in, size_t n, size_t* i, uint8_t** out) {
  uint8_t* o = *out;
  uint32_t c = in[(*i)++];
  if (c < 0x80) {
    *o++ = static_cast<uint8_t>(c);
  } else if (c < 0x800) {
    *o++ = static_cast<uint8_t>(0xC0 | (c >> 6));
    *o++ = static_cast<uint8_t>(0x80 | (c & 0x3F));
  } else if (c < 0xD800 || c > 0xDFFF) {
    *o++ = static_cast<uint8_t>(0xE0 | (c >> 12));
    *o++ = static_cast<uint8_t>(0x80 | ((c >> 6) & 0x3F));
    *o++ = static_cast<uint8_t>(0x80 | (c & 0x3F));
  } else if (c <= 0xDBFF && *i < n && in[*i] >= 0xDC00 && in[*i] <= 0xDFFF) {
    uint32_t cp = 0x10000 + ((c - 0xD800) << 10) + (in[(*i)++] - 0xDC00);
    *o++ = static_cast<uint8_t>(0xF0 | (cp >> 18));
    *o++ = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
    *o++ = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    *o++ = static_cast<uint8_t>(0x80 | (cp & 0x3F));
  } else {
    return false;
  }
  *out = o;
  return true;
}

bool Utf16ToUtf8(const uint16_t* in, size_t n, uint8_t* out, size_t* written) {
  uint8_t* o = out;
  size_t i = 0;
#if defined(__SSE2__)
  while (i + 16 <= n) {
    __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 8));
    // Units >= 0x80 saturate to bytes >= 0x80 (0xFF above 0xFF): no sign bit set means ASCII.
    __m128i packed = _mm_packus_epi16(a, b);
    if (!(_mm_movemask_epi8(packed) || _mm_movemask_epi8(_mm_or_si128(a, b)) & 0xAAAA)) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), packed);
      o += 16;
      i += 16;
      continue;
    }
    // A surrogate pair may end one unit past the block: Utf16Unit reads it then.
    const size_t blockEnd = i + 16;
    while (i < blockEnd)
      if (!Utf16Unit(in, n, &i, &o)) return false;
  }
#endif
  while (i < n) {
    while (i + 4 <= n) {
      uint64_t v;
      std::memcpy(&v, in + i, 8);
      if (v & 0xFF80FF80FF80FF80ull) break;
      o[0] = static_cast<uint8_t>(v);
      o[1] = static_cast<uint8_t>(v >> 16);
      o[2] = static_cast<uint8_t>(v >> 32);
      o[3] = static_cast<uint8_t>(v >> 48);
      o += 4;
      i += 4;
    }
    if (i >= n) break;
    if (!Utf16Unit(in, n, &i, &o)) return false;
  }
  *written = static_cast<size_t>(o - out);
  return true;
}

}  // namespace

// Input bytes into the padded buffer. With the IsOneByte probe (see ResolveIsOneByte), a one-byte
// string is copied out as Latin-1 (a memcpy for sequential strings) and widened here (it cannot
// hold a surrogate), a two-byte one as UTF-16 and transcoded here (a lone surrogate, which UTF-8
// cannot carry, is refused: the builtin keeps it). Without the probe strings are written as UTF-8
// by V8 (lone surrogates become U+FFFD there, so a non-ASCII string containing EF BF BD is refused).
// Returns false with a reason when this input must go to the builtin.
bool LoadInput(napi_env env, JsonState& s, napi_value value, size_t* len, uint32_t* reason) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  bool loaded = false;
  if (type == napi_string && s.isOneByte) {
    if (s.isOneByte(value)) {
      size_t units = 0;
      napi_get_value_string_latin1(env, value, nullptr, 0, &units);
      size_t need = units * 2 + 1 + simdjson::SIMDJSON_PADDING;
      if (s.input.size() < need) s.input.resize(need + need / 4);
      size_t written = 0;
      napi_get_value_string_latin1(env, value, reinterpret_cast<char*>(s.input.data()), units + 1, &written);
      *len = Latin1ToUtf8InPlace(s.input.data(), written, s.highBytes);
      loaded = true;
    } else {
      // Two-byte: the code units (a memcpy), then UTF-8 here, which also finds lone surrogates
      // exactly (V8's own UTF-8 writer is 2-3x slower on these strings and hides them as U+FFFD).
      size_t units = 0;
      napi_get_value_string_utf16(env, value, nullptr, 0, &units);
      if (s.wide.size() < units + 1) s.wide.resize(units + 1 + units / 4);
      size_t got = 0;
      napi_get_value_string_utf16(env, value, reinterpret_cast<char16_t*>(s.wide.data()), units + 1, &got);
      size_t need = got * 3 + 1 + simdjson::SIMDJSON_PADDING;
      if (s.input.size() < need) s.input.resize(need + need / 4);
      bool ok = Utf16ToUtf8(s.wide.data(), got, s.input.data(), len);
      if (s.wide.size() > (kKeepCapacity >> 1)) std::vector<uint16_t>().swap(s.wide);
      if (!ok) {
        *reason = REASON_REPLACEMENT;
        return false;
      }
      loaded = true;
    }
  }
  if (loaded) {
    // Copied above.
  } else if (type == napi_string) {
    size_t units = 0;
    napi_get_value_string_utf16(env, value, nullptr, 0, &units);
    size_t need = units * 3 + 1 + simdjson::SIMDJSON_PADDING;
    if (s.input.size() < need) s.input.resize(need + need / 4);
    size_t written = 0;
    napi_get_value_string_utf8(env, value, reinterpret_cast<char*>(s.input.data()), units * 3 + 1, &written);
    if (written != units) {
      const uint8_t* p = s.input.data();
      const uint8_t* end = p + written;
      while (p + 2 < end) {
        const void* hit = std::memchr(p, 0xEF, static_cast<size_t>(end - p - 2));
        if (!hit) break;
        p = static_cast<const uint8_t*>(hit);
        if (p[1] == 0xBF && p[2] == 0xBD) {
          *reason = REASON_REPLACEMENT;
          return false;
        }
        p++;
      }
    }
    *len = written;
  } else {
    void* data = nullptr;
    size_t length = 0;
    bool isTyped = false;
    napi_is_typedarray(env, value, &isTyped);
    if (isTyped) {
      napi_typedarray_type ttype;
      napi_value ab;
      size_t offset;
      napi_get_typedarray_info(env, value, &ttype, &length, &data, &ab, &offset);
      if (ttype != napi_uint8_array && ttype != napi_uint8_clamped_array && ttype != napi_int8_array) {
        *reason = REASON_TOO_LARGE;
        return false;
      }
    } else {
      *reason = REASON_TOO_LARGE;
      return false;
    }
    size_t need = length + simdjson::SIMDJSON_PADDING;
    if (s.input.size() < need) s.input.resize(need + need / 4);
    if (length) std::memcpy(s.input.data(), data, length);
    *len = length;
  }
  std::memset(s.input.data() + *len, 0, simdjson::SIMDJSON_PADDING);
  const uint8_t* p = s.input.data();
  if (*len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
    *reason = REASON_BOM;  // simdjson skips a BOM; the builtin rejects it.
    return false;
  }
  if (*len > 0xFFFFFFF0u) {
    *reason = REASON_TOO_LARGE;
    return false;
  }
  return true;
}

// The bytes to validate: a Uint8Array's own memory when nothing can change it during this call
// (not a SharedArrayBuffer, which another thread may write to), else LoadInput's padded copy.
// Saves a copy of the whole input.
bool InputBytes(napi_env env, JsonState& s, napi_value value, const uint8_t** data, size_t* len, uint32_t* reason) {
  bool isTyped = false;
  napi_is_typedarray(env, value, &isTyped);
  if (isTyped) {
    napi_typedarray_type type;
    napi_value ab;
    size_t length = 0, offset = 0;
    void* bytes = nullptr;
    bool plain = false;
    if (napi_get_typedarray_info(env, value, &type, &length, &bytes, &ab, &offset) == napi_ok &&
        (type == napi_uint8_array || type == napi_uint8_clamped_array || type == napi_int8_array) &&
        napi_is_arraybuffer(env, ab, &plain) == napi_ok && plain) {
      const uint8_t* p = static_cast<const uint8_t*>(bytes);
      if (length == 0 || p == nullptr) {
        // Empty, or a view over a detached buffer (no memory at all): the builtin's verdict.
        *reason = REASON_EMPTY;
        return false;
      }
      if (length >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        *reason = REASON_BOM;  // simdjson skips a BOM; the builtin rejects it.
        return false;
      }
      if (length > 0xFFFFFFF0u) {
        *reason = REASON_TOO_LARGE;
        return false;
      }
      *data = p;
      *len = length;
      return true;
    }
  }
  if (!LoadInput(env, s, value, len, reason)) return false;
  *data = s.input.data();
  return true;
}

// oneByte(enable?): whether strings are classified with V8's IsOneByte in this thread. `false`
// switches the probe off (the old path: UTF-8 through Node-API, sampling in the router), `true`
// resolves it again; used by the patch's AFTERBURNER_JSON_ONEBYTE switch and the tests.
napi_value OneByte(napi_env env, napi_callback_info info) {
  JsonState& s = *State(env);
  napi_value argv[1];
  ArgOrUndefined(env, info, 1, argv);
  napi_valuetype type;
  napi_typeof(env, argv[0], &type);
  if (type == napi_boolean) {
    bool on = false;
    napi_get_value_bool(env, argv[0], &on);
    s.isOneByte = on ? ResolveIsOneByte() : nullptr;
  }
  napi_value out;
  napi_get_boolean(env, s.isOneByte != nullptr, &out);
  return out;
}

// isOneByte(value): true for a string V8 stores as one-byte; false for a two-byte string, anything
// else, or without the probe. O(1): the router asks it before timing a builtin call
// (src/patches/json.ts).
napi_value IsOneByteString(napi_env env, napi_callback_info info) {
  JsonState& s = *State(env);
  napi_value argv[1];
  ArgOrUndefined(env, info, 1, argv);
  napi_valuetype type;
  napi_typeof(env, argv[0], &type);
  napi_value out;
  napi_get_boolean(env, type == napi_string && s.isOneByte && s.isOneByte(argv[0]), &out);
  return out;
}

}  // namespace json
}  // namespace afterburner
