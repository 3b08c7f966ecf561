#!/usr/bin/env bash
# Builds the lab's pod sandbox image (our static pause.c in an empty image) as a docker-archive; cached by the source's hash.
# Usage: bash test/harness/pause/build.sh   → $METALLBTS_CACHE/images/pause.tar and pause.ref (the image reference)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${METALLBTS_CACHE:-${HOME:-/root}/.cache/metallbts}
OUT=$CACHE/images
mkdir -p "$OUT"
hash=$(cat "$here/pause.c" "$here/build.sh" | sha256sum | cut -c1-12)
ref="localhost/metallbts-pause:$hash"
if [ -f "$OUT/pause.tar" ] && [ "$(cat "$OUT/pause.ref" 2>/dev/null)" = "$ref" ]; then
  echo "pause image $ref cached"
  exit 0
fi
work=$(mktemp -d)
ctr=""
cleanup() { [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
cc -static -Os -s -o "$work/pause" "$here/pause.c"
ctr=$(buildah from scratch)
buildah copy "$ctr" "$work/pause" /pause >/dev/null
buildah config --entrypoint '["/pause"]' --cmd '[]' --user 65535:65535 "$ctr"
buildah commit --quiet --rm "$ctr" "$ref" >/dev/null
ctr=""
rm -f "$OUT/pause.tar.tmp"
buildah push --quiet "$ref" "docker-archive:$OUT/pause.tar.tmp:$ref"
mv -f "$OUT/pause.tar.tmp" "$OUT/pause.tar"
echo "$ref" >"$OUT/pause.ref"
echo "pause image $ref built"
