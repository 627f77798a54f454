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
    }
  ]
}
