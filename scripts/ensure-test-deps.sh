#!/usr/bin/env bash
# Runs before `npm test`: the service and browser tests need a real redis-server and Debian's Chromium, and the native
# convolutions (@unwarp/cpu-kernels) a C++ compiler. Installs them from Debian's packages when missing and possible
# (root or sudo), else says exactly what to install; then builds the native kernels if they are not up to date.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)
command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1 || [ -n "${CXX:-}" ] || [ "${UNWARP_NATIVE_KERNELS:-}" = 0 ] ||
  missing+=(g++)
compile_kernels() {
  [ "${UNWARP_NATIVE_KERNELS:-}" = 0 ] && return 0
  node --import tsx packages/cpu-kernels/scripts/compile.ts --strict
}
if ((${#missing[@]} == 0)); then
  compile_kernels
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd="sudo"; else sudo_cmd="none"; fi
  fi
  if [ "$sudo_cmd" != "none" ]; then
    echo "test setup: installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
    compile_kernels
    exit 0
  fi
fi
echo "test setup: the tests need ${missing[*]}. Install them first, e.g.:" >&2
echo "  Debian/Ubuntu: sudo apt-get install -y ${missing[*]}" >&2
echo "  macOS:         brew install redis && brew install --cask chromium (then CHROMIUM_PATH=/path/to/chromium)" >&2
echo "  (UNWARP_NATIVE_KERNELS=0 tests without the native convolutions, and without g++)" >&2
exit 1
