{
  "targets": [
    {
      "target_name": "afterburner",
      "sources": [
        "native/addon.cc",
        "native/json.cc",
        "native/json_validate.cc",
        "native/malloc.cc",
        "<!(node -p \"require('path').relative(process.cwd(), require('path').join(require('path').dirname(require.resolve('@nozbe/simdjson/package.json')), 'src', 'simdjson.cpp'))\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node -p \"require('path').relative(process.cwd(), require('path').join(require('path').dirname(require.resolve('@nozbe/simdjson/package.json')), 'src'))\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-O2"],
      "cflags": ["-O3"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
