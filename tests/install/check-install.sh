#!/usr/bin/env bash
# Installs the build into a fresh prefix, checks that every file lands in its
# usual place, then builds a small program against the installed libbank
# twice (CMake's find_package, and pkg-config) and checks what it computes.
#   tests/install/check-install.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

fail() { echo "check-install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install failed"; }

libdir="$(cd "$prefix" && dirname "$(find . -name libbank.a | head -1)")"
[ "$libdir" != "." ] || fail "libbank.a not installed"
for f in bin/bankctl bin/bankd include/bank/status.hpp include/bank/certificate.hpp \
         "$libdir/libbank.a" "$libdir/cmake/bank/bankConfig.cmake" \
         "$libdir/cmake/bank/bankConfigVersion.cmake" "$libdir/cmake/bank/bankTargets.cmake" \
         "$libdir/pkgconfig/libbank.pc" share/man/man1/bankctl.1 share/man/man8/bankd.8 \
         share/bash-completion/completions/bankctl share/zsh/site-functions/_bankctl \
         share/fish/vendor_completions.d/bankctl.fish; do
  [ -f "$prefix/$f" ] || fail "missing $prefix/$f"
done
"$prefix/bin/bankctl" --version >/dev/null || fail "installed bankctl does not run"

# A certificate and its id as openssl computes it (fingerprint of the DER).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 1 -subj /CN=install \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
expected="$(openssl x509 -in "$work/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)"

# 1. CMake package.
cmake -S "$here/consumer" -B "$work/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "find_package(bank) failed"; }
cmake --build "$work/cmake-build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "build with find_package failed"; }
got="$("$work/cmake-build/ccf_id" "$work/cert.pem")"
[ "$got" = "$expected" ] || fail "find_package build printed '$got', expected '$expected'"

# 2. pkg-config (a static library: --static brings its private dependencies).
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
flags="$(pkg-config --static --cflags --libs libbank)" || fail "pkg-config cannot resolve libbank"
# shellcheck disable=SC2086
c++ -std=c++20 -o "$work/ccf_id_pc" "$here/consumer/main.cpp" $flags || fail "build with pkg-config failed"
got="$("$work/ccf_id_pc" "$work/cert.pem")"
[ "$got" = "$expected" ] || fail "pkg-config build printed '$got', expected '$expected'"

echo "check-install: installed tree complete; find_package and pkg-config builds print $expected"
