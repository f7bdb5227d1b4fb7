// The structural index behind json.validate and json.get on processors with AVX-512 (VBMI2) or
// AVX2: simdjson's stage 1 (structurals, string extents, unescaped control characters), in one
// pass that also checks every escape (a one-character escape, or \u and four hex digits), so the
// grammar walk (native/json_walk.cc) never looks inside a string again.
//
// Why: the walk's per-token checks were most of its time, and a string cost a second read of it
// to find backslashes. Here a block's escapes are found from the backslash mask it already has:
// odd-length runs, then the escaped bytes checked with a nibble lookup. Numbers stay with the
// walk: checking them as block masks too was no faster on number-dense documents and slower
// elsewhere (benchmarks/README.md, "Native code: the measurements behind its comments").
//
// UTF-8 is checked with simdjson::validate_utf8, only over the 4 KB chunks that hold a byte >= 0x80,
// right after each is indexed. With AVX-512, two blocks per step, positions written 16 at a time
// from a compressed vector of offsets; with AVX2, the lowest set bit four at a time. Every verdict
// and index is checked against simdjson's stage 1 plus the per-token walk
// (test/native/json_index_check.cc). Reads no byte outside in[0, len): the last partial block is
// copied into a window padded with spaces.
#include "json_index.h"

#include <cstring>

#include "cpu.h"

#include "simdjson.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define AB_INDEX_X64 1
#endif

namespace afterburner {
namespace jsonwalk {

#ifdef AB_INDEX_X64
// GCC 12 warns inside its own AVX-512 intrinsics (their _mm512_undefined_epi32() operand, GCC
// bug 105593, fixed in 13): nothing here is uninitialised.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// And about passing vector types between functions compiled for different instruction sets:
// every such function here is inlined into one entry per instruction set.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#define AB_ISA_512 "avx512f,avx512bw,avx512vl,avx512vbmi2,pclmul,popcnt,bmi,bmi2,lzcnt"
#define AB_ISA_256 "avx2,pclmul,popcnt,bmi,bmi2,lzcnt"
#define AB_512 __attribute__((target(AB_ISA_512)))
#define AB_256 __attribute__((target(AB_ISA_256)))

namespace {

// The byte classes of one 64-byte block as 64-bit masks (bit i: byte i), for AVX-512 (one
// register, compares straight to masks) and AVX2 (two halves, compares then movemask).
struct Bytes512 {
  __m512i v;
  AB_512 static Bytes512 Load(const uint8_t* p) { return {_mm512_loadu_si512(p)}; }
  AB_512 uint64_t Eq(char c) const { return _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c)); }
  AB_512 uint64_t Below(char n) const { return _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(n)); }
  // Bytes whose low nibble looks up themselves in `table` (after OR `fold`).
  AB_512 uint64_t Lookup(__m128i table, char fold) const {
    const __m512i t = _mm512_broadcast_i32x4(table);
    return _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(t, v), _mm512_or_si512(v, _mm512_set1_epi8(fold)));
  }
  // Bytes whose two nibbles both have a common bit in the two tables.
  AB_512 uint64_t Nibbles(__m128i lowTable, __m128i highTable) const {
    const __m512i nibble = _mm512_set1_epi8(0x0F);
    const __m512i low = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(lowTable), _mm512_and_si512(v, nibble));
    const __m512i high = _mm512_shuffle_epi8(_mm512_broadcast_i32x4(highTable), _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble));
    return _mm512_test_epi8_mask(low, high);
  }
  // Hex digits.
  AB_512 uint64_t Hex() const {
    const __m512i lower = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    return _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(10)) |
           _mm512_cmplt_epu8_mask(_mm512_sub_epi8(lower, _mm512_set1_epi8('a')), _mm512_set1_epi8(6));
  }
  AB_512 static bool AnyHigh(const Bytes512& a) { return _mm512_movepi8_mask(a.v) != 0; }
  AB_512 static Bytes512 Or(const Bytes512& a, const Bytes512& b) { return {_mm512_or_si512(a.v, b.v)}; }
  AB_512 static Bytes512 Zero() { return {_mm512_setzero_si512()}; }
};

struct Bytes256 {
  __m256i lo, hi;
  AB_256 static uint64_t Bits(__m256i l, __m256i h) {
    return static_cast<uint32_t>(_mm256_movemask_epi8(l)) | (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(h))) << 32);
  }
  AB_256 static Bytes256 Load(const uint8_t* p) {
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32))};
  }
  AB_256 uint64_t Eq(char c) const {
    const __m256i x = _mm256_set1_epi8(c);
    return Bits(_mm256_cmpeq_epi8(lo, x), _mm256_cmpeq_epi8(hi, x));
  }
  AB_256 uint64_t Below(char n) const {  // unsigned: min(byte, n - 1) == byte
    const __m256i x = _mm256_set1_epi8(static_cast<char>(n - 1));
    return Bits(_mm256_cmpeq_epi8(_mm256_min_epu8(lo, x), lo), _mm256_cmpeq_epi8(_mm256_min_epu8(hi, x), hi));
  }
  AB_256 uint64_t Lookup(__m128i table, char fold) const {
    const __m256i t = _mm256_broadcastsi128_si256(table), f = _mm256_set1_epi8(fold);
    return Bits(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(t, lo), _mm256_or_si256(lo, f)), _mm256_cmpeq_epi8(_mm256_shuffle_epi8(t, hi), _mm256_or_si256(hi, f)));
  }
  AB_256 uint64_t Nibbles(__m128i lowTable, __m128i highTable) const {
    const __m256i nibble = _mm256_set1_epi8(0x0F), zero = _mm256_setzero_si256();
    const __m256i lt = _mm256_broadcastsi128_si256(lowTable), ht = _mm256_broadcastsi128_si256(highTable);
    const __m256i l = _mm256_and_si256(_mm256_shuffle_epi8(lt, _mm256_and_si256(lo, nibble)), _mm256_shuffle_epi8(ht, _mm256_and_si256(_mm256_srli_epi16(lo, 4), nibble)));
    const __m256i h = _mm256_and_si256(_mm256_shuffle_epi8(lt, _mm256_and_si256(hi, nibble)), _mm256_shuffle_epi8(ht, _mm256_and_si256(_mm256_srli_epi16(hi, 4), nibble)));
    return ~Bits(_mm256_cmpeq_epi8(l, zero), _mm256_cmpeq_epi8(h, zero));
  }
  AB_256 static __m256i HexHalf(__m256i x) {
    const __m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8('0'));
    const __m256i l = _mm256_sub_epi8(_mm256_or_si256(x, _mm256_set1_epi8(0x20)), _mm256_set1_epi8('a'));
    return _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d), _mm256_cmpeq_epi8(_mm256_min_epu8(l, _mm256_set1_epi8(5)), l));
  }
  AB_256 uint64_t Hex() const { return Bits(HexHalf(lo), HexHalf(hi)); }
  AB_256 static bool AnyHigh(const Bytes256& a) { return _mm256_movemask_epi8(_mm256_or_si256(a.lo, a.hi)) != 0; }
  AB_256 static Bytes256 Or(const Bytes256& a, const Bytes256& b) { return {_mm256_or_si256(a.lo, b.lo), _mm256_or_si256(a.hi, b.hi)}; }
  AB_256 static Bytes256 Zero() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
};

// What one block hands the next: the escape and string state, and the token bytes (bit 63).
struct Carry {
  uint64_t escaped = 0;   // 1: the next block's first byte is escaped
  uint64_t inString = 0;  // all ones: the next block starts inside a string
  uint64_t u = 0;         // \u escapes (their 'u'), for hex digits that fall in the next block
  uint64_t scalar = 0;    // bytes of tokens outside strings
};

// Bit i set when an odd number of bits 0..i are (a carry-less multiplication by all ones).
__attribute__((target("pclmul"))) inline uint64_t PrefixXor(uint64_t bits) {
  return static_cast<uint64_t>(
      _mm_cvtsi128_si64(_mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(bits)), _mm_set1_epi8(static_cast<char>(0xFF)), 0)));
}

// One 64-byte block: returns its structurals and ORs violations into *bad. Inlined (flatten)
// into the entry of its instruction set below.
template <class B>
inline uint64_t Block(const B& v, Carry& c, uint64_t* bad) {
  const uint64_t backslash = v.Eq('\\');
  const uint64_t quote = v.Eq('"');

  // Escapes: a backslash that is not itself escaped escapes the next byte. Odd-length runs of
  // backslashes are found with one subtraction: from each run's first backslash, borrowing
  // through the run flips the parity pattern exactly where the run ends.
  uint64_t escaped = 0;
  if (__builtin_expect(backslash | c.escaped | c.u, 0)) {
    constexpr uint64_t kOdd = 0xAAAAAAAAAAAAAAAAull;
    const uint64_t starts = backslash & ~c.escaped;
    const uint64_t codes = (((starts << 1) | kOdd) - starts) ^ kOdd;
    escaped = codes ^ (backslash | c.escaped);
    c.escaped = (codes & backslash) >> 63;
    // The bytes that may follow a backslash, " \ / b f n r t u, by nibbles: a bit per high nibble
    // (2, 5, 6, 7) set in the low nibble's entry when that pair is one of them.
    const uint64_t escapable = v.Nibbles(_mm_setr_epi8(0, 0, 0xD, 0, 8, 8, 4, 0, 0, 0, 0, 0, 2, 0, 4, 1),
                                         _mm_setr_epi8(0, 0, 1, 0, 0, 2, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0));
    const uint64_t u = escaped & v.Eq('u');
    const uint64_t needHex = (u << 1) | (u << 2) | (u << 3) | (u << 4) | (c.u >> 63) | (c.u >> 62) | (c.u >> 61) | (c.u >> 60);
    *bad |= (escaped & ~escapable) | (needHex & ~v.Hex());
    c.u = u;
  }

  const uint64_t realQuote = quote & ~escaped;
  // Prefix XOR: 1 from an opening quote up to (not including) its closing quote.
  const uint64_t inString = PrefixXor(realQuote) ^ c.inString;
  c.inString = static_cast<uint64_t>(static_cast<int64_t>(inString) >> 63);
  const uint64_t control = v.Below(0x20);
  *bad |= control & inString;

  // Whitespace by the low nibble (' ' at 0, '\t' '\n' '\r' at their own values). Operators the
  // same way after OR 0x20, which folds '[' ']' onto '{' '}'; it also folds the control bytes
  // 0x0C and 0x1A onto ',' and ':', hence `& ~control`.
  const uint64_t space = v.Lookup(_mm_setr_epi8(' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0), 0);
  const uint64_t op = v.Lookup(_mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ':', '{', ',', '}', 0, 0), 0x20) & ~control;
  const uint64_t scalar = ~(space | op | quote | inString);
  const uint64_t tokenStart = scalar & ~((scalar << 1) | (c.scalar >> 63));
  c.scalar = scalar;
  return (op & ~inString) | (realQuote & inString) | tokenStart;
}

// The positions of the set bits, 16 at a time from a compressed vector of byte offsets (the
// output has room for 64 past the end).
AB_512 inline uint32_t* Flatten512(uint32_t* out, uint64_t bits, uint32_t pos) {
  if (!bits) return out;
  const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36,
                                       35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8,
                                       7, 6, 5, 4, 3, 2, 1, 0);
  const uint32_t count = static_cast<uint32_t>(_mm_popcnt_u64(bits));
  const __m512i offsets = _mm512_maskz_compress_epi8(bits, iota);
  const __m512i base = _mm512_set1_epi32(static_cast<int>(pos));
  _mm512_storeu_si512(out, _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_castsi512_si128(offsets))));
  if (count > 16) {
    _mm512_storeu_si512(out + 16, _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offsets, 1))));
    if (count > 32) {
      _mm512_storeu_si512(out + 32, _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offsets, 2))));
      _mm512_storeu_si512(out + 48, _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(offsets, 3))));
    }
  }
  return out + count;
}

// Without a compress instruction: the lowest set bit, four per round (the output has room for
// three past the end); a table of offsets per mask byte was slower.
AB_256 inline uint32_t* Flatten256(uint32_t* out, uint64_t bits, uint32_t pos) {
  if (!bits) return out;
  const uint32_t count = static_cast<uint32_t>(_mm_popcnt_u64(bits));
  uint32_t* const end = out + count;
  do {
    for (int i = 0; i < 4; i++) {
      out[i] = pos + static_cast<uint32_t>(_tzcnt_u64(bits));
      bits = _blsr_u64(bits);
    }
    out += 4;
  } while (out < end);
  return end;
}

template <class B, uint32_t* (*Flatten)(uint32_t*, uint64_t, uint32_t)>
inline IndexVerdict IndexWith(const uint8_t* in, size_t len, std::vector<uint32_t>& indexes, uint32_t* count) {
  if (indexes.size() < len + 128) indexes.resize(len + 128);  // at most one structural per byte, 64 written past the last
  uint32_t* const first = indexes.data();
  uint32_t* out = first;
  Carry c;
  uint64_t bad = 0;
  // UTF-8 is checked per 4 KB chunk that holds a byte >= 0x80, right after the chunk is indexed
  // (while it is in cache), from `checked` to a character boundary near the chunk's end.
  size_t checked = 0;
  bool utf8 = true;
  size_t pos = 0;
  while (pos + 128 <= len) {
    const size_t chunkStart = pos, chunkEnd = pos + 4096 <= len ? pos + 4096 : len;
    B any = B::Zero();
    for (; pos + 128 <= chunkEnd; pos += 128) {
      // Two blocks at a time: their work is independent until the carries, and overlaps.
      const B v1 = B::Load(in + pos), v2 = B::Load(in + pos + 64);
      any = B::Or(any, B::Or(v1, v2));
      const uint64_t s1 = Block(v1, c, &bad);
      const uint64_t s2 = Block(v2, c, &bad);
      out = Flatten(out, s1, static_cast<uint32_t>(pos));
      out = Flatten(out, s2, static_cast<uint32_t>(pos + 64));
    }
    if (B::AnyHigh(any) || checked < chunkStart) {
      // End at a character boundary: step back over at most three continuation bytes (more
      // would be invalid UTF-8 anyway, which the next chunk's check then sees).
      size_t end = pos;
      for (int k = 0; k < 3 && end > checked && end < len && (in[end] & 0xC0) == 0x80; k++) end--;
      utf8 &= simdjson::validate_utf8(reinterpret_cast<const char*>(in + checked), end - checked);
      checked = end;
    } else {
      checked = pos;
    }
  }
  for (; pos + 64 <= len; pos += 64) out = Flatten(out, Block(B::Load(in + pos), c, &bad), static_cast<uint32_t>(pos));
  if (pos < len) {
    // The rest as a block padded with spaces.
    alignas(64) uint8_t tail[64];
    std::memset(tail, ' ', sizeof tail);
    std::memcpy(tail, in + pos, len - pos);
    out = Flatten(out, Block(B::Load(tail), c, &bad), static_cast<uint32_t>(pos));
  }
  // The last (less than 128) bytes, and whatever the last chunk left unchecked.
  for (size_t k = checked; k < len; k++) {
    if (in[k] >= 0x80) {
      utf8 &= simdjson::validate_utf8(reinterpret_cast<const char*>(in + checked), len - checked);
      break;
    }
  }
  *count = static_cast<uint32_t>(out - first);
  // What simdjson's stage 1 leaves after the last index, and the walk relies on: an invalid
  // document can make it read one index past the last (never a byte past the input).
  out[0] = static_cast<uint32_t>(len);
  out[1] = static_cast<uint32_t>(len);
  out[2] = 0;
  // (A \u escape whose digits would run past the end leaves the string unclosed.)
  if (bad || c.inString || *count == 0) return kIndexInvalid;
  if (!utf8) return kIndexUtf8;
  return kIndexValid;
}

__attribute__((target(AB_ISA_512), flatten)) IndexVerdict Index512(const uint8_t* in, size_t len, std::vector<uint32_t>& indexes, uint32_t* count) {
  return IndexWith<Bytes512, Flatten512>(in, len, indexes, count);
}

__attribute__((target(AB_ISA_256), flatten)) IndexVerdict Index256(const uint8_t* in, size_t len, std::vector<uint32_t>& indexes, uint32_t* count) {
  return IndexWith<Bytes256, Flatten256>(in, len, indexes, count);
}

using IndexFn = IndexVerdict (*)(const uint8_t*, size_t, std::vector<uint32_t>&, uint32_t*);

// The stage 1 of ours for the processor level cpu.h chose (with its name), or none.
struct IndexChoice {
  IndexFn fn;
  const char* name;
};

IndexChoice PickIndex() {
  switch (cpu::Active()) {
    case cpu::Level::kAvx512:
      return {Index512, "avx512"};
    case cpu::Level::kAvx2:
      return {Index256, "avx2"};
    default:
      return {nullptr, "simdjson"};
  }
}

// A function-local static: json_query.cc asks from its own static initializers, whose order
// against this file's is unspecified.
const IndexChoice& Choice() {
  static const IndexChoice choice = PickIndex();
  return choice;
}

}  // namespace

bool IndexAvailable() { return Choice().fn != nullptr; }

const char* IndexName() { return Choice().name; }

IndexVerdict Index(const uint8_t* in, size_t len, std::vector<uint32_t>& indexes, uint32_t* count) {
  *count = 0;
  const IndexFn fn = Choice().fn;
  if (!fn || len == 0 || len >= 0xFFFFFF00u) return len ? kIndexUtf8 : kIndexInvalid;
  return fn(in, len, indexes, count);
}

#else

bool IndexAvailable() { return false; }

const char* IndexName() { return "simdjson"; }

IndexVerdict Index(const uint8_t*, size_t, std::vector<uint32_t>&, uint32_t* count) {
  *count = 0;
  return kIndexUtf8;
}

#endif

}  // namespace jsonwalk
}  // namespace afterburner
