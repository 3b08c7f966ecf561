#!/usr/bin/env bash
# Builds real MetalLB speakers (go.universe.tf/metallb/speaker, from the Go module proxy) for the mixed-cluster tests
# (idempotent, cached): ~/.cache/metallbts/bin/metallb-speaker-<version>.
# Usage: build.sh [--download-only] [VERSION...]   (default: v0.16.1 v0.16.2). Prints the built paths.
# METALLB_COMPONENTS="speaker controller" also builds go.universe.tf/metallb/controller (default: speaker only), as
# ~/.cache/metallbts/bin/metallb-controller-<version> (for the MetalLB images of test/interop/metallb/images.sh).
# MetalLB's go.mod has no replace lines, so a wrapper module that requires it builds with MetalLB's own pins, except
# frr-k8s (only used by the FRR-K8s BGP mode, never by these tests): the proxy refuses v0.0.27 (v0.16.2's pin: "403 not
# available") and no served version has the AsPathPrepend advertisement v0.16.2 compiles against, so v0.16.2 gets a
# local copy of v0.0.26 (the newest served) with that one field and type added (see patch_frrk8s).
# METALLB_FRRK8S_REPLACE=vX.Y.Z instead replaces frr-k8s with that served version, unpatched, for every version.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${METALLBTS_CACHE:-$HOME/.cache/metallbts}"
bin_dir="$cache/bin"
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
mkdir -p "$bin_dir"
download_only=0
if [ "${1:-}" = "--download-only" ]; then download_only=1; shift; fi
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(v0.16.1 v0.16.2)
frrk8s_replace() { # how to build <metallb version>'s frr-k8s: "" (MetalLB's pin), vX.Y.Z (served), vX.Y.Z+aspath (patched copy)
  if [ -n "${METALLB_FRRK8S_REPLACE:-}" ]; then echo "$METALLB_FRRK8S_REPLACE"; return; fi
  case "$1" in v0.16.2) echo v0.0.26+aspath ;; *) echo "" ;; esac
}

# patch_frrk8s <served version> <dest>: a writable copy of frr-k8s with v0.0.27's Advertise.PrefixesWithAsPathPrepend.
patch_frrk8s() {
  local src
  src=$("$GO" mod download -json "github.com/metallb/frr-k8s@$1" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
  [ -d "$src" ] || { echo "build.sh: cannot download github.com/metallb/frr-k8s@$1" >&2; exit 1; }
  rm -rf "$2" && cp -r "$src" "$2" && chmod -R u+w "$2"
  local types="$2/api/v1beta1/frrconfiguration_types.go"
  grep -q 'PrefixesWithCommunity \[\]CommunityPrefixes' "$types" || { echo "build.sh: frr-k8s $1 Advertise has changed; update patch_frrk8s" >&2; exit 1; }
  sed -i 's|^\(\s*PrefixesWithCommunity \[\]CommunityPrefixes .*\)$|\1\n\n\t// Added by metallbts test/interop/metallb/build.sh (from frr-k8s v0.0.27, which the proxy does not serve).\n\tPrefixesWithAsPathPrepend []AsPathPrependPrefixes `json:"withAsPathPrepend,omitempty"`|' "$types"
  cat >>"$types" <<'GO'

// AsPathPrependPrefixes (frr-k8s v0.0.27): prefixes advertised with the local AS prepended AsPathPrepend times.
type AsPathPrependPrefixes struct {
	AsPathPrepend uint8    `json:"asPathPrepend"`
	Prefixes      []string `json:"prefixes,omitempty"`
}
GO
}
read -r -a components <<<"${METALLB_COMPONENTS:-speaker}"
for v in "${versions[@]}"; do
for component in "${components[@]}"; do
  frr=$(frrk8s_replace "$v")
  out="$bin_dir/metallb-$component-$v"
  # Cache key: what goes into the binary (bump BUILD_REV when the way of building changes).
  tag="$v frr=$frr"; [ "$component" = speaker ] || tag="$tag component=$component"
  stamp="$( (echo "BUILD_REV=1 $tag"; "$GO" env GOVERSION) | sha256sum | cut -d' ' -f1)"
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then echo "$out"; continue; fi
  dir="$cache/src/metallb-$v"
  mkdir -p "$dir"
  if [ "$(cat "$dir/.ready" 2>/dev/null)" != "frr=$frr" ]; then
    rm -f "$dir/go.mod" "$dir/go.sum"
    mod=$("$GO" mod download -json "go.universe.tf/metallb@$v" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
    [ -f "$mod" ] || { echo "build.sh: cannot download go.universe.tf/metallb@$v" >&2; exit 1; }
    {
      echo "module metallbts.local/metallb-$v"
      echo
      grep -m1 '^go ' "$mod"
      echo
      echo "require go.universe.tf/metallb $v"
      case "$frr" in
        "") ;;
        *+aspath)
          patch_frrk8s "${frr%+aspath}" "$dir/frr-k8s"
          printf '\nreplace github.com/metallb/frr-k8s => ./frr-k8s\n' ;;
        *) printf '\nreplace github.com/metallb/frr-k8s => github.com/metallb/frr-k8s %s\n' "$frr" ;;
      esac
    } >"$dir/go.mod"
    echo 'package metallbbuild' >"$dir/doc.go"
    # Resolve every dependency of the speaker and controller now (fills go.sum), so the build itself needs no network.
    (cd "$dir" && "$GO" list -deps go.universe.tf/metallb/speaker go.universe.tf/metallb/controller >/dev/null)
    echo "frr=$frr" >"$dir/.ready"
  fi
  [ $download_only -eq 1 ] && continue
  (cd "$dir" && CGO_ENABLED=0 nice -n "${METALLB_BUILD_NICE:-10}" "$GO" build -p "${METALLBTS_GO_JOBS:-$(nproc)}" -trimpath \
    -ldflags "-s -w" -o "$out.tmp" "go.universe.tf/metallb/$component")
  mv -f "$out.tmp" "$out"
  echo "$stamp" >"$out.stamp"
  echo "$out"
done
done
