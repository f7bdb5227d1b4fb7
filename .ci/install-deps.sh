#!/usr/bin/env bash
# Debian packages the project's builds and tests need beyond build-essential: the arm64 cross
# compiler (the linux-arm64-gnu prebuilt binary, scripts/prebuild.js) and qemu-user-static (test 07
# runs Node for arm64 on it; g++-aarch64-linux-gnu brings the arm64 libraries it loads).
# Installs only what is missing; needs root (CI and the development machines run as root).
set -euo pipefail
packages=(g++ make python3 g++-aarch64-linux-gnu qemu-user-static)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all present (${packages[*]})"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
