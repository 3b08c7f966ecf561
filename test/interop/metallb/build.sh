#!/usr/bin/env bash
# Builds real MetalLB speakers (go.universe.tf/metallb/speaker, from the Go module proxy) for the mixed-cluster tests
# (idempotent, cached): ~/.cache/metallbts/bin/metallb-speaker-<version>.
# Usage: build.sh [--download-only] [VERSION...]   (default: v0.16.1 v0.16.2). Prints the built paths.
# MetalLB's go.mod has no replace lines, so a wrapper module that requires it builds with MetalLB's own pins, except
# frr-k8s (only used by the FRR-K8s BGP mode): the proxy refuses v0.0.27 (v0.16.2's pin, "403 not available"), so
# v0.16.2 gets a replace to v0.0.25 (v0.16.1's pin, served). METALLB_FRRK8S_REPLACE=vX.Y.Z overrides it for all.
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
frrk8s_replace() { # the frr-k8s version to build <metallb version> with, or "" for MetalLB's own pin
  if [ -n "${METALLB_FRRK8S_REPLACE:-}" ]; then echo "$METALLB_FRRK8S_REPLACE"; return; fi
  case "$1" in v0.16.2) echo v0.0.25 ;; *) echo "" ;; esac
}
for v in "${versions[@]}"; do
  frr=$(frrk8s_replace "$v")
  out="$bin_dir/metallb-speaker-$v"
  stamp="$( (cat "$here/build.sh"; echo "$v $frr"; "$GO" env GOVERSION) | sha256sum | cut -d' ' -f1)"
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
      if [ -n "$frr" ]; then
        echo
        echo "replace github.com/metallb/frr-k8s => github.com/metallb/frr-k8s $frr"
      fi
    } >"$dir/go.mod"
    echo 'package metallbbuild' >"$dir/doc.go"
    # Resolve every dependency of the speaker now (fills go.sum), so the build itself needs no network.
    (cd "$dir" && "$GO" list -deps go.universe.tf/metallb/speaker >/dev/null)
    echo "frr=$frr" >"$dir/.ready"
  fi
  [ $download_only -eq 1 ] && continue
  (cd "$dir" && CGO_ENABLED=0 nice -n "${METALLB_BUILD_NICE:-10}" "$GO" build -p "${METALLBTS_GO_JOBS:-$(nproc)}" -trimpath \
    -ldflags "-s -w" -o "$out.tmp" go.universe.tf/metallb/speaker)
  mv -f "$out.tmp" "$out"
  echo "$stamp" >"$out.stamp"
  echo "$out"
done
