{
  "targets": [
    {
      "target_name": "afterburner",
      "sources": [
        "native/addon.cc",
        "native/cpu.cc",
        "native/json_state.cc",
        "native/json_input.cc",
        "native/json_tape.cc",
        "native/json_parse.cc",
        "native/json_query.cc",
        "native/json_walk.cc",
        "native/json_index.cc",
        "native/malloc_controls.cc",
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
      # Hidden visibility: Node 22+ exports its own simdjson (3.5.x) from the node binary, and the
      # addon's calls into simdjson would bind to those instead of the 3.9.4 compiled in here.
      "cflags": ["-O3", "-fvisibility=hidden"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-fvisibility=hidden", "-fvisibility-inlines-hidden"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
