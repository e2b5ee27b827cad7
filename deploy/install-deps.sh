#!/usr/bin/env bash
# Installs the Debian packages Groupwire needs, skipping what is already there.
#   deploy/install-deps.sh build   compilers and libraries to build and run (the images' build
#                                  stage runs this too)
#   deploy/install-deps.sh test    the above plus the real Kafka clients and tools the tests use
set -euo pipefail

build=(cmake ninja-build g++ pkg-config
  libboost-dev libboost-program-options-dev libspdlog-dev libfmt-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc librdkafka-dev
  nlohmann-json3-dev libsqlite3-dev libpq-dev libssl-dev libre2-dev)
# openssl: the security tests make their own CA and certificates with it; iproute2: the
# multi-host test's network namespaces; python3-yaml: the deploy manifest checks; make: npm's @confluentinc/kafka-javascript builds its librdkafka from source, with TLS from the
# system's OpenSSL (node-gyp and librdkafka's build also run python3);
# postgresql-15: the PostgreSQL store's tests start throwaway servers of their own (initdb,
# pg_ctl; psql reads what they hold); prometheus: its promtool checks and unit-tests the alert
# rules in deploy/prometheus (the package's own server is not used: on a machine with systemd,
# `systemctl disable --now prometheus` stops it); chromium: the web console's tests drive it
# headless (playwright-core from npm).
test=(libgtest-dev libgmock-dev clang libclang-rt-14-dev
  kcat python3 python3-kafka python3-confluent-kafka python3-prometheus-client grpc-proto
  openssl iproute2 python3-yaml make postgresql-15 postgresql-client-15 prometheus chromium)

wanted=("${build[@]}")
if [[ "${1:-build}" == test ]]; then
  wanted+=("${test[@]}")
  command -v node >/dev/null && command -v npm >/dev/null || wanted+=(nodejs npm)
fi

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
