{
  "targets": [
    {
      "target_name": "msixmodels",
      "type": "shared_library",
      "product_prefix": "lib",
      "sources": [ "<!@(node -e \"console.log(require('fs').readdirSync('native').filter(f=>f.endsWith('.c')).map(f=>'native/'+f).join(' '))\")" ],
      "include_dirs": [ "native" ],
      "cflags_c": [ "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden" ],
      "cflags!": [ "-fno-exceptions" ]
    }
  ]
}
