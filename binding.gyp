{
  "targets": [
    {
      "target_name": "fusebench-server",
      "type": "executable",
      "sources": [ "<!@(ls -1 native/server/*.c)", "native/uring/ring.c" ],
      "include_dirs": [ "native/abi", "native/uring" ],
      "cflags": [ "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-D_GNU_SOURCE", "-pthread" ],
      "cflags!": [ "-fno-exceptions" ],
      "ldflags": [ "-pthread" ],
      "libraries": [ "-lm" ]
    },
    {
      "target_name": "fusebench-loop",
      "type": "executable",
      "sources": [ "native/loop/main.c", "native/addon/io_loop.c", "native/addon/offsets.c", "native/addon/result.c", "native/addon/cursor.c" ],
      "include_dirs": [ "native/addon" ],
      "cflags": [ "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-D_GNU_SOURCE", "-pthread" ],
      "cflags!": [ "-fno-exceptions" ],
      "ldflags": [ "-pthread" ]
    },
    {
      "target_name": "fusebench-holdloop",
      "type": "executable",
      "sources": [ "native/holdloop/main.c" ],
      "cflags": [ "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-D_GNU_SOURCE", "-pthread" ],
      "cflags!": [ "-fno-exceptions" ],
      "ldflags": [ "-pthread" ]
    },
    {
      "target_name": "fusebench_io",
      "sources": [ "<!@(ls -1 native/addon/*.c)", "native/uring/ring.c" ],
      "include_dirs": [ "native/abi", "native/uring" ],
      "cflags": [ "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-D_GNU_SOURCE" ],
      "libraries": [ "-lm" ]
    }
  ]
}
