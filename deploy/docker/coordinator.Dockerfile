# groupwire-coordinator: built on Debian 12, run on Debian 12 slim with only the libraries it
# links (tests/deploy/test_images.py checks that list against ldd). From the repository root:
#   docker build -f deploy/docker/coordinator.Dockerfile -t groupwire/coordinator .
FROM debian:bookworm AS build
WORKDIR /src
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN deploy/install-deps.sh build
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build /build --target groupwire-coordinator \
 && strip /build/coordinator-service/groupwire-coordinator

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libspdlog1.10 libfmt9 \
      libboost-program-options1.74.0 libsqlite3-0 libpq5 libre2-9 librdkafka1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin groupwire \
 && mkdir -p /var/lib/groupwire && chown 10001:10001 /var/lib/groupwire
COPY --from=build /build/coordinator-service/groupwire-coordinator /usr/local/bin/groupwire-coordinator
USER 10001
# Every flag is also a GROUPWIRE_COORDINATOR_* variable; a flag given to `docker run` wins.
# Groups and committed offsets live in --data-dir: mount a volume there.
ENV GROUPWIRE_COORDINATOR_LISTEN=0.0.0.0:9093 \
    GROUPWIRE_COORDINATOR_DATA_DIR=/var/lib/groupwire
VOLUME /var/lib/groupwire
EXPOSE 9093
# The gRPC port accepts connections (the image has no gRPC health client).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9093"]
ENTRYPOINT ["/usr/local/bin/groupwire-coordinator"]
