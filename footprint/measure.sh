#!/usr/bin/env bash
# Builds the heap-free probe once per layer feature for thumbv7em-none-eabihf
# (opt-level "z", LTO) and prints flash and RAM per probe, and each probe's
# cost over the empty image. A link failure (for example a layer that needs a
# heap: there is no global allocator) fails the script.
#
# Usage: footprint/measure.sh [feature ...]   (default: every probe)
set -euo pipefail
cd "$(dirname "$0")"
features=("$@")
if [ ${#features[@]} -eq 0 ]; then
  features=(primitives crypto-aead crypto-p256)
  for f in dlms-cosem zigbee-nwk zcl-se zcl-se-cbke stub-aps grip digital-envelope; do
    # A layer joins once it has a probe module.
    if [ -f "src/${f//-/_}.rs" ]; then features+=("$f"); fi
  done
fi

sizes() { # ELF -> "text rodata data bss" in bytes
  readelf -SW "$1" | awk '
    function hex(s,   i, c, v) { v = 0; s = tolower(s)
      for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
      return v }
    /^ *\[ *[0-9]+\]/ {
      sub(/^ *\[ *[0-9]+\] */, "")
      name=$1; type=$2; size=hex($5); flags=$7
      if (flags !~ /A/) next
      if (name ~ /^\.text/ || name ~ /^\.vector/) t+=size
      else if (type=="NOBITS") b+=size
      else if (flags ~ /W/) d+=size
      else r+=size
    }
    END { printf "%d %d %d %d\n", t, r, d, b }'
}

build() { # features -> ELF path
  local target_dir="target/probe-${1:-empty}"
  cargo build --release --quiet --no-default-features ${1:+--features "$1"} --target-dir "$target_dir" >&2
  echo "$target_dir/thumbv7em-none-eabihf/release/footprint"
}

read -r t0 r0 d0 b0 < <(sizes "$(build "")")
printf '%-18s %8s %8s %8s %8s %10s %10s\n' probe .text .rodata .data .bss flash_delta ram_delta
printf '%-18s %8d %8d %8d %8d %10s %10s\n' "(empty image)" "$t0" "$r0" "$d0" "$b0" - -
for f in "${features[@]}"; do
  read -r t r d b < <(sizes "$(build "$f")")
  printf '%-18s %8d %8d %8d %8d %10d %10d\n' "$f" "$t" "$r" "$d" "$b" \
    $(( t + r + d - t0 - r0 - d0 )) $(( d + b - d0 - b0 ))
done
