# Sourced by the harness scripts: `step MSG` prints MSG with the seconds since the last step and since the start.
# shellcheck shell=bash
STEP_SCRIPT=$(basename "$0")
t0=$(date +%s)
step_start=$t0
step() {
  local now; now=$(date +%s)
  echo "==> $STEP_SCRIPT [+$((now - step_start))s, total $((now - t0))s] $*"
  step_start=$now
}
