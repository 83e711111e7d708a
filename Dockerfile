# syntax=docker/dockerfile:1
# Hearth in a container: the compiled binary on a distroless base (glibc and libstdc++, no shell,
# runs as the non-root user 65532).
#   docker build -t hearth .
#   docker run -d --name hearth -p 8000:8000 -v hearth-data:/data \
#     -e HEARTH_ADMIN_TOKEN=... -e OPENAI_API_KEY=... hearth
# Multi-arch (amd64 and a Raspberry Pi's arm64):
#   docker buildx build --platform linux/amd64,linux/arm64 -t hearth .

# Build on the builder's own platform and cross-compile for the target: no emulation needed.
FROM --platform=$BUILDPLATFORM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock bunfig.toml tsconfig.json ./
# Exactly the lockfile's versions; the blocked postinstalls (protobufjs) are not needed.
RUN bun install --frozen-lockfile --ignore-scripts
COPY src ./src
COPY drizzle ./drizzle
COPY public ./public
COPY types ./types
COPY scripts ./scripts
ARG TARGETARCH
# scripts/build.ts pins NODE_ENV=production itself (an inherited NODE_ENV would beat --production).
RUN set -e; \
    case "$TARGETARCH" in arm64) arch=arm64 ;; amd64|"") arch=x64 ;; *) echo "unsupported arch $TARGETARCH" >&2; exit 1 ;; esac; \
    bun run scripts/build.ts "$arch"; \
    install -D -m 755 "dist/hearth-linux-$arch" /out/hearth; \
    install -d -m 750 /out/volume/data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/hearth /usr/local/bin/hearth
COPY config/hearth.yaml /etc/hearth/hearth.yaml
# An empty /data owned by the runtime user, so a fresh named volume is writable by it. Copied as
# an entry of its parent: --chown applies to what is copied, not to a destination it creates.
COPY --from=build --chown=65532:65532 /out/volume/ /
ENV HEARTH_CONFIG=/etc/hearth/hearth.yaml \
    HEARTH_DATA=/data \
    HEARTH_HOST=0.0.0.0 \
    HEARTH_PORT=8000
VOLUME ["/data"]
EXPOSE 8000
USER 65532:65532
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/hearth"]
CMD ["serve"]
