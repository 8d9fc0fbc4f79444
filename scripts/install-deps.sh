#!/usr/bin/env bash
# Installs every Debian package that building, testing and running the demo need.
# Idempotent: packages already present are skipped, and apt-get update runs only
# when something is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates ccache
  libssl-dev openssl libcurl4-openssl-dev curl libnghttp2-dev
  nlohmann-json3-dev libfmt-dev libcli11-dev catch2
  libboost-dev libboost-system-dev libcbor-dev
  clang clang-format libclang-rt-14-dev llvm
  man-db groff-base bash-completion zsh fish bsdextrautils procps iproute2
  nodejs python3 python3-cryptography
)
# npm runs the CCF bundle's tests (ccf-app/, tests/contract/). Debian ships it
# as its own package; a nodejs from elsewhere may bring its own npm.

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ! command -v npm >/dev/null 2>&1 && ! dpkg-query -W -f='${Status}' npm 2>/dev/null | grep -q "install ok installed"; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
