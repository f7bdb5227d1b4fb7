// JSON entry points: simdjson (DOM) parses, then one linear walk of simdjson's own tape writes a
// compact tape for the JavaScript builder (src/json/tape.ts):
//   ops  (Uint32Array)   one word per value: low 3 bits the kind, the rest a count or an index;
//   nums (Float64Array)  every number, already a double, in document order;
//   one JS array         the new object keys (persistent ids, see KeyTable), then this document's
//                        distinct string values.
// Object shapes (the sequence of key ids of an object) get persistent ids too, so JavaScript can
// build same-shaped objects from one cached factory. One N-API call per value lost to V8's own
// parser on every file (DESIGN-NOTES): the only per-value N-API calls left are for distinct strings.
// The walk also counts stage 1's structural indexes as it goes, so each integer zero knows where
// its token starts (simdjson reads `-0` as 0; RestoreMinusZeros gives the sign back), and it tries
// each array element's keys against the previous element's shape before hashing them.
// Where the time goes now (perf, marine_ik.json on Node 24, native path): simdjson's stage 2
// about 40 % (number parsing, a division per decimal), this walk 14 %, the JavaScript build 10 %,
// copying the input out of V8 5 %, stage 1 4 %.
//
// Every failure (invalid JSON, a number simdjson cannot represent exactly, depth, a `-0` whose
// token cannot be confirmed, a BOM...) returns a "fall back" answer: JavaScript then calls the
// builtin, so errors and edge cases are always the builtin's own.
#include "addon.h"
#include "simdjson.h"

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace afterburner {
namespace {

using simdjson::error_code;

// Keep in sync with src/json/tape.ts.
enum : uint32_t {
  OP_NUM = 0,     // nums[q++]
  OP_STR = 1,     // strings[index]
  OP_CONST = 2,   // 0 null, 1 false, 2 true
  OP_ARR = 3,     // count, then count values
  OP_OBJ = 4,     // shape id, then one value per key of the shape
  OP_OBJG = 5,    // count, then count (key id, value) pairs: objects too large for a shape
  OP_NUMARR = 6,  // count numbers taken from nums
};

enum : uint32_t {
  META_OPS_END = 0,     // ops[0, end) is the value tape
  META_DEFS_START = 1,  // ops[start, end) holds the new shapes: n, key ids...
  META_DEFS_END = 2,
  META_NEW_KEYS = 3,    // the first N entries of the returned array are new keys
  META_RESET = 4,       // 1: JavaScript must drop its key and shape tables before reading
  META_BUFFERS = 5,     // 1: ops/nums were reallocated, fetch them again
  META_ERROR = 6,       // simdjson error code, or a local reason (>= 100)
  META_SIZE = 8,
};

enum : uint32_t {
  REASON_MINUS_ZERO = 100,
  REASON_BOM = 101,
  REASON_REPLACEMENT = 102,
  REASON_TOO_LARGE = 103,
};

// `bool v8::String::IsOneByte() const`, resolved from the running node binary at load time.
// Why V8's API here: whether a string is stored one-byte (Latin-1) or two-byte decides how its
// bytes are best obtained (a one-byte string copies out as Latin-1 at memcpy speed; a two-byte one
// as UTF-16 code units, transcoded below, 2-3x faster than V8's own UTF-8 writer, which is what
// made two-byte documents a loss), and the router keeps separate timings for the two (json.ts).
// Node-API has no O(1) answer (sampling characters can miss the one non-Latin-1 character of a
// document). IsOneByte() reads the representation bit of the string's map (cons strings included;
// it never scans and never allocates; false negatives are possible and harmless: such a string
// takes the two-byte path). The addon is a Node-API build loaded by Node 20-26, so nothing from
// v8.h is compiled in: the symbol is looked up by its Itanium-mangled name, and the call passes the
// napi_value itself as `this`. That is exactly what `Local<String>->IsOneByte()` does: Node's
// src/js_native_api_v8.h converts with `JsValueFromV8LocalValue(local) = reinterpret_cast<napi_value>(*local)`
// and memcpy back (static_assert(sizeof(v8::Local<v8::Value>) == sizeof(napi_value))), i.e. a
// napi_value is the Local's only field, and `*local` is the `this` of a member call. It is only
// ever called on a value napi_typeof reported as a string. The function is exported by the node
// binaries of 20.20, 22.23, 24.21 and 26.10 (nm -D). When the lookup fails (another embedder, a
// static build, Windows) or is switched off (jsonOneByte(false)), strings take the old path (UTF-8
// from V8) and the router falls back to sampling characters only.
using IsOneByteFn = bool (*)(const void* self);

IsOneByteFn ResolveIsOneByte() {
#if (defined(__unix__) || defined(__APPLE__)) && (defined(__x86_64__) || defined(__aarch64__))
  return reinterpret_cast<IsOneByteFn>(dlsym(RTLD_DEFAULT, "_ZNK2v86String9IsOneByteEv"));
#else
  return nullptr;
#endif
}

constexpr uint32_t kMaxShapeKeys = 128;
constexpr uint32_t kKeyLimit = 1u << 16;
constexpr uint32_t kShapeLimit = 1u << 14;
// Documents above this size release the parser's buffers afterwards instead of keeping them.
constexpr size_t kKeepCapacity = 32u << 20;
constexpr size_t kMaxDepth = 1000;

inline uint64_t Mix(uint64_t h, uint64_t v) {
  h = (h ^ v) * 0x100000001B3ull;
  return h ^ (h >> 29);
}

inline uint64_t HashBytes(const uint8_t* p, size_t len) {
  // Long values hash on a 32-byte prefix, 8 bytes from the middle, the last 16 bytes and the
  // length (long values sharing a prefix are common: URLs, descriptions); equality is always
  // checked with memcmp.
  uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
  if (len <= 48) {
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
      uint64_t v;
      std::memcpy(&v, p + i, 8);
      h = Mix(h, v);
    }
    uint64_t tail = 0;
    for (size_t k = 0; i < len; i++, k += 8) tail |= uint64_t(p[i]) << k;
    h = Mix(h, tail);
  } else {
    uint64_t v;
    for (size_t i = 0; i < 32; i += 8) {
      std::memcpy(&v, p + i, 8);
      h = Mix(h, v);
    }
    std::memcpy(&v, p + len / 2, 8);
    h = Mix(h, v);
    std::memcpy(&v, p + len - 16, 8);
    h = Mix(h, v);
    std::memcpy(&v, p + len - 8, 8);
    h = Mix(h, v);
  }
  h *= 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 32);
}

// Equal when the first and the last sizeof(Word) bytes are (sizeof(Word) <= n <= 2 * sizeof(Word)).
template <typename Word>
inline bool SameEnds(const uint8_t* a, const uint8_t* b, size_t n) {
  Word a1, b1, a2, b2;
  std::memcpy(&a1, a, sizeof(Word));
  std::memcpy(&b1, b, sizeof(Word));
  std::memcpy(&a2, a + n - sizeof(Word), sizeof(Word));
  std::memcpy(&b2, b + n - sizeof(Word), sizeof(Word));
  return ((a1 ^ b1) | (a2 ^ b2)) == 0;
}

// Byte equality for keys and strings, most of them short: a libc memcmp call per key was 3-6 % of
// object-heavy parses (perf); up to 16 bytes this compares with overlapping loads, all in bounds.
inline bool SameBytes(const void* x, const void* y, size_t n) {
  const uint8_t* a = static_cast<const uint8_t*>(x);
  const uint8_t* b = static_cast<const uint8_t*>(y);
  if (n > 16) return std::memcmp(a, b, n) == 0;
  if (n >= 8) return SameEnds<uint64_t>(a, b, n);
  if (n >= 4) return SameEnds<uint32_t>(a, b, n);
  for (size_t k = 0; k < n; k++)
    if (a[k] != b[k]) return false;
  return true;
}

// Interns sequences of `Unit` (key bytes, or the key ids of an object shape) to dense ids that
// persist across documents (keys and shapes repeat across an API's payloads); bounded by the
// caller, which resets both tables together. Open addressing, linear probing, load <= 1/2.
template <typename Unit>
struct InternTable {
  struct Slot {
    uint64_t hash;
    uint32_t off, len, id;
  };
  std::vector<Slot> slots;
  std::vector<Unit> arena;
  std::vector<std::pair<uint32_t, uint32_t>> spans;  // by id: offset, length in arena
  uint32_t count = 0;
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;

  InternTable() { Reset(); }
  void Reset() {
    slots.assign(1024, Slot{0, 0, 0, kEmpty});
    arena.clear();
    spans.clear();
    count = 0;
  }
  void Grow() {
    std::vector<Slot> old(slots.size() * 2, Slot{0, 0, 0, kEmpty});
    old.swap(slots);
    size_t mask = slots.size() - 1;
    for (const Slot& s : old) {
      if (s.id == kEmpty) continue;
      size_t i = s.hash & mask;
      while (slots[i].id != kEmpty) i = (i + 1) & mask;
      slots[i] = s;
    }
  }
  uint32_t Find(const Unit* p, uint32_t len, uint64_t h, bool* added) {
    size_t mask = slots.size() - 1;
    size_t i = h & mask;
    while (true) {
      Slot& s = slots[i];
      if (s.id == kEmpty) break;
      if (s.hash == h && s.len == len && SameBytes(arena.data() + s.off, p, len * sizeof(Unit))) return s.id;
      i = (i + 1) & mask;
    }
    *added = true;
    Slot& s = slots[i];
    s.hash = h;
    s.off = static_cast<uint32_t>(arena.size());
    s.len = len;
    s.id = count++;
    arena.insert(arena.end(), p, p + len);
    spans.emplace_back(s.off, len);
    if (count * 2 > slots.size()) Grow();
    return count - 1;
  }
};

// Object keys (their UTF-8 bytes).
struct KeyTable : InternTable<uint8_t> {
  uint32_t Find(const uint8_t* p, uint32_t len, bool* added) { return InternTable::Find(p, len, HashBytes(p, len), added); }
};

// Object shapes: the sequence of key ids of an object, in document order.
struct ShapeTable : InternTable<uint32_t> {
  uint32_t Find(const uint32_t* ids, uint32_t n, bool* added) {
    uint64_t h = 0xCBF29CE484222325ull ^ n;
    for (uint32_t k = 0; k < n; k++) {
      h = (h ^ ids[k]) * 0x100000001B3ull;
      h ^= h >> 31;
    }
    return InternTable::Find(ids, n, h, added);
  }
};

// Distinct string values of one document; a generation stamp avoids clearing between documents.
// Slots are 16 bytes (the low half of the hash; the string's pointer is read from `ptrs` only when
// hash and length match): probing a table of thousands of strings missed the cache on most lookups
// (a third of the walk's time on update-center.json and random.json in perf) with 32-byte slots.
struct StringTable {
  struct Slot {
    uint32_t hash, gen, index, len;
  };
  std::vector<Slot> slots = std::vector<Slot>(1024, Slot{0, 0, 0, 0});
  uint32_t gen = 1;
  uint32_t used = 0;
  std::vector<const uint8_t*> ptrs;
  std::vector<uint32_t> lens;

  void Begin() {
    if (++gen == 0) {
      for (Slot& s : slots) s.gen = 0;
      gen = 1;
    }
    used = 0;
    ptrs.clear();
    lens.clear();
  }
  void Grow() {
    std::vector<Slot> old(slots.size() * 2, Slot{0, 0, 0, 0});
    old.swap(slots);
    size_t mask = slots.size() - 1;
    for (const Slot& s : old) {
      if (s.gen != gen) continue;
      size_t i = s.hash & mask;
      while (slots[i].gen == gen) i = (i + 1) & mask;
      slots[i] = s;
    }
  }
  static uint32_t Hash(const uint8_t* p, uint32_t len) { return static_cast<uint32_t>(HashBytes(p, len)); }
  // Starts loading the slot a string of hash h probes first (see the '{' case of EmitValue).
  void Prefetch(uint32_t h) const { __builtin_prefetch(slots.data() + (h & (slots.size() - 1))); }
  uint32_t Intern(const uint8_t* p, uint32_t len) { return Intern(p, len, Hash(p, len)); }
  uint32_t Intern(const uint8_t* p, uint32_t len, uint32_t h) {
    size_t mask = slots.size() - 1;
    size_t i = h & mask;
    while (true) {
      Slot& s = slots[i];
      if (s.gen != gen) break;
      if (s.hash == h && s.len == len && SameBytes(ptrs[s.index], p, len)) return s.index;
      i = (i + 1) & mask;
    }
    Slot& s = slots[i];
    uint32_t index = static_cast<uint32_t>(ptrs.size());
    s = Slot{h, gen, index, len};
    ptrs.push_back(p);
    lens.push_back(len);
    if (++used * 2 > slots.size()) Grow();  // invalidates `s`
    return index;
  }
};

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
  StringTable strings;
  std::vector<uint32_t> keyScratch;
  std::vector<uint32_t> strHash;  // hashes of string values of the open objects (EmitValue '{')
  std::vector<uint32_t> defs;
  // Integer zeros in document order (RestoreMinusZeros): [0, zeroCount) in use. Grown by hand, as
  // the vector's push_back was not inlined into the walk (1.4 % of marine_ik in perf).
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

constexpr uint64_t kValueMask = 0x00FFFFFFFFFFFFFFull;

void SkipValue(const uint64_t* tape, size_t& i) {
  uint8_t t = static_cast<uint8_t>(tape[i] >> 56);
  switch (t) {
    case '[':
    case '{':
      i = static_cast<uint32_t>(tape[i]);
      return;
    case 'l':
    case 'u':
    case 'd':
      i += 2;
      return;
    default:
      i += 1;
  }
}

inline const uint8_t* StringAt(const uint8_t* sbuf, uint64_t word, uint32_t* len) {
  const uint8_t* p = sbuf + (word & kValueMask);
  std::memcpy(len, p, sizeof(uint32_t));
  return p + sizeof(uint32_t);
}

uint32_t ContainerCount(const uint64_t* tape, size_t i) {
  uint32_t count = static_cast<uint32_t>((tape[i] >> 32) & 0xFFFFFF);
  if (count < 0xFFFFFF) return count;
  // simdjson saturates the count: count by walking.
  bool object = (tape[i] >> 56) == '{';
  size_t end = static_cast<uint32_t>(tape[i]) - 1;
  size_t j = i + 1;
  uint32_t n = 0;
  while (j < end) {
    if (object) j++;
    SkipValue(tape, j);
    n++;
  }
  return n;
}

void EmitValue(JsonState& s, size_t& i);

inline void EmitNumber(JsonState& s, size_t i, size_t token) {
  uint64_t t = s.tape[i] >> 56;
  uint64_t bits = s.tape[i + 1];
  double d;
  if (t == 'l') {
    int64_t v = static_cast<int64_t>(bits);
    if (v == 0) {
      if (s.zeroCount == s.zeroSlots.size()) s.zeroSlots.resize(s.zeroSlots.size() * 2);
      s.zeroSlots[s.zeroCount++] = ZeroSlot{static_cast<uint32_t>(s.q), static_cast<uint32_t>(token)};
    }
    d = static_cast<double>(v);
  } else if (t == 'u') {
    d = static_cast<double>(bits);
  } else {
    std::memcpy(&d, &bits, sizeof d);
  }
  s.nums[s.q++] = d;
}

void EmitValue(JsonState& s, size_t& i) {
  const uint64_t* tape = s.tape;
  uint64_t w = tape[i];
  switch (static_cast<uint8_t>(w >> 56)) {
    case '"': {
      uint32_t len;
      const uint8_t* p = StringAt(s.sbuf, w, &len);
      s.ops[s.o++] = (s.strings.Intern(p, len) << 3) | OP_STR;
      s.st++;
      i += 1;
      return;
    }
    case 'l':
    case 'u':
    case 'd':
      EmitNumber(s, i, s.st++);
      s.ops[s.o++] = OP_NUM;
      i += 2;
      return;
    case 'n':
      s.ops[s.o++] = (0 << 3) | OP_CONST;
      s.st++;
      i += 1;
      return;
    case 'f':
      s.ops[s.o++] = (1 << 3) | OP_CONST;
      s.st++;
      i += 1;
      return;
    case 't':
      s.ops[s.o++] = (2 << 3) | OP_CONST;
      s.st++;
      i += 1;
      return;
    case '[': {
      size_t end = static_cast<uint32_t>(w);  // one past the matching ']'
      uint32_t count = ContainerCount(tape, i);
      // Structurals: '[', then each element and the ',' or ']' after it (an empty array: "[]").
      size_t st = s.st + 1;
      // All-number arrays (coordinates, vectors) skip one op per element. Every number takes two
      // tape words: when the size allows it, emit numbers until something else shows up, and undo
      // those (nums, zeros) if it does: one pass over the tape instead of a check, then the copy.
      if (count > 0 && end - i - 2 == size_t(count) * 2) {
        const size_t q0 = s.q, z0 = s.zeroCount;
        size_t j = i + 1;
        for (; j < end - 1; j += 2, st += 2) {
          uint8_t t = static_cast<uint8_t>(tape[j] >> 56);
          if (t != 'd' && t != 'l' && t != 'u') break;
          EmitNumber(s, j, st);
        }
        if (j >= end - 1) {
          s.ops[s.o++] = (count << 3) | OP_NUMARR;
          s.st = st;
          i = end;
          return;
        }
        s.q = q0;
        s.zeroCount = z0;
        st = s.st + 1;
      }
      s.ops[s.o++] = (count << 3) | OP_ARR;
      s.st = st;
      size_t j = i + 1;
      uint32_t sibling = kNoShape;  // shape of the previous element, when it was an object
      while (j < end - 1) {
        s.predict = sibling;
        s.lastShape = kNoShape;
        EmitValue(s, j);
        sibling = s.lastShape;
        s.st++;
      }
      if (count == 0) s.st++;
      s.lastShape = kNoShape;
      i = end;
      return;
    }
    case '{': {
      size_t end = static_cast<uint32_t>(w);
      size_t base = s.keyScratch.size();
      // Objects in an array usually have the shape of the previous one (see the '[' case): check
      // its keys byte for byte first, and hash only from the first key that differs.
      const uint32_t guess = s.predict;
      s.predict = kNoShape;
      const uint32_t* guessIds = nullptr;
      uint32_t guessCount = 0;
      if (guess != kNoShape) {
        const auto& span = s.shapes.spans[guess];
        guessIds = s.shapes.arena.data() + span.first;
        guessCount = span.second;
      }
      size_t j = i + 1;
      uint32_t k = 0;
      // String values: hashed here and their first slot prefetched, so the lookup when the value
      // is emitted below does not wait for memory (the table of a document's distinct strings
      // misses the cache: a third of the walk on update-center, random and gsoc-2018 in perf).
      const size_t hashBase = s.strHash.size();
      while (j < end - 1) {
        if (static_cast<uint8_t>(tape[j + 1] >> 56) == '"') {
          uint32_t vlen;
          const uint8_t* vp = StringAt(s.sbuf, tape[j + 1], &vlen);
          const uint32_t h = StringTable::Hash(vp, vlen);
          s.strings.Prefetch(h);
          s.strHash.push_back(h);
        }
        uint32_t len;
        const uint8_t* p = StringAt(s.sbuf, tape[j], &len);
        uint32_t id;
        if (k < guessCount && s.keys.spans[guessIds[k]].second == len &&
            SameBytes(s.keys.arena.data() + s.keys.spans[guessIds[k]].first, p, len)) {
          id = guessIds[k];
        } else {
          guessCount = 0;
          bool added = false;
          id = s.keys.Find(p, len, &added);
        }
        s.keyScratch.push_back(id);
        k++;
        j++;
        SkipValue(tape, j);
      }
      uint32_t n = static_cast<uint32_t>(s.keyScratch.size() - base);
      if (n <= kMaxShapeKeys) {
        bool added = false;
        uint32_t shape = guessIds && guessCount == n ? guess : s.shapes.Find(s.keyScratch.data() + base, n, &added);
        if (added) {
          s.defs.push_back(n);
          s.defs.insert(s.defs.end(), s.keyScratch.begin() + base, s.keyScratch.end());
        }
        s.ops[s.o++] = (shape << 3) | OP_OBJ;
        s.keyScratch.resize(base);
        // Structurals: '{', then per member the key, ':', the value and the ',' or '}' after it.
        s.st++;
        j = i + 1;
        size_t nextHash = hashBase;
        while (j < end - 1) {
          j++;
          s.st += 2;
          if (static_cast<uint8_t>(tape[j] >> 56) == '"') {
            uint32_t len;
            const uint8_t* p = StringAt(s.sbuf, tape[j], &len);
            s.ops[s.o++] = (s.strings.Intern(p, len, s.strHash[nextHash++]) << 3) | OP_STR;
            s.st++;
            j++;
          } else {
            EmitValue(s, j);
          }
          s.st++;
        }
        s.strHash.resize(hashBase);
        if (n == 0) s.st++;
        s.lastShape = shape;
      } else {
        s.lastShape = kNoShape;
        s.ops[s.o++] = (n << 3) | OP_OBJG;
        s.st++;
        j = i + 1;
        uint32_t k = 0;
        while (j < end - 1) {
          s.ops[s.o++] = s.keyScratch[base + k++];
          j++;
          s.st += 2;
          EmitValue(s, j);
          s.st++;
        }
        s.keyScratch.resize(base);
        s.strHash.resize(hashBase);
      }
      i = end;
      return;
    }
    default:
      // Unreachable for a valid tape; keep the walk moving.
      i += 1;
  }
}

JsonState* State(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<JsonState*>(data);
}

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
namespace {
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
}  // namespace

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

inline bool IsAscii(const uint8_t* p, size_t n) {
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    acc |= v;
  }
  for (; i < n; i++) acc |= p[i];
  return (acc & 0x8080808080808080ull) == 0;
}

// A JS string from the UTF-8 of one string or key. ASCII goes in as Latin-1 (no decoding in V8).
// Other text is decoded here, in one pass, to Latin-1 when every character fits (é, ü...) or else
// to UTF-16, and V8 copies it: V8's UTF-8 path scans every string twice (length and kind, then
// the decoding), 15 % of twitter.json's native parse in perf. The bytes are valid UTF-8 without
// surrogate code points (simdjson's stage 1 validated the input; an escaped lone surrogate makes
// it fail, and the builtin answers), so the decoder need not check anything.
inline bool MakeString(napi_env env, JsonState& s, const uint8_t* p, size_t n, napi_value* out) {
  if (IsAscii(p, n)) return napi_create_string_latin1(env, reinterpret_cast<const char*>(p), n, out) == napi_ok;
  if (s.units.size() < n) s.units.resize(n + n / 2 + 16);  // never more UTF-16 units than UTF-8 bytes
  uint16_t* const start = s.units.data();
  uint16_t* o = start;
  const uint8_t* const end = p + n;
  uint32_t wide = 0;  // OR of every character: >= 0x100 means it needs two bytes per unit
  while (p < end) {
    while (end - p >= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      if (v & 0x8080808080808080ull) break;
      for (int k = 0; k < 8; k++) o[k] = p[k];
      o += 8;
      p += 8;
    }
    if (p >= end) break;
    const uint32_t c = *p;
    if (c < 0x80) {
      *o++ = static_cast<uint16_t>(c);
      p += 1;
    } else if (c < 0xE0) {
      const uint32_t cp = ((c & 0x1F) << 6) | (p[1] & 0x3F);
      *o++ = static_cast<uint16_t>(cp);
      wide |= cp;
      p += 2;
    } else if (c < 0xF0) {
      const uint32_t cp = ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
      *o++ = static_cast<uint16_t>(cp);
      wide |= cp;
      p += 3;
    } else {
      const uint32_t cp = (((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F)) - 0x10000;
      *o++ = static_cast<uint16_t>(0xD800 + (cp >> 10));
      *o++ = static_cast<uint16_t>(0xDC00 + (cp & 0x3FF));
      wide |= 0xFFFF;
      p += 4;
    }
  }
  const size_t units = static_cast<size_t>(o - start);
  if (wide < 0x100) {
    // Latin-1: narrow in place (each unit's low byte, front to back, never overtakes the reads).
    uint8_t* b = reinterpret_cast<uint8_t*>(start);
    for (size_t k = 0; k < units; k++) b[k] = static_cast<uint8_t>(start[k]);
    return napi_create_string_latin1(env, reinterpret_cast<const char*>(b), units, out) == napi_ok;
  }
  return napi_create_string_utf16(env, reinterpret_cast<const char16_t*>(start), units, out) == napi_ok;
}


// ---------------------------------------------------------------------------------------------
}  // namespace
}  // namespace afterburner
// Included here rather than at the top: this section (through Get) is the validate/get code.
#include "json_validate.h"
namespace afterburner {
namespace {

// Validation without building anything: simdjson's stage 1 (UTF-8, string extents, unescaped
// control characters, the position of every structural character and scalar) and then a
// grammar walk over those positions (native/json_validate.cc) that checks number, literal and
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

// simdjson reads `-0` (no fraction or exponent) as the integer 0; the builtin keeps the sign.
// The tape walk (EmitValue) counts structural indexes as it goes (every scalar, string, bracket,
// comma and colon is one) and notes, for each integer zero, its nums slot and its structural
// index; a zero whose text starts with '-' gets its sign back here. Checked: the walk must have
// counted exactly stage 1's structurals, and every noted zero must start with '0' or '-', else
// the builtin answers. The earlier form read the text at every structural index (about 600,000 on
// marine_ik.json, 9 % of its native parse in perf) after a memchr pass for "-0"; a 16-byte scan of
// the text for zero-token candidates plus a galloping lookup cost as much (1.0 ms there); this
// reads 15,020 bytes there.
bool RestoreMinusZeros(JsonState& s, const uint8_t* in) {
  const uint32_t* idx = s.parser.implementation->structural_indexes.get();
  const size_t n = s.parser.implementation->n_structural_indexes;
  if (s.st != n) return false;
  double* nums = s.nums;
  for (size_t k = 0; k < s.zeroCount; k++) {
    const ZeroSlot& z = s.zeroSlots[k];
    const uint8_t c = in[idx[z.token]];
    if (c == '-') nums[z.slot] = -0.0;
    else if (c != '0') return false;
  }
  return true;
}

void ReleaseIfHuge(JsonState& s, size_t len) {
  if (len <= kKeepCapacity) return;
  if (s.parser.allocate(0, kMaxDepth)) {
    // Nothing to undo: a failed shrink leaves the old buffers, still valid.
  }
  std::vector<uint8_t>().swap(s.input);
  std::vector<uint32_t>().swap(s.index);
  std::vector<ZeroSlot>(256).swap(s.zeroSlots);
}

error_code ParseLoaded(JsonState& s, size_t len) {
  if (s.parser.capacity() < len || s.parser.max_depth() != kMaxDepth) {
    size_t cap = len < 4096 ? 4096 : len + len / 8;
    error_code e = s.parser.allocate(cap, kMaxDepth);
    if (e) return e;
  }
  return s.parser.parse(s.input.data(), len, false).error();
}

napi_value Int(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

bool EnsureOutput(napi_env env, JsonState& s, size_t tapeWords) {
  size_t opsNeed = tapeWords * 2 + 64;
  size_t numsNeed = tapeWords / 2 + 16;
  bool changed = false;
  if (s.opsCap < opsNeed) {
    size_t cap = opsNeed + opsNeed / 2;
    void* data;
    napi_value ab, ta;
    if (napi_create_arraybuffer(env, cap * 4, &data, &ab) != napi_ok) return false;
    napi_create_typedarray(env, napi_uint32_array, cap, ab, 0, &ta);
    if (s.opsRef) napi_delete_reference(env, s.opsRef);
    napi_create_reference(env, ta, 1, &s.opsRef);
    s.ops = static_cast<uint32_t*>(data);
    s.opsCap = cap;
    changed = true;
  }
  if (s.numsCap < numsNeed) {
    size_t cap = numsNeed + numsNeed / 2;
    void* data;
    napi_value ab, ta;
    if (napi_create_arraybuffer(env, cap * 8, &data, &ab) != napi_ok) return false;
    napi_create_typedarray(env, napi_float64_array, cap, ab, 0, &ta);
    if (s.numsRef) napi_delete_reference(env, s.numsRef);
    napi_create_reference(env, ta, 1, &s.numsRef);
    s.nums = static_cast<double*>(data);
    s.numsCap = cap;
    changed = true;
  }
  if (changed) s.meta[META_BUFFERS] = 1;
  return true;
}

// Walks the element starting at tape index `start` into ops/nums; returns the strings array
// (new keys, then distinct strings) or null when the input must go to the builtin.
napi_value EmitTape(napi_env env, JsonState& s, const uint8_t* in, size_t start, size_t len) {
  napi_value null;
  napi_get_null(env, &null);
  const simdjson::dom::document& doc = s.parser.doc;
  size_t tapeWords = static_cast<size_t>(doc.tape[0] & kValueMask) + 1;
  if (!EnsureOutput(env, s, tapeWords)) return null;
  if (s.pendingReset || s.keys.count > kKeyLimit || s.shapes.count > kShapeLimit) {
    s.keys.Reset();
    s.shapes.Reset();
    s.pendingReset = false;
    s.meta[META_RESET] = 1;
  }
  s.tape = doc.tape.get();
  s.sbuf = doc.string_buf.get();
  s.o = 0;
  s.q = 0;
  s.zeroCount = 0;
  s.st = 0;
  s.predict = s.lastShape = kNoShape;
  s.defs.clear();
  s.keyScratch.clear();
  s.strHash.clear();
  s.strings.Begin();
  s.keysBefore = s.keys.count;
  size_t i = start;
  EmitValue(s, i);
  if (s.zeroCount && !RestoreMinusZeros(s, in)) {
    // The tables already hold this document's new keys and shapes that JavaScript will not see.
    s.pendingReset = true;
    s.meta[META_ERROR] = REASON_MINUS_ZERO;
    return null;
  }
  size_t opsEnd = s.o;
  if (opsEnd + s.defs.size() > s.opsCap) {
    s.pendingReset = true;
    s.meta[META_ERROR] = REASON_TOO_LARGE;
    return null;
  }
  // defs.data() is null until a thread's first object: memcpy from null is undefined even for 0 bytes.
  if (s.defs.size()) std::memcpy(s.ops + opsEnd, s.defs.data(), s.defs.size() * sizeof(uint32_t));
  s.meta[META_OPS_END] = static_cast<uint32_t>(opsEnd);
  s.meta[META_DEFS_START] = static_cast<uint32_t>(opsEnd);
  s.meta[META_DEFS_END] = static_cast<uint32_t>(opsEnd + s.defs.size());
  uint32_t newKeys = s.keys.count - s.keysBefore;
  s.meta[META_NEW_KEYS] = newKeys;

  // Strings: one N-API call each to create (ASCII ones as Latin-1, which skips UTF-8 decoding),
  // then one JavaScript call per 4096 strings to make the array, instead of one
  // napi_set_element per string.
  s.values.clear();
  s.values.reserve(newKeys + s.strings.ptrs.size());
  for (uint32_t id = s.keysBefore; id < s.keys.count; id++) {
    const auto& span = s.keys.spans[id];
    napi_value str;
    if (!MakeString(env, s, reinterpret_cast<const uint8_t*>(s.keys.arena.data()) + span.first, span.second, &str)) {
      s.pendingReset = true;
      return null;
    }
    s.values.push_back(str);
  }
  for (size_t k = 0; k < s.strings.ptrs.size(); k++) {
    napi_value str;
    if (!MakeString(env, s, s.strings.ptrs[k], s.strings.lens[k], &str)) {
      s.pendingReset = true;
      return null;
    }
    s.values.push_back(str);
  }
  if (s.units.size() > (kKeepCapacity >> 2)) std::vector<uint16_t>().swap(s.units);
  // The array is made by a JavaScript rest parameter `(...v) => v` (chunks joined with concat):
  // both define their elements, so setters a program put on Array.prototype or Object.prototype
  // are never called (push or napi_set_element would call them).
  napi_value collect, concat, undef, out;
  if (!s.collectRef || napi_get_reference_value(env, s.collectRef, &collect) != napi_ok ||
      napi_get_reference_value(env, s.concatRef, &concat) != napi_ok) {
    s.pendingReset = true;
    return null;
  }
  napi_get_undefined(env, &undef);
  constexpr size_t kChunk = 4096;
  std::vector<napi_value> chunks;
  for (size_t off = 0; off < s.values.size() || off == 0; off += kChunk) {
    size_t n = s.values.size() - off < kChunk ? s.values.size() - off : kChunk;
    napi_value chunk;
    if (napi_call_function(env, undef, collect, n, s.values.data() + off, &chunk) != napi_ok) {
      s.pendingReset = true;
      return null;
    }
    chunks.push_back(chunk);
    if (s.values.empty()) break;
  }
  out = chunks[0];
  if (chunks.size() > 1 && napi_call_function(env, chunks[0], concat, chunks.size() - 1, chunks.data() + 1, &out) != napi_ok) {
    s.pendingReset = true;
    return null;
  }
  s.values.clear();
  return out;
}

napi_value ArgOrUndefined(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_value undef;
  napi_get_undefined(env, &undef);
  for (size_t k = argc; k < want; k++) argv[k] = undef;
  return argv[0];
}

// tape(input): strings array on success (read META), null when the builtin must handle it.
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

// The bytes to validate: a Uint8Array's own memory when nothing can change it during this call
// (not a SharedArrayBuffer, which another thread may write to), else LoadInput's padded copy.
// Saves a copy of the whole input (about 5% of a get on canada.json, perf).
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

// validate(input): 1 valid, 0 invalid (simdjson and the builtin agree), -1 ask the builtin.
napi_value Validate(napi_env env, napi_callback_info info) {
  JsonState& s = *State(env);
  napi_value argv[1];
  ArgOrUndefined(env, info, 1, argv);
  size_t len = 0;
  uint32_t reason = 0;
  const uint8_t* in = nullptr;
  if (!InputBytes(env, s, argv[0], &in, &len, &reason)) {
    // A BOM alone decides: the builtin rejects it whatever follows.
    return Int(env, reason == REASON_BOM ? 0 : -1);
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
// Scratch for get() kept across calls; per thread, as each thread has its own environment.
struct GetScratch {
  std::vector<std::string> tokens;
  jsonwalk::Query query;
};
thread_local GetScratch getScratch;

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
// else, or without the probe. O(1): the router asks it before timing a builtin call (see json.ts).
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

void Finalize(napi_env env, void* data, void*) {
  JsonState* s = static_cast<JsonState*>(data);
  if (s->opsRef) napi_delete_reference(env, s->opsRef);
  if (s->numsRef) napi_delete_reference(env, s->numsRef);
  if (s->metaRef) napi_delete_reference(env, s->metaRef);
  if (s->concatRef) napi_delete_reference(env, s->concatRef);
  if (s->collectRef) napi_delete_reference(env, s->collectRef);
  delete s;
}

napi_value MakeTyped(napi_env env, napi_typedarray_type type, size_t count, size_t elem, void** data) {
  napi_value ab, ta;
  napi_create_arraybuffer(env, count * elem, data, &ab);
  napi_create_typedarray(env, type, count, ab, 0, &ta);
  return ta;
}

}  // namespace

const char* JsonIndexName() { return jsonwalk::IndexName(); }

void InitJson(Napi::Env env, Napi::Object exports) {
  JsonState* s = new JsonState();
  napi_env e = env;
  void* data;
  napi_value meta = MakeTyped(e, napi_uint32_array, META_SIZE, 4, &data);
  s->meta = static_cast<uint32_t*>(data);
  napi_create_reference(e, meta, 1, &s->metaRef);
  EnsureOutput(e, *s, 1024);
  // Array.prototype.concat as it is when the addon loads (user code replacing it later is not used).
  napi_value global, array, proto, concat;
  napi_get_global(e, &global);
  napi_get_named_property(e, global, "Array", &array);
  napi_get_named_property(e, array, "prototype", &proto);
  napi_get_named_property(e, proto, "concat", &concat);
  napi_create_reference(e, concat, 1, &s->concatRef);
  s->meta[META_BUFFERS] = 0;
  s->isOneByte = ResolveIsOneByte();
  napi_set_instance_data(e, s, Finalize, nullptr);
  napi_value fn;
  napi_create_function(e, "jsonTape", NAPI_AUTO_LENGTH, Tape, nullptr, &fn);
  exports.Set("jsonTape", Napi::Value(env, fn));
  napi_create_function(e, "jsonIsOneByte", NAPI_AUTO_LENGTH, IsOneByteString, nullptr, &fn);
  exports.Set("jsonIsOneByte", Napi::Value(env, fn));
  napi_create_function(e, "jsonOneByte", NAPI_AUTO_LENGTH, OneByte, nullptr, &fn);
  exports.Set("jsonOneByte", Napi::Value(env, fn));
  napi_create_function(e, "jsonValidate", NAPI_AUTO_LENGTH, Validate, nullptr, &fn);
  exports.Set("jsonValidate", Napi::Value(env, fn));
  napi_create_function(e, "jsonGet", NAPI_AUTO_LENGTH, Get, nullptr, &fn);
  exports.Set("jsonGet", Napi::Value(env, fn));
  napi_create_function(e, "jsonSetCollector", NAPI_AUTO_LENGTH, SetCollector, nullptr, &fn);
  exports.Set("jsonSetCollector", Napi::Value(env, fn));
  napi_create_function(e, "jsonBuffers", NAPI_AUTO_LENGTH, Buffers, nullptr, &fn);
  exports.Set("jsonBuffers", Napi::Value(env, fn));
}

}  // namespace afterburner
