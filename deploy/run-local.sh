#!/usr/bin/env bash
# Builds Groupwire and runs it locally with embedded defaults: a gateway on 127.0.0.1:9092
# serving a small topic catalog. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh build
cmake -S . -B build -G Ninja -DBUILD_TESTING=OFF >/dev/null
ninja -C build -j2 groupwire-gateway

port=${GROUPWIRE_PORT:-9092}
build/gateway/groupwire-gateway --listen "127.0.0.1:$port" --topic orders:4 --topic payments:2 &
gateway=$!
trap 'kill $gateway 2>/dev/null; wait' EXIT INT TERM

cat <<MSG

Groupwire gateway running on 127.0.0.1:$port. Try:
  kcat -b 127.0.0.1:$port -L

MSG
wait $gateway
