// The tape's layout: the op kinds of the value tape, the META slots, and the reasons a call
// gives a document back to the builtin. The addon exports it (jsonTapeLayout, see addon.cc) and
// the loader refuses a build whose layout differs from TAPE_LAYOUT in src/core/binding.ts, which
// is what src/json/tape.ts reads the tape by.
#pragma once

#include <cstddef>
#include <cstdint>

namespace afterburner {
namespace json {

enum : uint32_t {
  OP_NUM = 0,     // nums[q++]
  OP_STR = 1,     // strings[index]
  OP_CONST = 2,   // 0 null, 1 false, 2 true
  OP_ARR = 3,     // count, then count values
  OP_OBJ = 4,     // shape id, then one value per key of the shape
  OP_OBJG = 5,    // count, then count (key word, value) pairs: objects without a shape
  OP_NUMARR = 6,  // count numbers taken from nums
  OP_DICT = 7,    // like OP_OBJG, for objects the builtin makes dictionaries (kDictionaryKeys)
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
  REASON_EMPTY = 104,
};

// An OP_OBJG/OP_DICT key word with this bit set is an index into the document's strings (a key
// that is not kept); without it, a key id.
constexpr uint32_t KEY_LOCAL = 0x80000000u;

// The names the addon exports the layout under (jsonTapeLayout): TAPE_LAYOUT's in binding.ts.
struct LayoutName {
  const char* name;
  uint32_t value;
};
constexpr LayoutName kOpNames[] = {{"NUM", OP_NUM}, {"STR", OP_STR},   {"CONST", OP_CONST},  {"ARR", OP_ARR},
                                   {"OBJ", OP_OBJ}, {"OBJG", OP_OBJG}, {"NUMARR", OP_NUMARR}, {"DICT", OP_DICT}};
constexpr LayoutName kMetaNames[] = {{"OPS_END", META_OPS_END}, {"DEFS_START", META_DEFS_START}, {"DEFS_END", META_DEFS_END},
                                     {"NEW_KEYS", META_NEW_KEYS}, {"RESET", META_RESET},           {"BUFFERS", META_BUFFERS},
                                     {"ERROR", META_ERROR},       {"SIZE", META_SIZE}};
constexpr LayoutName kReasonNames[] = {{"MINUS_ZERO", REASON_MINUS_ZERO}, {"BOM", REASON_BOM}, {"REPLACEMENT", REASON_REPLACEMENT},
                                       {"TOO_LARGE", REASON_TOO_LARGE}, {"EMPTY", REASON_EMPTY}};
constexpr LayoutName kKeyNames[] = {{"LOCAL", KEY_LOCAL}};

}  // namespace json
}  // namespace afterburner
