// JSON entry points (filled in by the json patch work).
#include "addon.h"
#include "simdjson.h"

namespace afterburner {
void InitJson(Napi::Env env, Napi::Object exports) {
  (void)env;
  (void)exports;
}
}  // namespace afterburner
