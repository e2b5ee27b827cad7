# groupwire-dev-upstream, the development upstream (librdkafka's mock cluster as a process), for
# deploy/docker/compose.yaml only: production gateways front a real Kafka-compatible cluster.
#   docker build -f deploy/docker/dev-upstream.Dockerfile -t groupwire/dev-upstream .
FROM debian:bookworm AS build
WORKDIR /src
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN deploy/install-deps.sh build
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build /build --target groupwire-dev-upstream \
 && strip /build/deploy/dev-upstream/groupwire-dev-upstream

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      librdkafka1 libspdlog1.10 libfmt9 libboost-program-options1.74.0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin groupwire \
 && mkdir -p /run/groupwire && chown 10001:10001 /run/groupwire
COPY --from=build /build/deploy/dev-upstream/groupwire-dev-upstream /usr/local/bin/groupwire-dev-upstream
USER 10001
# Its brokers listen on random 127.0.0.1 ports (librdkafka 2.0.2's mock cannot fix them): the
# bootstrap line it prints is the only way to find them.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
  CMD ["grep", "-q", "^bootstrap ", "/run/groupwire/upstream.out"]
ENTRYPOINT ["bash", "-c", "exec /usr/local/bin/groupwire-dev-upstream \"$@\" > /run/groupwire/upstream.out", "groupwire-dev-upstream"]
