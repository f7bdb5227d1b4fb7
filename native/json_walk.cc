// The grammar walk behind json.validate and json.get: what simdjson's stage 1 leaves unchecked
// (nesting, commas and colons, number and literal syntax, escapes), checked over stage 1's
// structural indexes without converting a number or unescaping a string.
//
// One walk validates and follows the pointer (a second walk for the pointer would re-skip whole
// subtrees); the states are labels (no state variable); a number costs its digit and '.' masks
// from one 32-byte SSE2 window (no byte loop), short numeric arrays have their own loop, dense
// ones are checked 64 bytes at a time with AVX2 or AVX-512; strings are searched for backslashes
// only. A number still costs several times a structural, so on number-heavy documents the walk,
// not stage 1, is the larger part. The input is read where the caller keeps it: its
// last 64 bytes are also copied into a space-padded window, so fixed-width loads near the end
// never read past it (test/native/json_walk_check.cc puts a guard page there to prove it).
#include "json_walk.h"

#include <cstring>

#include "cpu.h"

#if defined(__SSE2__) || defined(_M_X64) || defined(_M_AMD64)
#include <immintrin.h>
#define AB_WALK_SSE2 1
#endif

namespace afterburner {
namespace jsonwalk {
namespace {

struct ByteTables {
  bool ends[256];    // may follow a number or literal
  bool ws[256];      // JSON whitespace
  bool escape[256];  // a one-character escape after a backslash
  bool hex[256];
};

constexpr ByteTables MakeTables() {
  ByteTables t{};
  for (int c : {' ', '\t', '\n', '\r'}) t.ws[c] = t.ends[c] = true;
  // Not '"': stage 1 does not mark a quote that directly follows a scalar as structural, so
  // `1"x"` must be rejected here.
  for (int c : {',', ']', '}', ':', '[', '{'}) t.ends[c] = true;
  for (int c : {'"', '\\', '/', 'b', 'f', 'n', 'r', 't'}) t.escape[c] = true;
  for (int c = '0'; c <= '9'; c++) t.hex[c] = true;
  for (int c = 'a'; c <= 'f'; c++) t.hex[c] = t.hex[c - 'a' + 'A'] = true;
  return t;
}

constexpr ByteTables kTables = MakeTables();

inline bool IsDigit(uint8_t c) { return static_cast<uint8_t>(c - '0') < 10; }
inline bool NumberStart(uint8_t c) { return c == '-' || IsDigit(c); }

// The input, and fixed-width windows into it.
struct Source {
  const uint8_t* in;
  size_t len;
  size_t tailStart;
  alignas(16) uint8_t tail[128];

  Source(const uint8_t* p, size_t n) : in(p), len(n), tailStart(n > 64 ? n - 64 : 0) {
    std::memset(tail, ' ', sizeof tail);
    if (n) std::memcpy(tail, p + tailStart, n - tailStart);
  }
  // At least 64 readable bytes that start with in[pos] (pos < len); bytes past the end of the
  // input read as spaces, which is what "end of input" means to every check below.
  const uint8_t* At(size_t pos) const { return pos + 64 <= len ? in + pos : tail + (pos - tailStart); }
};

struct NumberMasks {
  uint32_t digit, minus, plus, dot, exp;
};

#ifdef AB_WALK_SSE2
inline uint32_t Bits(__m128i lo, __m128i hi) {
  return static_cast<uint32_t>(_mm_movemask_epi8(lo)) | (static_cast<uint32_t>(_mm_movemask_epi8(hi)) << 16);
}

inline NumberMasks Classify(const uint8_t* p) {
  __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
  __m128i dl = _mm_sub_epi8(lo, zero), dh = _mm_sub_epi8(hi, zero);
  NumberMasks m;
  m.digit = Bits(_mm_cmpeq_epi8(_mm_min_epu8(dl, nine), dl), _mm_cmpeq_epi8(_mm_min_epu8(dh, nine), dh));
  const __m128i minus = _mm_set1_epi8('-'), plus = _mm_set1_epi8('+'), dot = _mm_set1_epi8('.');
  m.minus = Bits(_mm_cmpeq_epi8(lo, minus), _mm_cmpeq_epi8(hi, minus));
  m.plus = Bits(_mm_cmpeq_epi8(lo, plus), _mm_cmpeq_epi8(hi, plus));
  m.dot = Bits(_mm_cmpeq_epi8(lo, dot), _mm_cmpeq_epi8(hi, dot));
  const __m128i lower = _mm_set1_epi8(0x20), e = _mm_set1_epi8('e');
  m.exp = Bits(_mm_cmpeq_epi8(_mm_or_si128(lo, lower), e), _mm_cmpeq_epi8(_mm_or_si128(hi, lower), e));
  return m;
}

inline uint32_t BackslashBits(const uint8_t* p) {
  const __m128i bs = _mm_set1_epi8('\\');
  __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  return Bits(_mm_cmpeq_epi8(lo, bs), _mm_cmpeq_epi8(hi, bs));
}
#else
inline NumberMasks Classify(const uint8_t* p) {
  NumberMasks m{0, 0, 0, 0, 0};
  for (uint32_t i = 0; i < 32; i++) {
    uint8_t c = p[i];
    uint32_t bit = 1u << i;
    if (IsDigit(c)) m.digit |= bit;
    if (c == '-') m.minus |= bit;
    if (c == '+') m.plus |= bit;
    if (c == '.') m.dot |= bit;
    if ((c | 0x20) == 'e') m.exp |= bit;
  }
  return m;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
// Without SSE2 (arm64...): eight bytes at a time in a 64-bit word, each comparison exact per
// byte (no carry crosses a byte), then the bytes' high bits packed into 8 mask bits.
inline uint64_t Word(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull, kLow7 = 0x7F7F7F7F7F7F7F7Full;
inline uint32_t Pack(uint64_t high) { return static_cast<uint32_t>((((high & kHigh) >> 7) * 0x0102040810204080ull) >> 56); }
inline uint64_t EqBytes(uint64_t v, uint8_t c) {
  const uint64_t z = v ^ (kOnes * c);
  return ~(((z & kLow7) + kLow7) | z) & kHigh;
}
inline uint64_t DigitBytes(uint64_t v) {
  const uint64_t y = v & kLow7;
  return ((y + kOnes * 0x50) & ~(y + kOnes * 0x46) & ~v) & kHigh;  // 0x30 <= byte <= 0x39
}
inline uint32_t BackslashBits(const uint8_t* p) {
  uint32_t bits = 0;
  for (int i = 0; i < 4; i++) bits |= Pack(EqBytes(Word(p + 8 * i), '\\')) << (8 * i);
  return bits;
}
#else
inline uint32_t BackslashBits(const uint8_t* p) {
  uint32_t bits = 0;
  for (uint32_t i = 0; i < 32; i++) bits |= uint32_t(p[i] == '\\') << i;
  return bits;
}
#endif
#endif

#ifdef AB_WALK_SSE2
// Digit and '.' masks of a 32-byte window.
inline void DigitDotBits(const uint8_t* p, uint32_t* digits, uint32_t* dots) {
  __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9), dot = _mm_set1_epi8('.');
  __m128i dl = _mm_sub_epi8(lo, zero), dh = _mm_sub_epi8(hi, zero);
  *digits = Bits(_mm_cmpeq_epi8(_mm_min_epu8(dl, nine), dl), _mm_cmpeq_epi8(_mm_min_epu8(dh, nine), dh));
  *dots = Bits(_mm_cmpeq_epi8(lo, dot), _mm_cmpeq_epi8(hi, dot));
}
 
// The common numbers, -?(0|[1-9][0-9]*)(.[0-9]+)?, of `length` bytes (1 to 31) at p (a window):
// from the digit and '.' masks alone, without a branch on the bytes. False means "check with
// NumberAt" (exponents, and every invalid token). `Bits` makes the masks (DigitDotBits here,
// DigitDotBits512 in the AVX-512 walk).
template <void (*Bits)(const uint8_t*, uint32_t*, uint32_t*)>
inline bool PlainNumberWith(const uint8_t* p, uint32_t length) {
  const uint32_t keep = (1u << length) - 1;
  uint32_t D, T;
  Bits(p, &D, &T);
  D &= keep;
  const uint32_t neg = p[0] == '-';
  const uint32_t other = keep & ~D & ~neg;                  // at most the '.'
  uint32_t ok = (D >> neg) & 1;                              // a digit first
  ok &= ~(static_cast<uint32_t>(p[neg] == '0') & (D >> (neg + 1)));  // no leading zero
  // No other byte, or exactly one '.' with a digit after it (the digits before are implied).
  ok &= static_cast<uint32_t>(other == 0) |
        (static_cast<uint32_t>((other & (other - 1)) == 0 && (other & T) == other && ((other << 1) & D) != 0));
  return ok & 1;
}

inline bool PlainNumber(const uint8_t* p, uint32_t length) { return PlainNumberWith<DigitDotBits>(p, length); }
#else
// Without SSE2 (arm64...): the whole number grammar (exponents too) byte by byte, digits 8 at a
// time in a 64-bit word (cheaper there than building masks without a vector unit). The token ends before byte
// 32 of the window (64 readable bytes) at a non-digit, so the word reads stay inside it.
inline const uint8_t* SkipDigits(const uint8_t* p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (true) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    // Per byte: t = byte ^ '0' is a digit's value when < 10. A high nibble or a low nibble >= 10
    // marks a non-digit; a carry out of a non-digit byte can only mark bytes after it.
    const uint64_t t = v ^ 0x3030303030303030ull;
    const uint64_t nonDigit = (t & 0xF0F0F0F0F0F0F0F0ull) | (((t + 0x0606060606060606ull) & 0x1010101010101010ull) << 3);
    if (nonDigit) return p + (__builtin_ctzll(nonDigit) >> 3);
    p += 8;
  }
#else
  while (IsDigit(*p)) p++;
  return p;
#endif
}

inline bool PlainNumber(const uint8_t* p, uint32_t length) {
  const uint8_t* const end = p + length;
  if (*p == '-') p++;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    p = SkipDigits(p + 1);
  } else {
    return false;
  }
  if (*p == '.') {
    if (!IsDigit(p[1])) return false;
    p = SkipDigits(p + 2);
  }
  if ((*p | 0x20) == 'e') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!IsDigit(*p)) return false;
    p = SkipDigits(p + 1);
  }
  return p == end;
}
#endif

// A number token of fewer than 32 bytes at p (a window): 1 valid, 0 invalid, -1 too long for
// the window (use LongNumber). The grammar -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as
// conditions on the bit masks of the token's bytes.
__attribute__((noinline)) int NumberAt(const uint8_t* p) {
  NumberMasks m = Classify(p);
  uint32_t other = ~(m.digit | m.minus | m.plus | m.dot | m.exp);
  if (other == 0) return -1;
  uint32_t length = static_cast<uint32_t>(__builtin_ctz(other));
  uint32_t keep = (1u << length) - 1;  // length < 32
  uint32_t D = m.digit & keep, M = m.minus & keep, P = m.plus & keep, T = m.dot & keep, E = m.exp & keep;
  uint32_t neg = M & 1u;
  uint32_t first = 1u << neg;
  uint32_t bad = first & ~D;                            // a digit first (after an optional '-')
  bad |= p[neg] == '0' ? D & (first << 1) : 0;          // no leading zero
  uint32_t signs = (M | P) & ~neg;
  bad |= signs & ~(E << 1);                             // other signs only right after the 'e'
  bad |= (T & (T - 1)) | (E & (E - 1));                 // at most one '.' and one 'e'
  bad |= ((T >> 1) | (T << 1) | (E >> 1)) & ~D;         // '.' between digits, 'e' after one
  uint32_t afterE = E << 1;
  afterE <<= (afterE & signs) ? 1 : 0;
  bad |= afterE & ~D;                                   // a digit after 'e' and its sign
  bad |= T & ~(E - 1);                                  // the '.' before the 'e'
  bad |= kTables.ends[p[length]] ? 0 : 1;
  return bad ? 0 : 1;
}

// The same grammar, byte by byte and bounded by the end of the input (numbers of 32 bytes or more).
__attribute__((noinline)) bool LongNumber(const Source& s, size_t pos) {
  const uint8_t* p = s.in + pos;
  const uint8_t* end = s.in + s.len;
  auto digits = [&]() {
    while (p < end && IsDigit(*p)) p++;
  };
  if (p < end && *p == '-') p++;
  if (p >= end) return false;
  if (*p == '0') {
    p++;
  } else if (*p >= '1' && *p <= '9') {
    p++;
    digits();
  } else {
    return false;
  }
  if (p < end && *p == '.') {
    p++;
    if (p >= end || !IsDigit(*p)) return false;
    digits();
  }
  if (p < end && (*p | 0x20) == 'e') {
    p++;
    if (p < end && (*p == '+' || *p == '-')) p++;
    if (p >= end || !IsDigit(*p)) return false;
    digits();
  }
  return p == end || kTables.ends[*p];
}

// Arrays of numbers (coordinates, vectors, samples) are checked 64 bytes at a time instead of
// one token at a time, where AVX2 or AVX-512 make a block's byte classes cheap (with SSE2 alone
// the window costs as much as the tokens it covers, so it is not used there). Byte classes of a
// 64-byte block (space: all four JSON whitespace bytes):
struct RunMasks {
  uint64_t digit, dot, minus, comma, space, zero;
};

// AB_WALK_NO_RUNS: leave the window check out (the differential check builds both).
#if (defined(__x86_64__) || defined(_M_X64)) && !defined(AB_WALK_NO_RUNS)
#define AB_WALK_WIDE 1
#define AB_WALK_SCALAR_ISA "popcnt,bmi,bmi2,lzcnt"
__attribute__((target("avx512f,avx512bw," AB_WALK_SCALAR_ISA))) inline RunMasks ClassifyRun512(const uint8_t* p) {
  const __m512i v = _mm512_loadu_si512(p);
  // Whitespace by the low nibble: ' ' (0x20) at 0, '\t' '\n' '\r' at their own values; a byte
  // with its high bit set looks up 0 and matches nothing.
  const long long lo = ' ', hi = 0x00000D00000A0900;  // bytes 8-15: 0 '\t' '\n' 0 0 '\r' 0 0
  const __m512i ws = _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
  RunMasks m;
  m.digit = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
  m.dot = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.'));
  m.minus = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('-'));
  m.comma = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(','));
  m.space = _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(ws, v), v);
  m.zero = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('0'));
  return m;
}

__attribute__((target("avx2," AB_WALK_SCALAR_ISA))) inline uint64_t Bits256(__m256i lo, __m256i hi) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(lo)) | (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(hi))) << 32);
}

__attribute__((target("avx2," AB_WALK_SCALAR_ISA))) inline uint64_t Eq256(__m256i lo, __m256i hi, char c) {
  const __m256i x = _mm256_set1_epi8(c);
  return Bits256(_mm256_cmpeq_epi8(lo, x), _mm256_cmpeq_epi8(hi, x));
}

__attribute__((target("avx2," AB_WALK_SCALAR_ISA))) inline RunMasks ClassifyRun256(const uint8_t* p) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const __m256i zero = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9);
  const __m256i dl = _mm256_sub_epi8(lo, zero), dh = _mm256_sub_epi8(hi, zero);
  const __m256i ws = _mm256_setr_epi8(' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0, ' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', '\n', 0, 0, '\r', 0, 0);
  RunMasks m;
  m.digit = Bits256(_mm256_cmpeq_epi8(_mm256_min_epu8(dl, nine), dl), _mm256_cmpeq_epi8(_mm256_min_epu8(dh, nine), dh));
  m.dot = Eq256(lo, hi, '.');
  m.minus = Eq256(lo, hi, '-');
  m.comma = Eq256(lo, hi, ',');
  m.space = Bits256(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(ws, lo), lo), _mm256_cmpeq_epi8(_mm256_shuffle_epi8(ws, hi), hi));
  m.zero = Eq256(lo, hi, '0');
  return m;
}
#endif

// What a number run found: `count` tokens, the last of them starting at `lastStart`; `bad` when
// one of them (or a separator) is invalid; `open` when the last one was not checked (the run
// stopped right after it, maybe inside it: an exponent, a string...).
struct RunResult {
  uint32_t count;
  bool bad, open;
  size_t lastStart;
};

// From in[pos], the first byte of a number in an array: the tokens of the form
// -?(0|[1-9][0-9]*)(.[0-9]+)? separated by exactly one ',' (whitespace around it allowed), up to
// the first byte of any other kind (an exponent, a string, the end of the array...). When that
// byte is the array's ']', every token is checked; otherwise all but the last (which the caller
// checks alone). count 0: nothing checked (the per-token walk does it all).
//
// Fixed 64-byte blocks (bit i of a mask is byte pos + i), and every rule looks only backwards:
// one byte back (the previous block's masks supply bit 63), or across a run of digits or of
// whitespace (an addition; its carry-out enters the next block's). So from one block to the
// next only pos and a few bits depend on each other, and the processor overlaps blocks (windows
// that restart at the last token start are bound by that chain). A block is instruction-bound,
// not latency-bound (some 90 instructions), so runs only pay where numbers are dense (the
// condition in WalkValue's `number`). The stop is a predictable
// branch. Rules are also evaluated at the stop byte (it is of no class, so only "a digit must
// follow" rules can fire there, and they hold whatever the stop byte is). Bad when:
//   a token starts with '.', or has a '-' that is not its first byte;
//   a '-' or '.' is not followed by a digit (so a token also ends with a digit);
//   a '.' follows a digit run that follows a '.' (a second '.');
//   a '0' that starts the integer part is followed by a digit;
//   a ',' follows a ',' (through whitespace), or a token follows a token byte through whitespace.
// (A '.' after a non-digit is one of the first two.)
template <RunMasks (*Classify)(const uint8_t*)>
__attribute__((always_inline)) inline RunResult NumberRunT(const Source& s, size_t pos) {
  RunResult r{0, false, false, 0};
  const uint8_t* const in = s.in;
  const size_t len = s.len, first = pos;
  if (!NumberStart(*s.At(pos))) return r;  // pos must start a token (the caller checked; never trust it)
  uint64_t wrong = 0, count = 0;
  // The previous block's masks (only bit 63 is used), and the carry-outs of the additions over
  // a fraction's digit run and over a whitespace run after a ','.
  uint64_t pN = 0, pT = 0, pX = 0, pD = 0, pZ = 0, pC = 0, pW = 0;
  uint64_t aDot = 0, aComma = 0;
  while (true) {
    // Whole blocks straight from the input; the last (partial) one from the padded tail window,
    // where past the end is a stop. pos == len after a full last block is still a window
    // (Source::At: the tail window has 64 bytes to spare).
    const bool whole = pos + 64 <= len;
    const uint8_t* w = whole ? in + pos : s.At(pos);
    const RunMasks m = Classify(w);
    const uint64_t D = m.digit, T = m.dot, M = m.minus, C = m.comma, W = m.space;
    const uint64_t X = T | M, N = D | X;
    uint64_t known = N | C | W;
    if (__builtin_expect(!whole, 0)) known &= (uint64_t(1) << (len - pos)) - 1;
    const uint64_t Nb = (N << 1) | (pN >> 63), Db = (D << 1) | (pD >> 63), Tb = (T << 1) | (pT >> 63);
    const uint64_t Xb = (X << 1) | (pX >> 63), Cb = (C << 1) | (pC >> 63), Wb = (W << 1) | (pW >> 63);
    const uint64_t S = N & ~Nb;
    uint64_t bad = (S & T) | (M & ~S) | (Xb & ~D);
    uint64_t sum;
    const uint64_t dotCarry = __builtin_add_overflow(D, (D & Tb) | aDot, &sum);
    bad |= sum & T;
    const uint64_t Z = m.zero & ~(Db | Tb);
    bad |= ((Z << 1) | (pZ >> 63)) & D;
    const uint64_t commaCarry = __builtin_add_overflow(W, (Cb & W) | aComma, &sum);
    bad |= (Cb | sum) & C;
    bad |= N & Wb & ~sum;
    if (__builtin_expect(known == ~uint64_t(0), 1)) {
      wrong |= bad;
      count += static_cast<uint64_t>(__builtin_popcountll(S));
      pN = N, pT = T, pX = X, pD = D, pZ = Z, pC = C, pW = W;
      aDot = dotCarry, aComma = commaCarry;
      pos += 64;
      continue;
    }
    // A run that reaches the end of the input leaves everything to the per-token check (the
    // document cannot be valid: it ends inside an array).
    const uint32_t limit = static_cast<uint32_t>(__builtin_ctzll(~known));
    if (pos + limit >= len) return r;
    wrong |= bad & ((uint64_t(2) << limit) - 1);  // through the stop byte (limit 63: all)
    count += static_cast<uint64_t>(__builtin_popcountll(S & ((uint64_t(1) << limit) - 1)));
    // The last token's start: back from the stop over anything else, then over its bytes.
    size_t q = pos + limit;
    while (q > first && !(NumberStart(in[q - 1]) || in[q - 1] == '.')) q--;
    while (q > first && (NumberStart(in[q - 1]) || in[q - 1] == '.')) q--;
    r.lastStart = q;
    r.bad = wrong != 0;
    r.open = w[limit] != ']';
    r.count = static_cast<uint32_t>(count);
    return r;
  }
}

#ifdef AB_WALK_WIDE
__attribute__((target("avx512f,avx512bw," AB_WALK_SCALAR_ISA), flatten)) RunResult NumberRun512(const Source& s, size_t pos) {
  return NumberRunT<ClassifyRun512>(s, pos);
}
__attribute__((target("avx2," AB_WALK_SCALAR_ISA), flatten)) RunResult NumberRun256(const Source& s, size_t pos) {
  return NumberRunT<ClassifyRun256>(s, pos);
}

// The digit and '.' masks of a 32-byte window in one compare each (AVX-512VL/BW), for the walk
// over the addon's own stage 1 on AVX-512 machines (WalkIndexed512): fewer instructions per
// number than the SSE2 window.
__attribute__((target("avx512f,avx512bw,avx512vl," AB_WALK_SCALAR_ISA))) inline void DigitDotBits512(const uint8_t* p, uint32_t* digits, uint32_t* dots) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  *digits = _mm256_cmplt_epu8_mask(_mm256_sub_epi8(v, _mm256_set1_epi8('0')), _mm256_set1_epi8(10));
  *dots = _mm256_cmpeq_epi8_mask(v, _mm256_set1_epi8('.'));
}
#endif  // AB_WALK_WIDE

using NumberRunFn = RunResult (*)(const Source&, size_t);

// The NumberRun for the processor level cpu.h chose, or none (then every number is checked
// alone; AFTERBURNER_JSON_WIDE=0 makes the tests run that path on machines that would never take it).
NumberRunFn PickNumberRun() {
#ifdef AB_WALK_WIDE
  switch (cpu::Active()) {
    case cpu::Level::kAvx512:
      return NumberRun512;
    case cpu::Level::kAvx2:
      return NumberRun256;
    default:
      break;
  }
#endif
  return nullptr;
}

const NumberRunFn kNumberRun = PickNumberRun();

// The number token at in[pos], with the next structural at `next`: it runs to `next`, less
// whitespace (stage 1 starts a new structural at any non-whitespace byte after whitespace).
// V: the AVX-512 walk (see DigitDotBits512).
template <bool V>
inline bool NumberOk(const Source& s, uint32_t pos, uint32_t next) {
  const uint8_t* in = s.in;
  size_t end = next;
  while (kTables.ws[in[end - 1]]) end--;
  const uint32_t length = static_cast<uint32_t>(end - pos);
  if (length < 32) {
    const uint8_t* w = s.At(pos);
#ifdef AB_WALK_WIDE
    if (V) return __builtin_expect(PlainNumberWith<DigitDotBits512>(w, length), 1) || NumberAt(w) > 0;
#endif
    return __builtin_expect(PlainNumber(w, length), 1) || NumberAt(w) > 0;
  }
  return LongNumber(s, pos);
}

inline bool LiteralAt(const uint8_t* p) {
  switch (p[0]) {
    case 't':
      return std::memcmp(p, "true", 4) == 0 && kTables.ends[p[4]];
    case 'f':
      return std::memcmp(p, "false", 5) == 0 && kTables.ends[p[5]];
    case 'n':
      return std::memcmp(p, "null", 4) == 0 && kTables.ends[p[4]];
    default:
      return false;
  }
}

// Escapes from the backslash at p up to the closing quote at end.
bool EscapesOk(const uint8_t* p, const uint8_t* end) {
  while (true) {
    if (end - p < 2) return false;
    uint8_t c = p[1];
    if (c == 'u') {
      // One branch for the four digits (not four: twitterescaped.json's strings are mostly \u
      // escapes, and this loop was a third of its walk).
      if (end - p < 6 || !(kTables.hex[p[2]] & kTables.hex[p[3]] & kTables.hex[p[4]] & kTables.hex[p[5]])) return false;
      p += 6;
    } else if (kTables.escape[c]) {
      p += 2;
    } else {
      return false;
    }
    if (p == end) return true;
    if (*p != '\\') {  // escapes often come in runs (\u sequences): no search then
      const void* hit = std::memchr(p, '\\', static_cast<size_t>(end - p));
      if (!hit) return true;
      p = static_cast<const uint8_t*>(hit);
    }
  }
}

// The string whose opening quote is in[open], with the next structural at `next` (or the end
// of the input). Stage 1 leaves nothing but whitespace between a closing quote and the next
// structural (any other byte there starts a structural itself), so the escapes are checked over
// [open + 1, next) without finding the closing quote first: the quote and the whitespace after
// it hold no backslash, and no escape runs past the quote (stage 1 would not have closed the
// string there). False on a bad escape; sets *escaped when the string holds a backslash.
inline bool StringOk(const Source& s, uint32_t open, size_t next, bool* escaped) {
  const uint8_t* in = s.in;
  const size_t n = next - open - 1;
  const uint8_t* p;
  if (n < 32) {
    uint32_t bits = BackslashBits(s.At(open + 1)) & ((1u << n) - 1);
    if (!bits) {
      *escaped = false;
      return true;
    }
    p = in + open + 1 + __builtin_ctz(bits);
  } else {
    const void* hit = std::memchr(in + open + 1, '\\', n);
    if (!hit) {
      *escaped = false;
      return true;
    }
    p = static_cast<const uint8_t*>(hit);
  }
  *escaped = true;
  return EscapesOk(p, in + next);
}

// The closing quote of a string StringOk accepted: the last quote before `next`.
inline size_t CloseQuote(const uint8_t* in, uint32_t open, size_t next) {
  size_t q = next - 1;
  while (q > open && in[q] != '"') q--;
  return q;
}

inline uint32_t Hex4(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    uint8_t c = p[i];
    v = (v << 4) | static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

void AppendUtf8(std::string& out, uint32_t u) {
  if (u < 0x80) {
    out.push_back(static_cast<char>(u));
  } else if (u < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (u >> 6)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else if (u < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (u >> 12)));
    out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (u >> 18)));
    out.push_back(static_cast<char>(0x80 | ((u >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  }
}

// The UTF-8 of a key whose escapes StringAt accepted. False for a lone surrogate: such a key
// cannot equal a pointer token (the caller only sends well-formed ones).
bool Unescape(const uint8_t* p, const uint8_t* end, std::string& out) {
  out.clear();
  while (p < end) {
    if (*p != '\\') {
      out.push_back(static_cast<char>(*p++));
      continue;
    }
    uint8_t c = p[1];
    if (c != 'u') {
      static const char kFrom[] = "bfnrt";
      static const char kTo[] = "\b\f\n\r\t";
      const char* at = std::strchr(kFrom, c);
      out.push_back(at ? kTo[at - kFrom] : static_cast<char>(c));
      p += 2;
      continue;
    }
    uint32_t u = Hex4(p + 2);
    p += 6;
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return false;
      uint32_t low = Hex4(p + 2);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
      p += 6;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return false;
    }
    AppendUtf8(out, u);
  }
  return true;
}

inline bool KeyEquals(const uint8_t* key, size_t klen, bool escaped, const std::string& token, std::string& scratch) {
  if (!escaped) return klen == token.size() && std::memcmp(key, token.data(), klen) == 0;
  return Unescape(key, key + klen, scratch) && scratch == token;
}

bool CanonicalIndex(const std::string& token, uint64_t* index) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0')) return false;
  uint64_t value = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  *index = value;
  return true;
}

// Walks the value that starts at structural index t0, a container, in a document whose first
// structural is '{' or '[' and whose last one is '}' or ']' (checked by Walk): then no state
// below reads past the last structural except `after`, which checks. Returns the index just
// past the value, or 0 when the document is invalid.
//
// With a query (Q), only the containers on the pointer's path are walked here; every other
// container (and the found value) is walked by WalkValue<false>, which has no pointer work.
// `level` tokens have led to the innermost path container; keys and array positions in it are
// compared with tokens[level]. A match resets `found` (a later duplicate key replaces an earlier
// one's value, so whatever was found under the earlier one no longer counts) and either sets it
// (last token) or makes the value the new innermost path container.
//
// P (prechecked): Index() has checked every escape, so strings are not looked into (except
// path keys, to compare them). V: built into an AVX-512 entry (WalkIndexed512), so the number
// checks may use AVX-512 masks; never set on a processor without them.
template <bool Q, bool P, bool V = false>
uint32_t WalkValue(const Source& s, const uint32_t* idx, uint32_t n, uint32_t t0, std::vector<uint8_t>& storage, Query* query) {
  const uint8_t* in = s.in;
  std::vector<uint8_t>& store = Q ? query->path : storage;
  uint8_t* stack = store.data();
  uint8_t* limit = stack + store.size();
  uint8_t* sp = stack;  // open containers: 1 array, 0 object; sp[-1] is the innermost
  uint32_t t = t0;
  uint32_t level = 0;
  const uint32_t count = Q ? static_cast<uint32_t>(query->count) : 0;
  bool keyMatch = false;
  bool escaped;

value : {
  const uint32_t pos = idx[t];
  const uint8_t c = in[pos];
  bool descend = true;  // without a query, every container is walked here
  if (Q) {
    if (sp != stack) {
      const bool match = sp[-1] ? query->counts[level] == query->indexes[level] : keyMatch;
      if (match) query->found = level + 1 == count ? static_cast<int64_t>(t) : -1;
      descend = match && level + 1 < count;
    }  // else the root: always on the path
  }
  switch (c) {
    case '{':
    case '[': {
      if (Q && !descend) {
        t = WalkValue<false, P, V>(s, idx, n, t, storage, nullptr);
        if (!t) return 0;
        goto after;
      }
      const bool array = c == '[';
      if (in[idx[t + 1]] == c + 2) {  // '{' + 2 == '}', '[' + 2 == ']'
        t += 2;
        goto after;
      }
      // Short arrays of numbers (coordinates, vectors: canada.json's [x,y]) in one loop,
      // without entering the array on the stack. Longer ones continue in the generic walk
      // (where the window check takes over) from the ',' after the fourth number.
      bool looped = false;
      if (!Q && array && NumberStart(in[idx[t + 1]])) {
        looped = true;
        uint32_t checked = 0;
        uint32_t u = t + 1;  // a number, so not the last structural
        while (true) {
          if (!NumberOk<V>(s, idx[u], idx[u + 1])) return 0;
          const uint8_t d = in[idx[u + 1]];
          if (d == ']') {
            t = u + 2;
            // The next element of the parent array is another one ([x,y],[x,y]...): straight
            // on, without the trip through `after` and `value` (coordinate lists are common).
            if (t + 2 < n && sp != stack && in[idx[t]] == ',') {
              if (sp[-1] && in[idx[t + 1]] == '[' && NumberStart(in[idx[t + 2]])) {
                u = t + 2;
                checked = 0;
                continue;
              }
              // The same in an object whose next member is one ("pos":[x,y,z],"rot":[...]...:
              // marine_ik.json's animation keys), its key checked as in `key`.
              if (!sp[-1] && t + 4 < n && in[idx[t + 2]] == ':' && in[idx[t + 3]] == '[' && NumberStart(in[idx[t + 4]])) {
                if (in[idx[t + 1]] != '"' || (!P && !StringOk(s, idx[t + 1], idx[t + 2], &escaped))) return 0;
                u = t + 4;
                checked = 0;
                continue;
              }
            }
            goto after;
          }
          if (d != ',' || ++checked == 4 || !NumberStart(in[idx[u + 2]])) break;
          u += 2;
        }
        t = u;  // the last number checked: `after` resumes at the structural after it
      }
      if (sp == limit) {
        size_t depth = static_cast<size_t>(sp - stack);
        store.resize(store.size() * 2);
        stack = store.data();
        limit = stack + store.size();
        sp = stack + depth;
      }
      if (Q && sp != stack) {
        level++;
        query->counts[level] = 0;
      }
      *sp++ = array;
      t++;
      if (looped) goto after;  // at the structural after the last number checked
      if (array) goto value;
      goto key;
    }
    case '"':
      if (!P && !StringOk(s, pos, idx[t + 1], &escaped)) return 0;
      t++;
      goto after;
    case 't':
    case 'f':
    case 'n':
      if (!LiteralAt(s.At(pos))) return 0;
      t++;
      goto after;
    default:
      goto number;
  }
}

number : {
  // The token runs to the next structural, less whitespace (stage 1 starts a new structural at
  // any non-whitespace byte after whitespace); a number is never the last structural here.
  const uint32_t pos = idx[t];
  const uint32_t next = idx[t + 1];
  // Only for runs of at least three numbers (a window costs more than two numbers alone:
  // canada.json's [x,y] pairs) packed at least about three to a window (mesh.pretty.json's
  // one number per indented line was slower in windows).
  if (kNumberRun && t + 3 < n && in[idx[t + 3]] == ',' && in[next] == ',' && sp[-1] && idx[t + 2] - pos <= 24 &&
      NumberStart(in[pos]) && NumberStart(in[idx[t + 2]])) {
    const RunResult run = kNumberRun(s, pos);
    if (run.bad) return 0;
    const uint32_t k = run.count;
    if (k) {
      // Each token and each ',' after all but the last is one structural: the last token is
      // structural t + 2k - 2. Confirmed against stage 1 (the walk's bounds rely on staying in
      // step with it).
      const uint32_t u = t + 2 * k - 2;
      if (u + 1 >= n || idx[u] != run.lastStart) return 0;
      if (Q) {
        // A path array (a query walks no other): elements counts[level] (this one, already
        // compared in `value`) to counts[level] + k - 1. One of the others may be the target,
        // or the step before it (then nothing is found: a number has no members).
        const uint64_t first = query->counts[level], want = query->indexes[level];
        if (want > first && want < first + k) query->found = level + 1 == count ? static_cast<int64_t>(t + 2 * (want - first)) : -1;
        query->counts[level] += k - 1;  // the ',' between them, which `after` would have counted
      }
      if (run.open && !NumberOk<V>(s, idx[u], idx[u + 1])) return 0;
      t = u + 1;
      goto after;
    }
  }
  if (!NumberOk<V>(s, pos, next)) return 0;
  t++;
  goto after;
}

key : {
  const uint32_t pos = idx[t];
  const uint32_t colon = idx[t + 1];
  if (in[pos] != '"' || in[colon] != ':' || (!P && !StringOk(s, pos, colon, &escaped))) return 0;
  if (Q) {
    const size_t close = CloseQuote(in, pos, colon);
    if (P) escaped = std::memchr(in + pos + 1, '\\', close - pos - 1) != nullptr;
    keyMatch = KeyEquals(in + pos + 1, close - pos - 1, escaped, query->tokens[level], query->key);
  }
  t += 2;
  goto value;
}

after : {
  if (sp == stack) return t;
  if (t >= n) return 0;
  const uint8_t c = in[idx[t]];
  if (c == ',') {
    t++;
    if (sp[-1]) {
      if (Q) query->counts[level]++;
      goto value;
    }
    goto key;
  }
  if (c == (sp[-1] ? ']' : '}')) {
    sp--;
    if (Q && sp != stack) level--;
    t++;
    goto after;
  }
  return 0;
}
}

// The walk over the addon's own stage 1, built for AVX-512 where the processor has it: flatten
// inlines the whole walk here, so DigitDotBits512 is inlined into it. The own stage 1 also runs
// on AVX2-only processors, which take WalkValue<Q, true> itself.
#ifdef AB_WALK_WIDE
__attribute__((target("avx512f,avx512bw,avx512vl," AB_WALK_SCALAR_ISA), flatten)) uint32_t WalkIndexed512(
    const Source& s, const uint32_t* idx, uint32_t n, std::vector<uint8_t>& stack, Query* query) {
  return query ? WalkValue<true, true, true>(s, idx, n, 0, stack, query) : WalkValue<false, true, true>(s, idx, n, 0, stack, nullptr);
}

// Only at cpu.h's AVX-512 level (AFTERBURNER_JSON_WIDE=avx2 or 0 leaves it out).
bool PickWalk512() { return cpu::Active() == cpu::Level::kAvx512; }
const bool kWalk512 = PickWalk512();
#endif

uint32_t WalkIndexed(const Source& s, const uint32_t* idx, uint32_t n, std::vector<uint8_t>& stack, Query* query) {
#ifdef AB_WALK_WIDE
  if (kWalk512) return WalkIndexed512(s, idx, n, stack, query);
#endif
  return query ? WalkValue<true, true>(s, idx, n, 0, stack, query) : WalkValue<false, true>(s, idx, n, 0, stack, nullptr);
}

}  // namespace

bool Walk(const uint8_t* in, size_t len, const uint32_t* idx, uint32_t n, std::vector<uint8_t>& stack, Query* query, bool prechecked) {
  if (n == 0 || len == 0) return false;
  Source s(in, len);
  const uint8_t first = in[idx[0]];
  if (first != '{' && first != '[') {
    // A scalar or string document: one token.
    if (n != 1) return false;
    if (query) query->found = query->count == 0 ? 0 : -1;
    bool escaped;
    switch (first) {
      case '"':
        return StringOk(s, idx[0], len, &escaped);
      case 't':
      case 'f':
      case 'n':
        return LiteralAt(s.At(idx[0]));
      default: {
        int r = NumberAt(s.At(idx[0]));
        return r > 0 || (r < 0 && LongNumber(s, idx[0]));
      }
    }
  }
  const uint8_t last = in[idx[n - 1]];
  if (last != '}' && last != ']') return false;
  if (stack.size() < 1024) stack.resize(1024);
  if (!query || query->count == 0) {
    if (query) query->found = 0;
    return (prechecked ? WalkIndexed(s, idx, n, stack, nullptr) : WalkValue<false, false>(s, idx, n, 0, stack, nullptr)) == n;
  }
  query->found = -1;
  query->indexes.resize(query->count);
  query->counts.assign(query->count + 1, 0);
  if (query->path.size() < query->count + 2) query->path.resize(query->count + 2);
  for (size_t k = 0; k < query->count; k++) {
    if (!CanonicalIndex(query->tokens[k], &query->indexes[k])) query->indexes[k] = ~uint64_t(0);
  }
  return (prechecked ? WalkIndexed(s, idx, n, stack, query) : WalkValue<true, false>(s, idx, n, 0, stack, query)) == n;
}

}  // namespace jsonwalk
}  // namespace afterburner
