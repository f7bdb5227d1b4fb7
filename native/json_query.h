// The query entry points: jsonValidate (is this one JSON text?) and jsonGet (the value at a JSON
// Pointer), both answered by one pass of stage 1 and the grammar walk (json_walk.h) without
// building the document.
#pragma once

#include <node_api.h>

namespace afterburner {
namespace json {

napi_value Validate(napi_env env, napi_callback_info info);
napi_value Get(napi_env env, napi_callback_info info);

}  // namespace json
}  // namespace afterburner
