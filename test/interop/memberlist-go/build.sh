#!/usr/bin/env bash
# Builds the Go memberlist interop node (idempotent, cached):
#   ~/.cache/metallbts/bin/memberlist-go-<version>; go.mod here pins v0.5.1, other versions are swapped in.
# Usage: build.sh [VERSION...]   (default: v0.5.1 v0.2.4 v0.6.0). Prints the built paths.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin_dir="${METALLBTS_CACHE:-$HOME/.cache/metallbts}/bin"
mkdir -p "$bin_dir"
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(v0.5.1 v0.2.4 v0.6.0)
for v in "${versions[@]}"; do
  out="$bin_dir/memberlist-go-$v"
  # Cache key: the sources, this script and the version (mtimes differ in every fresh clone).
  stamp="$( (cat "$here"/*.go "$here/go.mod" "$here/build.sh"; echo "$v"; go env GOVERSION) | sha256sum | cut -d' ' -f1)"
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then echo "$out"; continue; fi
  # Labels exist from memberlist v0.3.0 on.
  tags=""
  case "$v" in v0.1.*|v0.2.*) ;; *) tags="-tags=memberlist_label" ;; esac
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp "$here"/*.go "$here/go.mod" "$work/"
  [ -f "$here/go.sum" ] && cp "$here/go.sum" "$work/"
  (
    cd "$work"
    export GOFLAGS=-mod=mod
    go mod edit -require="github.com/hashicorp/memberlist@$v"
    go mod tidy >&2
    CGO_ENABLED=0 nice -n 10 go build -trimpath $tags -o "$out.tmp" . >&2
  )
  mv "$out.tmp" "$out"
  echo "$stamp" > "$out.stamp"
  rm -rf "$work"
  trap - EXIT
  echo "$out"
done
