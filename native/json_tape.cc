// The tape builder. simdjson (DOM) parses; then one linear walk of simdjson's own tape writes a
// compact tape for the JavaScript builder (src/json/tape.ts):
//   ops  (Uint32Array)   one word per value: low 3 bits the kind, the rest a count or an index;
//   nums (Float64Array)  every number, already a double, in document order;
//   one JS array         the new object keys (persistent ids, see KeyTable), then this document's
//                        distinct string values.
// Why a tape instead of building values here: a Node-API call per value costs more than V8's own
// parser spends on it, so the only per-value Node-API calls left are for distinct strings.
// Object shapes (the sequence of key ids of an object) get persistent ids too, so JavaScript can
// build same-shaped objects from one cached factory.
// The walk also counts stage 1's structural indexes as it goes, so each integer zero knows where
// its token starts (simdjson reads `-0` as 0; RestoreMinusZeros gives the sign back), and it tries
// each array element's keys against the previous element's shape before hashing them.
//
// Every failure (invalid JSON, a number simdjson cannot represent exactly, depth, a `-0` whose
// token cannot be confirmed, a BOM...) returns a "fall back" answer: JavaScript then calls the
// builtin, so errors and edge cases are always the builtin's own.
#include "json_tape.h"

#include <cstring>
#include <vector>

#include "json_tape_layout.h"

namespace afterburner {
namespace json {
namespace {

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

// The key id of p[0, len): from the table, or newly added when the key is seen a second time and
// the budgets allow it; else the key is this document's own string (kLocalKey | its index).
inline uint32_t KeyId(JsonState& s, const uint8_t* p, uint32_t len) {
  const uint64_t h = HashBytes(p, len);
  const uint32_t id = s.keys.Lookup(p, len, h);
  if (id != KeyTable::kEmpty) return id;
  if (len <= kMaxKeptKey && s.seenKeys.Check(h) && s.docKeysLeft > 0 && s.keys.count < kKeyLimit && s.keys.arena.size() < kKeyBytesLimit) {
    s.docKeysLeft--;
    bool added = false;
    return s.keys.Find(p, len, h, &added);
  }
  return kLocalKey | s.strings.Intern(p, len);
}

// The shape id of a key-id sequence: from the table, or newly added (with its definition for
// JavaScript, which compiles a factory for it) when seen a second time and the budgets allow it;
// else kNoShape.
inline uint32_t ShapeId(JsonState& s, const uint32_t* ids, uint32_t n) {
  const uint64_t h = ShapeTable::Hash(ids, n);
  const uint32_t id = s.shapes.Lookup(ids, n, h);
  if (id != ShapeTable::kEmpty) return id;
  if (!s.seenShapes.Check(h) || s.docShapesLeft == 0 || s.shapes.count >= kShapeLimit || s.shapes.factoryBytes >= kShapeBytesLimit) return kNoShape;
  s.docShapesLeft--;
  bool added = false;
  const uint32_t shape = s.shapes.Find(ids, n, h, &added);
  s.shapes.factoryBytes += kShapeBaseBytes + kShapeKeyBytes * n;
  s.defs.push_back(n);
  s.defs.insert(s.defs.end(), ids, ids + n);
  return shape;
}

// Whether a key is an array index ("0", "17", up to 4294967294): V8 keeps those as elements,
// which do not count towards the properties that make an object a dictionary.
inline bool IsArrayIndex(const uint8_t* p, uint32_t len) {
  if (len == 0 || len > 10 || (p[0] == '0' && len > 1)) return false;
  uint64_t v = 0;
  for (uint32_t k = 0; k < len; k++) {
    if (p[k] < '0' || p[k] > '9') return false;
    v = v * 10 + (p[k] - '0');
  }
  return v < 0xFFFFFFFFull;
}

// An object of kDictionaryKeys or more members: keys known to the table by id, the others as this
// document's strings (never added: such objects are mostly maps keyed by ids). OP_DICT when it has
// that many named (non-index) keys, where the builtin's result is a dictionary too, else OP_OBJG.
void EmitDictionary(JsonState& s, size_t i, size_t end, uint32_t n) {
  s.predict = kNoShape;  // a sibling's shape says nothing about this object's members
  const size_t at = s.o++;
  s.st++;
  uint32_t named = 0;
  size_t j = i + 1;
  while (j < end - 1) {
    uint32_t len;
    const uint8_t* p = StringAt(s.sbuf, s.tape[j], &len);
    named += !IsArrayIndex(p, len);
    const uint32_t id = s.keys.Lookup(p, len, HashBytes(p, len));
    s.ops[s.o++] = id != KeyTable::kEmpty ? id : kLocalKey | s.strings.Intern(p, len);
    j++;
    s.st += 2;
    EmitValue(s, j);
    s.st++;
  }
  s.ops[at] = (n << 3) | (named >= kDictionaryKeys ? OP_DICT : OP_OBJG);
  s.lastShape = kNoShape;
}

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
      const uint32_t members = ContainerCount(tape, i);
      if (members >= kDictionaryKeys) {
        EmitDictionary(s, i, end, members);
        i = end;
        return;
      }
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
      bool local = false;  // a key is not kept: the object is built without a shape
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
          id = KeyId(s, p, len);
          local |= (id & kLocalKey) != 0;
        }
        s.keyScratch.push_back(id);
        k++;
        j++;
        SkipValue(tape, j);
      }
      uint32_t n = static_cast<uint32_t>(s.keyScratch.size() - base);
      uint32_t shape = kNoShape;
      if (!local) shape = guessIds && guessCount == n ? guess : ShapeId(s, s.keyScratch.data() + base, n);
      if (shape != kNoShape) {
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
        // No shape (a key or the key set is not kept): keys word by word, built in JavaScript
        // without a factory.
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
        if (n == 0) s.st++;
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
// the decoding). The bytes are valid UTF-8 without
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

// simdjson reads `-0` (no fraction or exponent) as the integer 0; the builtin keeps the sign.
// The tape walk (EmitValue) counts structural indexes as it goes (every scalar, string, bracket,
// comma and colon is one) and notes, for each integer zero, its nums slot and its structural
// index; a zero whose text starts with '-' gets its sign back here. Checked: the walk must have
// counted exactly stage 1's structurals, and every noted zero must start with '0' or '-', else
// the builtin answers. Only the zeros' first bytes are read, not the text at every structural.
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

}  // namespace

// Walks the element starting at tape index `start` into ops/nums; returns the strings array
// (new keys, then distinct strings) or null when the input must go to the builtin.
napi_value EmitTape(napi_env env, JsonState& s, const uint8_t* in, size_t start, size_t len) {
  napi_value null;
  napi_get_null(env, &null);
  const simdjson::dom::document& doc = s.parser.doc;
  size_t tapeWords = static_cast<size_t>(doc.tape[0] & kValueMask) + 1;
  // Counts share an op word with 3 kind bits: no count can reach 2^29 below this many tape words.
  if (tapeWords >= (size_t(1) << 29)) {
    s.meta[META_ERROR] = REASON_TOO_LARGE;
    return null;
  }
  if (!EnsureOutput(env, s, tapeWords)) return null;
  if (s.pendingReset || s.keys.count >= kKeyLimit || s.keys.arena.size() >= kKeyBytesLimit || s.shapes.count >= kShapeLimit ||
      s.shapes.factoryBytes >= kShapeBytesLimit) {
    s.keys.Reset();
    s.shapes.Reset();
    s.shapes.factoryBytes = 0;
    s.pendingReset = false;
    s.meta[META_RESET] = 1;
    s.resets++;
  }
  s.docKeysLeft = kDocKeysBase + static_cast<uint32_t>(len / kDocKeysPerByte);
  s.docShapesLeft = kDocShapesBase + static_cast<uint32_t>(len / kDocShapesPerByte);
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
  // defs.data() may be null when empty, and memcpy from null is undefined even for 0 bytes.
  if (!s.defs.empty()) std::memcpy(s.ops + opsEnd, s.defs.data(), s.defs.size() * sizeof(uint32_t));
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

}  // namespace json
}  // namespace afterburner
