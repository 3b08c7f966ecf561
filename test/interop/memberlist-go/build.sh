#!/usr/bin/env bash
# Builds the Go memberlist interop node (idempotent, cached):
#   ~/.cache/metallbts/bin/memberlist-go-v0.5.1 (go.mod here) and memberlist-go-<old> (default v0.2.4).
# Usage: build.sh [VERSION...]   (default: v0.5.1 v0.2.4). Prints the built paths.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin_dir="${METALLBTS_CACHE:-$HOME/.cache/metallbts}/bin"
mkdir -p "$bin_dir"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(v0.5.1 v0.2.4)
for v in "${versions[@]}"; do
  out="$bin_dir/memberlist-go-$v"
  if [ -x "$out" ] && [ "$out" -nt "$here/main.go" ]; then echo "$out"; continue; fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp "$here/main.go" "$here/go.mod" "$work/"
  [ -f "$here/go.sum" ] && cp "$here/go.sum" "$work/"
  (
    cd "$work"
    export GOFLAGS=-mod=mod
    go mod edit -require="github.com/hashicorp/memberlist@$v"
    go mod tidy >&2
    CGO_ENABLED=0 go build -trimpath -o "$out.tmp" . >&2
  )
  mv "$out.tmp" "$out"
  rm -rf "$work"
  trap - EXIT
  echo "$out"
done
