# groupwire-gateway: built on Debian 12, run on Debian 12 slim with only the libraries it links
# (tests/deploy/test_images.py checks that list against ldd). From the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t groupwire/gateway .
FROM debian:bookworm AS build
WORKDIR /src
COPY deploy/install-deps.sh deploy/install-deps.sh
RUN deploy/install-deps.sh build
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build /build --target groupwire-gateway \
 && strip /build/gateway/groupwire-gateway

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libspdlog1.10 libfmt9 \
      libboost-program-options1.74.0 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin groupwire
COPY --from=build /build/gateway/groupwire-gateway /usr/local/bin/groupwire-gateway
USER 10001
# Every flag is also a GROUPWIRE_GATEWAY_* variable; a flag given to `docker run` wins.
ENV GROUPWIRE_GATEWAY_LISTEN=0.0.0.0:9092 \
    GROUPWIRE_GATEWAY_HEALTH_LISTEN=0.0.0.0:8080
EXPOSE 9092 8080
# No curl in the slim image: bash's /dev/tcp asks /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/groupwire-gateway"]
