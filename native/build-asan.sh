#!/usr/bin/env bash
# Builds fusebench-server with AddressSanitizer into build/asan/fusebench-server (same sources and
# warning flags as binding.gyp; used by test/server-asan.test.ts).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p build/asan
"${CC:-gcc}" -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
	-fsanitize=address -fno-omit-frame-pointer -g -O1 \
	-Inative/abi -Inative/uring native/server/*.c native/uring/ring.c -o build/asan/fusebench-server -lm
echo "built build/asan/fusebench-server"
