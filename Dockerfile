# syntax=docker/dockerfile:1
# metallbts container image: one image runs both `controller` and `speaker` (the first argument picks).
#
#   docker build -t REGISTRY/metallbts:TAG .            (or: buildah bud -t REGISTRY/metallbts:TAG .)
#   docker build --build-arg BASE=my-node20-base ...    (any Debian-based image with Node 20 on PATH)
#
# The lab builds this same file on a Node 20 base made from Debian packages (test/harness/images.sh).
ARG BASE=node:20-bookworm-slim

# ---------------------------------------------------------------- build: native addons, dist/, prod deps
FROM ${BASE} AS build
# Compilers for the native addons (native/*, raw-socket), only when the base lacks them.
RUN if ! command -v python3 >/dev/null || ! command -v make >/dev/null || ! command -v g++ >/dev/null; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/*; \
    fi
WORKDIR /src
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false npm_config_loglevel=warn
# Optional CA bundle for builds behind a TLS-intercepting proxy (mounted by the builder, e.g. buildah -v).
ARG BUILD_CA_CERTS=""
COPY package.json package-lock.json ./
# node-gyp uses the headers shipped next to node (no download) when the base has them.
RUN --mount=type=cache,target=/root/.npm \
    if [ -n "$BUILD_CA_CERTS" ]; then export NODE_EXTRA_CA_CERTS="$BUILD_CA_CERTS"; fi; \
    prefix=$(dirname "$(dirname "$(command -v node)")"); \
    if [ -f "$prefix/include/node/node_api.h" ]; then export npm_config_nodedir="$prefix"; fi; \
    npm ci
COPY tsconfig.json ./
COPY bin bin
COPY native native
COPY src src
COPY plugins plugins
# dist/ loads @kubernetes/client-node only through the esbuild bundle kube-lib.js (npm run build:kube-lib),
# so the package and its ~70 MB of dependencies stay out of the image; the build fails if that ever changes.
RUN prefix=$(dirname "$(dirname "$(command -v node)")"); \
    if [ -f "$prefix/include/node/node_api.h" ]; then export npm_config_nodedir="$prefix"; fi; \
    npm run build \
    && npm prune --omit=dev \
    && if grep -rlF 'require("@kubernetes/client-node")' dist; then echo "dist requires @kubernetes/client-node" >&2; exit 1; fi \
    && npm uninstall --no-save --omit=dev @kubernetes/client-node \
    && find dist \( -name '*.d.ts' -o -name '*.map' \) -delete \
    && mkdir -p /out/native/afpacket/build/Release /out/native/tcpmd5/build/Release \
    && cp native/afpacket/build/Release/afpacket.node /out/native/afpacket/build/Release/ \
    && cp native/tcpmd5/build/Release/tcpmd5.node /out/native/tcpmd5/build/Release/

# ---------------------------------------------------------------- runtime: node + what dist/ loads
FROM ${BASE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /out/native native
COPY --from=build /src/bin bin
COPY --from=build /src/dist dist
# Root by default: the speaker needs NET_RAW/NET_ADMIN (the chart runs the controller as 65534).
# Nothing is written at run time, so a read-only root filesystem works.
ENTRYPOINT ["node", "/app/bin/metallbts.js"]
CMD ["--help"]
