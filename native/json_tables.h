// The intern tables of the tape builder: object keys and object shapes (persistent across
// documents, so JavaScript caches one factory per shape) and one document's distinct string
// values. Header-only: the tape walk (json_tape.cc) inlines every lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace afterburner {
namespace json {

// Objects with this many keys or more are dictionaries in the builtin's result (V8 11 to 14), and
// in ours: no shape, keys looked up but never added (maps keyed by ids would fill the tables).
constexpr uint32_t kDictionaryKeys = 128;
// What is kept across calls is bounded in count and in bytes; past a bound the key and shape
// tables are reset together (JavaScript drops its side with them, see META_RESET).
constexpr uint32_t kKeyLimit = 1u << 14;
constexpr size_t kKeyBytesLimit = 512u << 10;
// Keys longer than this are never kept: built for their document only.
constexpr uint32_t kMaxKeptKey = 256;
constexpr uint32_t kShapeLimit = 2048;
// A shape costs JavaScript a compiled factory: estimated at a few KB plus per key (measured RSS
// per factory: about 5 KB for 2 keys, 11 KB for 20, 77 KB for 100).
constexpr size_t kShapeBaseBytes = 4096;
constexpr size_t kShapeKeyBytes = 768;
constexpr size_t kShapeBytesLimit = 12u << 20;
// Per document, new keys and shapes are kept only up to a budget that grows with its length, so
// one document cannot make its own parse costly (a factory compiles for tens of microseconds,
// as long as the builtin takes for ~20 KB): the rest of its objects are built without a shape.
constexpr uint32_t kDocKeysBase = 64;
constexpr uint32_t kDocKeysPerByte = 128;     // one more kept key per this many input bytes
constexpr uint32_t kDocShapesBase = 2;
constexpr uint32_t kDocShapesPerByte = 16384;  // one more new shape per this many input bytes

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

// Byte equality for keys and strings, most of them short: a libc memcmp call per key shows in
// object-heavy parses, so up to 16 bytes this compares with overlapping loads, all in bounds.
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
    // Memory goes back too: a reset follows a budget reached, not a normal day.
    std::vector<Slot>(1024, Slot{0, 0, 0, kEmpty}).swap(slots);
    std::vector<Unit>().swap(arena);
    std::vector<std::pair<uint32_t, uint32_t>>().swap(spans);
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
  // The id of p[0, len), or kEmpty when absent.
  uint32_t Lookup(const Unit* p, uint32_t len, uint64_t h) const {
    size_t mask = slots.size() - 1;
    size_t i = h & mask;
    while (true) {
      const Slot& s = slots[i];
      if (s.id == kEmpty) return kEmpty;
      if (s.hash == h && s.len == len && SameBytes(arena.data() + s.off, p, len * sizeof(Unit))) return s.id;
      i = (i + 1) & mask;
    }
  }
  // Bytes held: the arena, the spans and the slots.
  size_t Bytes() const { return arena.capacity() * sizeof(Unit) + spans.capacity() * sizeof(spans[0]) + slots.capacity() * sizeof(Slot); }
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
struct KeyTable : InternTable<uint8_t> {};

// Object shapes: the sequence of key ids of an object, in document order.
struct ShapeTable : InternTable<uint32_t> {
  static uint64_t Hash(const uint32_t* ids, uint32_t n) {
    uint64_t h = 0xCBF29CE484222325ull ^ n;
    for (uint32_t k = 0; k < n; k++) {
      h = (h ^ ids[k]) * 0x100000001B3ull;
      h ^= h >> 31;
    }
    return h;
  }
  // JavaScript's estimated cost of the factories, see kShapeBaseBytes.
  size_t factoryBytes = 0;
};

// Hashes seen once, in a fixed direct-mapped array: a key or a shape is kept in the persistent
// tables only when it is seen a second time (in the same document or a later one), so keys that
// never repeat (ids, hashes, timestamps used as keys) cost no table entry, no interned string and
// no factory. A collision only forgets or (rarely) admits early: both are safe.
struct SeenOnce {
  static constexpr size_t kSlots = 1u << 12;
  std::vector<uint64_t> slots = std::vector<uint64_t>(kSlots, 0);
  // True when h was noted before; else notes it.
  bool Check(uint64_t h) {
    h |= 1;
    uint64_t& slot = slots[(h >> 17) & (kSlots - 1)];
    if (slot == h) return true;
    slot = h;
    return false;
  }
};

// Distinct string values of one document; a generation stamp avoids clearing between documents.
// Slots are 16 bytes (the low half of the hash; the string's pointer is read from `ptrs` only when
// hash and length match): with 32-byte slots, probing a table of thousands of strings missed the
// cache on most lookups.
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
  size_t Bytes() const { return slots.capacity() * sizeof(Slot) + ptrs.capacity() * sizeof(ptrs[0]) + lens.capacity() * sizeof(lens[0]); }
  void Release() {
    std::vector<Slot>(1024, Slot{0, 0, 0, 0}).swap(slots);
    std::vector<const uint8_t*>().swap(ptrs);
    std::vector<uint32_t>().swap(lens);
    gen = 1;
    used = 0;
  }
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


}  // namespace json
}  // namespace afterburner
