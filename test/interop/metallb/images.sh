#!/usr/bin/env bash
# Builds MetalLB's speaker and controller images from the Go binaries of build.sh (no registry is reachable); cached.
#
# Usage: bash test/interop/metallb/images.sh [VERSION]   (default v0.16.1; as root; needs buildah: install.sh apt)
# Makes, for each of speaker and controller, an image like upstream's (distroless/static + the static binary as
# /<name> + LICENSE, ENTRYPOINT ["/<name>"]), here `FROM scratch` since the binaries are static (CGO_ENABLED=0) and
# need no file of distroless's (in-cluster CA and token come from the ServiceAccount mount).
# Outputs in $METALLBTS_CACHE/images: metallb-<name>-<version>.tar (docker-archive, for `ctr images import`) and
# metallb-<name>-<version>.ref holding `localhost/metallb-<name>:<version>-<inputs-hash>`. Prints the refs.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${METALLBTS_CACHE:-${HOME:-/root}/.cache/metallbts}
OUT=$CACHE/images
STORE=$OUT/storage            # the same buildah store (and lock) as test/harness/images.sh
RUNROOT=/run/metallbts-images
VERSION=${1:-v0.16.1}
RECIPE=1 # bump when the recipe below changes

die() { echo "metallb images.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (buildah)"
command -v buildah >/dev/null || die "buildah not found (bash test/harness/install.sh apt)"
BUILDAH=(buildah --root "$STORE" --runroot "$RUNROOT" --storage-driver overlay)
go_arch() { case $(uname -m) in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac; }

# The binaries, built (or found cached) by build.sh.
METALLB_COMPONENTS="speaker controller" bash "$HERE/build.sh" "$VERSION" >/dev/null
LICENSE_FILE=$(cd "$CACHE/src/metallb-$VERSION" && GOTOOLCHAIN=local GOFLAGS=-mod=mod \
  "${GO:-$(command -v go || echo /usr/local/go/bin/go)}" list -m -f '{{.Dir}}' go.universe.tf/metallb)/LICENSE
[ -f "$LICENSE_FILE" ] || die "MetalLB's LICENSE not found at $LICENSE_FILE"

mkdir -p "$OUT" "$RUNROOT"
exec 9>"$OUT/.lock"
flock 9

for name in speaker controller; do
  bin=$CACHE/bin/metallb-$name-$VERSION
  [ -x "$bin" ] || die "$bin missing (build.sh failed?)"
  file -b "$bin" | grep -q 'statically linked' || die "$bin is not static: FROM scratch cannot run it"
  hash=$({ echo "recipe=$RECIPE $name $VERSION"; sha256sum <"$bin"; sha256sum <"$LICENSE_FILE"; } | sha256sum | cut -c1-12)
  ref=localhost/metallb-$name:$VERSION-$hash
  base=metallb-$name-$VERSION
  if [ -f "$OUT/$base.tar" ] && [ "$(cat "$OUT/$base.ref" 2>/dev/null)" = "$ref" ]; then echo "$ref"; continue; fi
  if ! "${BUILDAH[@]}" inspect --type image "$ref" >/dev/null 2>&1; then
    ctr=$("${BUILDAH[@]}" from scratch)
    "${BUILDAH[@]}" copy --chmod 0755 "$ctr" "$bin" "/$name" >/dev/null
    "${BUILDAH[@]}" copy --chmod 0644 "$ctr" "$LICENSE_FILE" /LICENSE >/dev/null
    "${BUILDAH[@]}" config --os linux --arch "$(go_arch)" --entrypoint "[\"/$name\"]" \
      --label org.opencontainers.image.title="$name" --label org.opencontainers.image.version="$VERSION" \
      --label org.opencontainers.image.licenses=Apache-2.0 \
      --label "org.opencontainers.image.description=MetalLB $name $VERSION (go.universe.tf/metallb, built by metallbts test/interop/metallb)" \
      "$ctr"
    "${BUILDAH[@]}" commit --rm --quiet "$ctr" "$ref" >/dev/null
    # Older tags of this image: dropped (the store is shared with the lab's images).
    "${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}}' | { grep "^localhost/metallb-$name:$VERSION-" || true; } | while read -r old; do
      [ "$old" = "$ref" ] || "${BUILDAH[@]}" rmi "$old" >/dev/null 2>&1 || true
    done
  fi
  rm -f "$OUT/$base.tar.tmp"
  "${BUILDAH[@]}" push --quiet "$ref" "docker-archive:$OUT/$base.tar.tmp:$ref" >/dev/null
  mv -f "$OUT/$base.tar.tmp" "$OUT/$base.tar"
  echo "$ref" >"$OUT/$base.ref"
  echo "$ref"
done
