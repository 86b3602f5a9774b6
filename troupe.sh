#!/usr/bin/env bash
# Set-up, build and run in one step, on Debian 12:
#   ./troupe.sh local      install what is missing, build, run `troupe local`
#   ./troupe.sh test       install what is missing, build, run every test
#   ./troupe.sh build      install what is missing and build
#   ./troupe.sh ARGS...    install what is missing, build, run `troupe ARGS...`
# Installing needs root (or sudo); apt-get runs only when a package is missing.
# `./troupe.sh bench keeper --target zookeeper|both` also installs Debian's
# zookeeper server package (the comparison runs it).
# TROUPE_BUILD_DIR (default: build) and TROUPE_BUILD_TYPE (RelWithDebInfo) apply.
set -euo pipefail
cd "$(dirname "$0")"

packages=(g++ cmake ninja-build libcaf-dev libprotobuf-dev protobuf-compiler
          libleveldb-dev libsnappy-dev libboost-program-options-dev libgtest-dev
          libzookeeper-mt-dev pkg-config libcpp-httplib-dev nlohmann-json3-dev libssl-dev zlib1g-dev)
# Apache ZooKeeper's server (and so a JRE) only for benchmarks against it.
case " $* " in
  *" bench "*zookeeper*|*" bench "*both*) packages+=(zookeeper) ;;
esac
build_dir=${TROUPE_BUILD_DIR:-build}
build_type=${TROUPE_BUILD_TYPE:-RelWithDebInfo}

say() { echo "troupe.sh: $*" >&2; }

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { say "need root or sudo to install: ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  say "installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

build() {
  if [ ! -f "$build_dir/build.ninja" ]; then
    say "configuring $build_dir ($build_type)"
    cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
  fi
  say "building (this takes a few minutes the first time)"
  cmake --build "$build_dir" --parallel "$(nproc)"
}

command=${1:-local}
install_missing
build
case "$command" in
  build) ;;
  test)
    # Long simulation sweeps: TROUPE_SEEDS=<count> ./troupe.sh test
    ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" ;;
  *)
    exec "$build_dir/bin/troupe" "$@" ;;
esac
