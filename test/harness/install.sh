#!/usr/bin/env bash
# Installs the real parts the tests drive (Debian packages, Go-built k8s binaries); idempotent and cached.
#
# Usage: bash test/harness/install.sh [apt] [go]     (no argument = both)
# Env:   METALLBTS_CACHE   cache root (default ~/.cache/metallbts); binaries land in $METALLBTS_CACHE/bin
#        METALLBTS_GO_JOBS parallel Go compile jobs (default: number of cores)
set -euo pipefail
shopt -s inherit_errexit  # so failures inside $(...) (the k8s wrapper step) stop the script too

K8S_VERSION=v1.36.3          # k8s.io/kubernetes (control plane, kubelet, kube-proxy, kubectl)
K8S_STAGING_VERSION=v0.36.3  # the matching k8s.io/<staging> module versions
ETCD_VERSION=v3.6.8          # go.etcd.io/etcd/server/v3 (the client version k8s v1.36.3 uses)
HELM_VERSION=v3.22.0         # helm.sh/helm/v3
PROM_OPERATOR_VERSION=v0.85.0  # github.com/prometheus-operator/prometheus-operator: its CRDs, for the chart's monitoring objects
# Every Kubernetes command the tests and the lab run; one `go build` compiles the shared packages once.
K8S_COMMANDS=(kube-apiserver kubectl kube-controller-manager kube-scheduler kubelet kube-proxy)

CACHE=${METALLBTS_CACHE:-${HOME:-/root}/.cache/metallbts}
BIN=$CACHE/bin
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
JOBS=${METALLBTS_GO_JOBS:-$(nproc)}
APT_PACKAGES=(iproute2 iputils-ping arping ndisc6 tcpdump tshark frr gobgpd bird2 curl python3 openssl
  containerd runc containernetworking-plugins iptables conntrack nftables socat buildah mmdebstrap uidmap prometheus)
# (gobgpd ships both the daemon and the gobgp client; containerd/runc/CNI run the lab's real nodes;
#  buildah and mmdebstrap build the images from Debian packages, since no registry is reachable;
#  prometheus brings promtool, which checks the chart's PrometheusRule.)

. "$(dirname "$0")/step-log.sh"

# ---------------------------------------------------------------- Debian packages
missing_apt_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

install_apt() {
  local missing
  mapfile -t missing < <(missing_apt_packages)
  if [ ${#missing[@]} -eq 0 ]; then
    step "apt: all ${#APT_PACKAGES[@]} packages present"
    return
  fi
  step "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
  # Keep frr/bird/gobgpd from starting at install time: tests start them inside namespaces.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
  fi
  local rc=0
  apt-get update -qq || rc=$?
  if [ $rc -eq 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  fi
  [ $made_policy -eq 1 ] && rm -f "$policy"
  [ $rc -eq 0 ] || { echo "install.sh: apt-get failed ($rc)" >&2; exit $rc; }
  # Where systemd runs, make sure the daemons stay off; tests run their own instances.
  if [ -d /run/systemd/system ]; then
    systemctl disable --now frr bird gobgpd containerd >/dev/null 2>&1 || true
  fi
  step "apt: done"
}

# ---------------------------------------------------------------- Go-built binaries
retry() { # retry <what> <cmd...>: network steps get three tries
  local i
  for i in 1 2 3; do
    "${@:2}" && return 0
    echo "install.sh: $1 failed (attempt $i/3)" >&2
    sleep $((i * 5))
  done
  return 1
}

# Builds only when the binary is absent or its stamp names another version.
fresh() { # fresh <name> <version-stamp>
  [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.version" 2>/dev/null)" = "$2" ]
}
stamp() { echo "$2" >"$BIN/.$1.version"; }

gobuild() { # gobuild <dir> <out> <pkg> [ldflags...]
  local dir=$1 out=$2 pkg=$3; shift 3
  (cd "$dir" && nice -n 10 "$GO" build -p "$JOBS" -trimpath -ldflags "-s -w $*" -o "$out.tmp" "$pkg")
  mv -f "$out.tmp" "$out"
}

# k8s.io/kubernetes replaces its staging modules with ./staging paths, so `go install ...@v` fails.
# A wrapper module requires it and points each staging module at its published version instead.
k8s_wrapper() {
  local dir=$CACHE/src/k8s-$K8S_VERSION
  mkdir -p "$dir"
  if [ -f "$dir/.ready" ]; then echo "$dir"; return; fi
  local kmod
  kmod=$(retry "download k8s.io/kubernetes" "$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
  [ -f "$kmod" ] || { echo "install.sh: cannot download k8s.io/kubernetes@$K8S_VERSION go.mod" >&2; exit 1; }
  local goline
  goline=$(grep -m1 '^go ' "$kmod")
  {
    echo "module metallbts.local/k8sbuild"
    echo
    echo "$goline"
    grep '^godebug ' "$kmod" || true
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    # Same third-party pins as kubernetes itself; staging entries (v0.0.0) become the published version.
    awk -v sv="$K8S_STAGING_VERSION" '
      /^require \(/ { inreq = 1; print; next }
      inreq && /^\)/ { inreq = 0; print; next }
      inreq && $2 == "v0.0.0" && $1 ~ /^k8s\.io\// { print "\t" $1 " " sv; next }
      inreq { print; next }
    ' "$kmod"
    echo
    echo "replace ("
    awk -v sv="$K8S_STAGING_VERSION" '
      /^replace \(/ { inrep = 1; next }
      inrep && /^\)/ { inrep = 0; next }
      inrep && $3 ~ /^\.\/staging\// { print "\t" $1 " => " $1 " " sv; next }
      inrep && $3 !~ /^\./ { print; next }
    ' "$kmod"
    echo ")"
  } >"$dir/go.mod"
  # Drop staging modules that are neither required nor published (e.g. sample-cli-plugin).
  local m
  for m in $(awk '/=>/ && $1 ~ /^k8s\.io\// { print $1 }' "$dir/go.mod"); do
    if ! grep -qE "^\s$m v" "$dir/go.mod" && ! "$GO" list -m -versions "$m" 2>/dev/null | grep -qw "$K8S_STAGING_VERSION"; then
      sed -i "\#^\s$m => #d" "$dir/go.mod"
    fi
  done
  echo 'package k8sbuild' >"$dir/doc.go"
  # Resolve and download every dependency of both commands now (fills go.sum), so builds need no network.
  (cd "$dir" && GOFLAGS=-mod=mod retry "download k8s dependencies" \
    "$GO" list -deps $(printf "k8s.io/kubernetes/cmd/%s " "${K8S_COMMANDS[@]}") >/dev/null)
  touch "$dir/.ready"
  echo "$dir"
}

k8s_version_ldflags() {
  local major=${K8S_VERSION#v}; major=${major%%.*}
  local minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
  local pkg flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}

build_k8s() {
  local name
  local need=()
  for name in "${K8S_COMMANDS[@]}"; do fresh "$name" "$K8S_VERSION" || need+=("$name"); done
  if [ ${#need[@]} -eq 0 ]; then step "go: ${K8S_COMMANDS[*]} $K8S_VERSION cached"; return; fi
  step "go: preparing k8s.io/kubernetes $K8S_VERSION wrapper module"
  local dir; dir=$(k8s_wrapper)
  # One `go build` for both commands: shared packages compile once and the two link steps overlap.
  local pkgs=() out=$BIN/.k8s-build
  for name in "${need[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$name"); done
  step "go: building ${need[*]} $K8S_VERSION (slow: 30-45 min cold on 2 cores)"
  rm -rf "$out" && mkdir -p "$out"
  (cd "$dir" && GOFLAGS=-mod=mod nice -n 10 "$GO" build -p "$JOBS" -trimpath \
    -ldflags "-s -w $(k8s_version_ldflags)" -o "$out/" "${pkgs[@]}")
  for name in "${need[@]}"; do
    mv -f "$out/$name" "$BIN/$name"
    stamp "$name" "$K8S_VERSION"
  done
  rm -rf "$out"
  step "go: built ${need[*]}"
}

build_module_main() { # build_module_main <name> <module@version> <pkg> <version> [ldflags]
  local name=$1 modver=$2 pkg=$3 version=$4 ldflags=${5:-}
  if fresh "$name" "$version"; then step "go: $name $version cached"; return; fi
  step "go: building $name $version"
  local dir=$CACHE/src/$name-$version
  mkdir -p "$dir"
  if [ ! -f "$dir/go.mod" ]; then
    if ! (cd "$dir" && "$GO" mod init "metallbts.local/$name" 2>/dev/null && echo "package build" >doc.go \
      && retry "go get $modver" "$GO" get "$modver" 2>"$dir/get.log"); then
      tail -20 "$dir/get.log" >&2
      rm -f "$dir/go.mod"
      exit 1
    fi
  fi
  GOFLAGS=-mod=mod gobuild "$dir" "$BIN/$name" "$pkg" "$ldflags"
  stamp "$name" "$version"
  step "go: built $name"
}

# prometheus-operator's CRDs (ServiceMonitor, PodMonitor, PrometheusRule) ship in its Go module: no registry needed.
fetch_prometheus_operator_crds() {
  local out=$CACHE/crds/prometheus-operator-$PROM_OPERATOR_VERSION
  if [ -f "$out/.ready" ]; then step "go: prometheus-operator $PROM_OPERATOR_VERSION CRDs cached"; return; fi
  local dir
  dir=$(cd "$CACHE" && GOFLAGS=-mod=mod retry "download prometheus-operator" "$GO" mod download -json \
    "github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
  [ -d "$dir/example/prometheus-operator-crd" ] || { echo "install.sh: no CRDs in prometheus-operator $PROM_OPERATOR_VERSION" >&2; exit 1; }
  mkdir -p "$out"
  local k
  for k in servicemonitors podmonitors prometheusrules; do
    cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$k.yaml" "$out/"
  done
  touch "$out/.ready"
  step "go: prometheus-operator $PROM_OPERATOR_VERSION CRDs in $out"
}

install_go() {
  mkdir -p "$BIN"
  [ -x "$GO" ] || { echo "install.sh: go not found (set GO=/path/to/go)" >&2; exit 1; }
  export GOTOOLCHAIN=local
  build_module_main etcd "go.etcd.io/etcd/server/v3@$ETCD_VERSION" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
  build_module_main helm "helm.sh/helm/v3@$HELM_VERSION" helm.sh/helm/v3/cmd/helm "$HELM_VERSION" \
    "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  build_k8s
  fetch_prometheus_operator_crds
  step "go: memberlist interop nodes (hashicorp/memberlist, pinned; test/interop/memberlist-go/build.sh)"
  bash "$(dirname "$0")/../interop/memberlist-go/build.sh"
  bash "$(dirname "$0")/../interop/metallb/build.sh" # real MetalLB speakers v0.16.1, v0.16.2 for the mixed-cluster tests
  # One human- and script-readable summary of what the cache holds.
  printf 'kubernetes=%s\netcd=%s\nhelm=%s\ngo=%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$HELM_VERSION" \
    "$("$GO" env GOVERSION)" >"$BIN/VERSIONS"
}

# One install at a time per cache (two test runs may call this concurrently).
mkdir -p "$CACHE"
exec 9>"$CACHE/.install.lock"
flock 9

want_apt=1 want_go=1
if [ $# -gt 0 ]; then
  want_apt=0 want_go=0
  for a in "$@"; do
    case $a in
      apt) want_apt=1 ;;
      go) want_go=1 ;;
      *) echo "usage: install.sh [apt] [go]" >&2; exit 2 ;;
    esac
  done
fi
if [ $want_apt -eq 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then install_apt; else step "apt: skipped (not root)"; fi
fi
[ $want_go -eq 1 ] && install_go
step "done; binaries in $BIN"
