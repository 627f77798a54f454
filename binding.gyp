{
  "targets": [
    {
      "target_name": "msixmodels",
      "type": "shared_library",
      "product_prefix": "lib",
      "sources": [ "<!@(node scripts/native-files.js sources)" ],
      "include_dirs": [ "<!@(node scripts/native-files.js dirs)" ],
      "cflags_c": [ "-std=c11", "-O2", "-Wall", "-Wextra", "-fvisibility=hidden" ],
      "cflags!": [ "-fno-exceptions" ]
    },
    {
      "target_name": "msixtracedat",
      "type": "shared_library",
      "product_prefix": "lib",
      "sources": [ "<!@(node scripts/tracedat-build.js sources)" ],
      "cflags_c": [ "-std=gnu11", "-O2", "-Wall", "-Wextra", "-fvisibility=hidden", "<!@(node scripts/tracedat-build.js cflags)" ],
      "libraries": [ "<!@(node scripts/tracedat-build.js libs)" ]
    }
  ]
}
