// Shared declarations for the addon's translation units: each concern registers its own exports.
#pragma once
#include <napi.h>

namespace afterburner {
void InitJson(Napi::Env env, Napi::Object exports);
void InitMalloc(Napi::Env env, Napi::Object exports);
}  // namespace afterburner
