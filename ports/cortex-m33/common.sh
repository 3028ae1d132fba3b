# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the Cortex-M33 scripts (sourced, not run).

HUSH_M33_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HUSH_ROOT="$(cd "$HUSH_M33_DIR/../.." && pwd)"
# Downloads and built third-party code live outside the repository.
HUSH_M33_CACHE="${HUSH_M33_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/hush-m33}"

hush_m33_log() { printf '[m33] %s\n' "$*" >&2; }

hush_m33_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages that are missing.
hush_m33_need_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    hush_m33_log "installing ${missing[*]}"
    hush_m33_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
      { hush_m33_as_root apt-get update -q >&2 &&
        hush_m33_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  fi
}

# The cross toolchain: arm-none-eabi-gcc 12, newlib and its C++ library, from
# Debian. libstdc++-arm-none-eabi-newlib is only a Recommends of
# libnewlib-arm-none-eabi, which --no-install-recommends skips, so it is named
# here. Every package named in a hush_m33_need_packages line must also be in
# tools/install-deps (`tools/install-deps --check` enforces it).
hush_m33_need_toolchain() {
  hush_m33_need_packages gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib \
    binutils-arm-none-eabi cmake ninja-build
  hush_m33_check_toolchain
}

# Compiles and links a C++17 file that includes <cstdint> for the target, so
# that an incomplete toolchain fails here with the package to install rather
# than halfway through a build. HUSH_M33_CXX overrides the compiler (to test
# this check).
hush_m33_check_toolchain() {
  local cxx="${HUSH_M33_CXX:-arm-none-eabi-g++}"
  local dir log
  dir="$(mktemp -d)"
  log="$dir/log"
  printf '#include <cstddef>\n#include <cstdint>\nint main() { return static_cast<int>(sizeof(std::uint32_t)) - 4; }\n' >"$dir/t.cpp"
  if ! "$cxx" -std=c++17 -mcpu=cortex-m33 -mthumb -fno-exceptions -fno-rtti --specs=nosys.specs \
    "$dir/t.cpp" -o "$dir/t.elf" >"$log" 2>&1; then
    cat "$log" >&2
    hush_m33_log "ERROR: $cxx cannot compile and link a C++ file that includes <cstdint> for cortex-m33."
    hush_m33_log "The cross C++ library is missing: install libstdc++-arm-none-eabi-newlib (tools/install-deps does)."
    rm -rf "$dir"
    return 1
  fi
  rm -rf "$dir"
}

# Adds deb-src entries mirroring the machine's own Debian "deb" entries, so
# that `apt-get source` works, unless source entries already resolve.
hush_m33_ensure_deb_src() {
  if apt-cache showsrc mbedtls 2>/dev/null | grep -q '^Package: mbedtls'; then return 0; fi
  local list=/etc/apt/sources.list.d/hush-deb-src.sources
  local tmp
  tmp="$(mktemp)"
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Copy every stanza whose Types include "deb" and that points at a Debian
    # archive, as "deb-src".
    awk 'BEGIN { RS=""; ORS="\n\n" }
         /(^|\n)Types:[^\n]*(^|[ \t])deb([ \t]|\n|$)/ && /URIs:[^\n]*debian/ {
           gsub(/(^|\n)Types:[^\n]*/, "\nTypes: deb-src"); sub(/^\n/, ""); print }' "$f" >>"$tmp"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    grep -E '^deb[[:space:]]+[^[]*debian' "$f" | sed 's/^deb[[:space:]]/deb-src /' | while read -r line; do
      local uri suite comps
      read -r _ uri suite comps <<<"$line"
      printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n\n' "$uri" "$suite" "$comps" >>"$tmp"
    done
  done
  if ! grep -q 'deb-src' "$tmp"; then
    local codename
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$codename" "$codename" >"$tmp"
  fi
  hush_m33_log "adding deb-src entries in $list"
  hush_m33_as_root install -m 0644 "$tmp" "$list"
  rm -f "$tmp"
  hush_m33_as_root apt-get update -q >&2
}
