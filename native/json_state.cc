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
  std::vector<uint32_t>().swap(s.index);
  std::vector<ZeroSlot>(256).swap(s.zeroSlots);
}

}  // namespace json
}  // namespace afterburner
