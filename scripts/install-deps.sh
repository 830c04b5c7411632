#!/usr/bin/env bash
# Installs the Debian packages the product and its tests need, when they are missing.
#   scripts/install-deps.sh run    what `make run` needs: build libraries, redis-server, and pip (for the Swagger UI
#                                  files of /doc, see scripts/install-swagger-ui.sh)
#   scripts/install-deps.sh test   plus what the tests drive: nginx, Chromium with chromedriver, python3-venv
set -euo pipefail
profile=${1:-run}
packages=(libhiredis-dev libevent-dev zlib1g-dev redis-server redis-tools pkg-config python3-pip)
if [ "$profile" = test ]; then
  packages+=(nginx-light chromium chromium-driver python3-venv curl redis-sentinel)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
