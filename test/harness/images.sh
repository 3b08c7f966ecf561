#!/usr/bin/env bash
# Builds the lab's container images without a registry (Debian packages + the root Dockerfile); cached.
#
# Usage: bash test/harness/images.sh            (as root; needs mmdebstrap, buildah: install.sh apt)
#        bash test/harness/images.sh plugin-webhook   the example plugin's image only (its dist/ built first)
# Env:   METALLBTS_CACHE          cache root (default ~/.cache/metallbts); images land in $METALLBTS_CACHE/images
#        METALLBTS_DEBIAN_SOURCES apt sources for the Debian rootfs (default: this machine's debian.sources)
#        METALLBTS_IMAGES_STORE_MB  layer cache cap: above it, untagged layers are pruned (default 6000)
#
# Makes, each rebuilt only when its inputs change:
#   node20 base  Debian bookworm minbase (mmdebstrap) + this machine's Node 20 runtime (node, npm, headers),
#                laid out like the public node:20-bookworm-slim (/usr/local/{bin,lib/node_modules,include}).
#   metallbts    `buildah bud --build-arg BASE=<node20 base>` of the repository's Dockerfile (the same file
#                users build), inputs: Dockerfile, .dockerignore, package*.json, tsconfig.json, bin/ native/
#                src/ plugins/ and the base.
#   nginx        Debian bookworm minbase + nginx-light, stock "Welcome to nginx!" page on :80.
#   plugin-webhook (on demand)  examples/plugins/webhook/Dockerfile on the node20 base, inputs: that Dockerfile,
#                .dockerignore, package.json, README.md, dist/ and the base.
# Outputs in $METALLBTS_CACHE/images: metallbts.tar, nginx.tar (docker-archive, for
# `ctr -n k8s.io images import`) and metallbts.ref, nginx.ref holding the exact image reference,
# `localhost/<name>:<inputs-hash>`; a `localhost/` name is kept as is by containerd's and kubelet's
# normalisation (no docker.io/library/ prefix), and a non-latest tag means IfNotPresent never pulls.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${METALLBTS_CACHE:-${HOME:-/root}/.cache/metallbts}
OUT=$CACHE/images
STORE=$OUT/storage            # buildah's own image store (kept: layer cache for warm rebuilds)
RUNROOT=/run/metallbts-images # buildah's run state (tmpfs)
SUITE=bookworm
SOURCES=${METALLBTS_DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}
# Bump when a recipe below changes, so cached images are rebuilt.
RECIPE=1
BASE_PACKAGES=ca-certificates,libstdc++6
NGINX_PACKAGES=nginx-light
# No recommends, merged /usr without the usrmerge package (and its perl), and no docs, man pages or
# translations (copyright files stay): smaller images.
DPKG_SLIM=(--aptopt='APT::Install-Recommends "false"' --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*')
PATH_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

. "$(dirname "$0")/step-log.sh"
die() { echo "images.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap and buildah build rootfs trees)"
for cmd in mmdebstrap buildah node; do
  command -v "$cmd" >/dev/null || die "$cmd not found (bash test/harness/install.sh apt)"
done
[ -f "$SOURCES" ] || die "no apt sources at $SOURCES (set METALLBTS_DEBIAN_SOURCES)"

BUILDAH=(buildah --root "$STORE" --runroot "$RUNROOT" --storage-driver overlay)

hash_of() { sha256sum | cut -c1-16; }

# ---------------------------------------------------------------- the Node 20 runtime to copy
NODE_BIN=$(readlink -f "$(command -v node)")
NODE_PREFIX=$(dirname "$(dirname "$NODE_BIN")")
NPM_DIR=$NODE_PREFIX/lib/node_modules/npm
NODE_HEADERS=$NODE_PREFIX/include/node
NODE_VERSION=$("$NODE_BIN" --version)
case $NODE_VERSION in v20.*) ;; *) die "node on PATH is $NODE_VERSION, the image needs Node 20" ;; esac
[ -f "$NPM_DIR/package.json" ] || die "npm not found at $NPM_DIR"
[ -f "$NODE_HEADERS/node_api.h" ] || die "node headers not found at $NODE_HEADERS (native addons need them)"
case $(uname -m) in
  x86_64) OPENSSL_ARCH=linux-x86_64 ;;
  aarch64) OPENSSL_ARCH=linux-aarch64 ;;
  *) OPENSSL_ARCH=linux-$(uname -m) ;;
esac

# ---------------------------------------------------------------- input hashes
base_hash() {
  { echo "recipe=$RECIPE suite=$SUITE packages=$BASE_PACKAGES node=$NODE_VERSION ${DPKG_SLIM[*]}"
    cat "$SOURCES"
    sha256sum "$NODE_BIN"
    cat "$NPM_DIR/package.json"
  } | hash_of
}

# Everything the Dockerfile copies (tracked and untracked-but-not-ignored files, as the context holds them).
metallbts_hash() { # metallbts_hash <base-ref>
  { echo "recipe=$RECIPE base=$1"
    cd "$ROOT"
    local f
    for f in Dockerfile .dockerignore package.json package-lock.json tsconfig.json; do sha256sum "$f"; done
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
      git ls-files -z --cached --others --exclude-standard -- bin native src plugins
    else # an unpacked source tarball: every file except build outputs
      find bin native src plugins -type f ! -path 'native/*/build/*' -print0
    fi | sort -z | while IFS= read -r -d '' f; do [ -f "$f" ] && sha256sum "$f"; done
  } | hash_of
}

PLUGIN_DIR=$ROOT/examples/plugins/webhook
plugin_webhook_hash() { # plugin_webhook_hash <base-ref>
  { echo "recipe=$RECIPE base=$1"
    cd "$PLUGIN_DIR"
    local f
    for f in Dockerfile .dockerignore package.json README.md; do sha256sum "$f"; done
    find dist -type f -print0 | sort -z | while IFS= read -r -d '' f; do sha256sum "$f"; done
  } | hash_of
}

nginx_hash() {
  { echo "recipe=$RECIPE suite=$SUITE packages=$NGINX_PACKAGES ${DPKG_SLIM[*]}"; cat "$SOURCES"; } | hash_of
}

have_image() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }

# Drops older tags of the same repository (the layer cache stays for warm rebuilds).
drop_old_tags() { # drop_old_tags <repo> <keep-ref>
  local ref
  "${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}}' | { grep "^$1:" || true; } | while read -r ref; do
    [ "$ref" = "$2" ] || "${BUILDAH[@]}" rmi "$ref" >/dev/null 2>&1 || true
  done
}

# mmdebstrap rootfs tarball → image (buildah from scratch + add + config + commit).
import_rootfs() { # import_rootfs <rootfs.tar> <ref> <buildah-config-args...>
  local tar=$1 ref=$2; shift 2
  local ctr
  ctr=$("${BUILDAH[@]}" from scratch)
  "${BUILDAH[@]}" add "$ctr" "$tar" / >/dev/null
  "${BUILDAH[@]}" config --env "$PATH_ENV" --os linux --arch "$(go_arch)" "$@" "$ctr"
  "${BUILDAH[@]}" commit --rm --quiet "$ctr" "$ref" >/dev/null
}

go_arch() { case $(uname -m) in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac; }

export_archive() { # export_archive <ref> <name>: docker-archive + .ref file, written atomically
  local ref=$1 name=$2
  rm -f "$OUT/$name.tar.tmp"
  "${BUILDAH[@]}" push --quiet "$ref" "docker-archive:$OUT/$name.tar.tmp:$ref" >/dev/null
  mv -f "$OUT/$name.tar.tmp" "$OUT/$name.tar"
  echo "$ref" >"$OUT/$name.ref"
}

archive_current() { # archive_current <name> <ref>
  [ -f "$OUT/$1.tar" ] && [ "$(cat "$OUT/$1.ref" 2>/dev/null)" = "$2" ]
}

# ---------------------------------------------------------------- node20 base
build_base() { # build_base <ref>
  local ref=$1
  if have_image "$ref"; then step "node20 base: $ref cached"; return; fi
  step "node20 base: mmdebstrap $SUITE minbase + $BASE_PACKAGES, Node $NODE_VERSION from $NODE_PREFIX"
  local work=$WORK/base
  mkdir -p "$work"
  mmdebstrap --quiet --mode=root --variant=minbase --include="$BASE_PACKAGES" "${DPKG_SLIM[@]}" \
    --skip=output/dev \
    --customize-hook='mkdir -p "$1/usr/local/bin" "$1/usr/local/lib/node_modules" "$1/usr/local/include"' \
    --customize-hook="copy-in $NODE_BIN /usr/local/bin" \
    --customize-hook="copy-in $NPM_DIR /usr/local/lib/node_modules" \
    --customize-hook="copy-in $NODE_HEADERS /usr/local/include" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"' \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook="find \"\$1/usr/local/include/node/openssl/archs\" -mindepth 1 -maxdepth 1 ! -name $OPENSSL_ARCH -exec rm -rf {} +" \
    --customize-hook='chroot "$1" node -e "process.exit(0)"' \
    "$SUITE" "$work/rootfs.tar" "$SOURCES"
  step "node20 base: importing"
  import_rootfs "$work/rootfs.tar" "$ref" --env "NODE_VERSION=${NODE_VERSION#v}" --cmd node \
    --label "org.opencontainers.image.description=Node $NODE_VERSION on Debian $SUITE (mmdebstrap)"
  drop_old_tags localhost/metallbts-node20-base "$ref"
  step "node20 base: $ref"
}

# ---------------------------------------------------------------- metallbts (the root Dockerfile)
build_metallbts() { # build_metallbts <base-ref> <ref>
  local base=$1 ref=$2
  if archive_current metallbts "$ref"; then step "metallbts: $ref cached"; return; fi
  if ! have_image "$ref"; then
    step "metallbts: buildah bud --build-arg BASE=$base $ROOT/Dockerfile"
    local ca_args=()
    # Behind a TLS-intercepting proxy npm needs the proxy's CA: mount the bundle node already trusts.
    local ca=${NODE_EXTRA_CA_CERTS:-}
    if [ -n "$ca" ] && [ -r "$ca" ]; then
      ca_args=(--volume "$ca:/run/build-ca-certs.pem:ro" --build-arg BUILD_CA_CERTS=/run/build-ca-certs.pem)
    fi
    "${BUILDAH[@]}" bud --quiet --layers --pull=never --network host --isolation chroot \
      --build-arg "BASE=$base" "${ca_args[@]}" -f "$ROOT/Dockerfile" -t "$ref" "$ROOT"
    drop_old_tags localhost/metallbts "$ref"
  fi
  step "metallbts: exporting $OUT/metallbts.tar"
  export_archive "$ref" metallbts
  step "metallbts: $ref ($(du -h "$OUT/metallbts.tar" | cut -f1))"
}

# ---------------------------------------------------------------- nginx (Debian nginx-light)
build_nginx() { # build_nginx <ref>
  local ref=$1
  if archive_current nginx "$ref"; then step "nginx: $ref cached"; return; fi
  if ! have_image "$ref"; then
    step "nginx: mmdebstrap $SUITE minbase + $NGINX_PACKAGES"
    local work=$WORK/nginx
    mkdir -p "$work"
    # Logs to the container's stdout/stderr, like the public nginx image.
    mmdebstrap --quiet --mode=root --variant=minbase --include="$NGINX_PACKAGES" "${DPKG_SLIM[@]}" \
      --skip=output/dev \
      --customize-hook='ln -sf /dev/stdout "$1/var/log/nginx/access.log"' \
      --customize-hook='ln -sf /dev/stderr "$1/var/log/nginx/error.log"' \
      --customize-hook='grep -q "Welcome to nginx!" "$1/var/www/html/index.nginx-debian.html"' \
      "$SUITE" "$work/rootfs.tar" "$SOURCES"
    step "nginx: importing"
    import_rootfs "$work/rootfs.tar" "$ref" --port 80 --stop-signal SIGQUIT \
      --entrypoint '["nginx", "-g", "daemon off;"]' \
      --label "org.opencontainers.image.description=nginx-light from Debian $SUITE (mmdebstrap)"
    drop_old_tags localhost/nginx "$ref"
  fi
  step "nginx: exporting $OUT/nginx.tar"
  export_archive "$ref" nginx
  step "nginx: $ref ($(du -h "$OUT/nginx.tar" | cut -f1))"
}

# ---------------------------------------------------------------- the example plugin (its Dockerfile)
build_plugin_webhook() { # build_plugin_webhook <base-ref> <ref>
  local base=$1 ref=$2
  if archive_current plugin-webhook "$ref"; then step "plugin-webhook: $ref cached"; return; fi
  if ! have_image "$ref"; then
    step "plugin-webhook: buildah bud --build-arg BASE=$base $PLUGIN_DIR/Dockerfile"
    "${BUILDAH[@]}" bud --quiet --layers --pull=never --network host --isolation chroot \
      --build-arg "BASE=$base" -f "$PLUGIN_DIR/Dockerfile" -t "$ref" "$PLUGIN_DIR" >/dev/null
    drop_old_tags localhost/metallbts-plugin-webhook "$ref"
  fi
  export_archive "$ref" plugin-webhook
  step "plugin-webhook: $ref ($(du -h "$OUT/plugin-webhook.tar" | cut -f1))"
}

# One build at a time per cache (two test runs may call this concurrently).
mkdir -p "$OUT" "$RUNROOT"
exec 9>"$OUT/.lock"
flock 9
WORK=$(mktemp -d "$OUT/.work-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

base_ref=localhost/metallbts-node20-base:$(base_hash)
case ${1:-} in
  '') ;;
  plugin-webhook)
    [ -f "$PLUGIN_DIR/dist/index.js" ] || die "build the example first: (cd examples/plugins/webhook && npm run build)"
    build_base "$base_ref"
    build_plugin_webhook "$base_ref" "localhost/metallbts-plugin-webhook:$(plugin_webhook_hash "$base_ref")"
    exit 0 ;;
  *) die "unknown image '$1' (images.sh [plugin-webhook])" ;;
esac
metallbts_ref=localhost/metallbts:$(metallbts_hash "$base_ref")
nginx_ref=localhost/nginx:$(nginx_hash)
step "inputs hashed: $metallbts_ref, $nginx_ref"

if archive_current metallbts "$metallbts_ref"; then
  step "metallbts: $metallbts_ref cached"
else
  build_base "$base_ref"
  build_metallbts "$base_ref" "$metallbts_ref"
fi
build_nginx "$nginx_ref"
# Every change of sources leaves untagged build layers behind; keep the cache bounded.
store_mb=$(du -sm "$STORE" | cut -f1)
if [ "$store_mb" -gt "${METALLBTS_IMAGES_STORE_MB:-6000}" ]; then
  "${BUILDAH[@]}" rmi --prune >/dev/null
  step "layer cache was ${store_mb} MB: pruned untagged layers (now $(du -sm "$STORE" | cut -f1) MB)"
fi
step "done; archives and refs in $OUT"
