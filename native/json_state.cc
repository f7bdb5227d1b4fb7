// The per-environment JsonState: made once per environment, its output arrays grown as documents
// need, huge buffers released, all of it freed with the environment.
#include "json_state.h"

#include "json_input.h"
#include "json_tape_layout.h"

namespace afterburner {
namespace json {
namespace {

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

void InitState(napi_env e) {
  JsonState* s = new JsonState();
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
}

bool EnsureOutput(napi_env env, JsonState& s, size_t tapeWords) {
  size_t opsNeed = tapeWords * 2 + 64;
  size_t numsNeed = tapeWords / 2 + 16;
  // Arrays grown for a document above kKeepCapacity shrink back on the next smaller one.
  if (s.opsCap > kKeep * 3 && opsNeed <= kKeep * 2) s.opsCap = 0;
  if (s.numsCap > kKeep && numsNeed <= kKeep / 2) s.numsCap = 0;
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

void ReleaseBuffers(JsonState& s) {
  if (s.parser.allocate(0, kMaxDepth)) {
    // Nothing to undo: a failed shrink leaves the old buffers, still valid.
  }
  std::vector<uint8_t>().swap(s.input);
  std::vector<uint8_t>().swap(s.sub);
  std::vector<uint8_t>().swap(s.stack);
  std::vector<uint32_t>().swap(s.index);
  std::vector<uint16_t>().swap(s.wide);
  std::vector<uint16_t>().swap(s.units);
  std::vector<uint32_t>().swap(s.highBytes);
  std::vector<ZeroSlot>(256).swap(s.zeroSlots);
  s.strings.Release();
}

size_t TableBytes(const JsonState& s) { return s.keys.Bytes() + s.shapes.Bytes() + 2 * SeenOnce::kSlots * sizeof(uint64_t) + s.strings.Bytes(); }
size_t BufferBytes(const JsonState& s) {
  const size_t parser = s.parser.capacity() * (8 + 4 + 2);
  return parser + s.input.capacity() + s.sub.capacity() + s.stack.capacity() + s.index.capacity() * 4 + s.wide.capacity() * 2 +
         s.units.capacity() * 2 + s.highBytes.capacity() * 4 + s.zeroSlots.capacity() * sizeof(ZeroSlot) + s.opsCap * 4 + s.numsCap * 8;
}
constexpr size_t kKeyTableCeiling = 2 * kKeyBytesLimit + size_t(kKeyLimit) * (2 * 2 * 24 + 2 * 8);
constexpr size_t kShapeTableCeiling = 2 * size_t(kShapeLimit) * kDictionaryKeys * 4 + size_t(kShapeLimit) * (2 * 2 * 24 + 2 * 8);
// simdjson (14), input copy (3: a two-byte string's UTF-8), get's sub copy (1) and index (4), the
// UTF-16 scratch (2 + 2), ops (3 words of 4 bytes) and nums (8).
constexpr size_t kBufferCeiling = kKeep * (14 + 3 + 1 + 4 + 2 + 2 + 12 + 8);
constexpr size_t kNativeCeiling = kKeyTableCeiling + kShapeTableCeiling + 2 * SeenOnce::kSlots * 8 + kBufferCeiling;
// JavaScript's side of the tables (src/json/tape.ts): each kept key as an interned string (its
// bytes and a header), the factories (kShapeBytesLimit) and each shape's array of keys.
constexpr size_t kScriptCeiling = kKeyBytesLimit + size_t(kKeyLimit) * 32 + kShapeBytesLimit + size_t(kShapeLimit) * (kDictionaryKeys * 8 + 32);

size_t TableCeiling() { return kNativeCeiling - kBufferCeiling + kScriptCeiling; }
size_t BufferCeiling() { return kBufferCeiling; }

}  // namespace json
}  // namespace afterburner
