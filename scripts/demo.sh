#!/usr/bin/env bash
# The quick start: start the embedded simulator, plan and apply the
# quickstart playbook against it, plan again to show convergence, stop.
set -euo pipefail
bin=${1:-bin/vplay}
playbook=${PLAYBOOK:-playbooks/quickstart.yaml}
work=$(mktemp -d "${TMPDIR:-/tmp}/vplay-demo.XXXXXX")
sim_pid=
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> starting the simulator (vplay sim)"
"$bin" sim --env-file "$work/sim.env" --session-duration 1s >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/sim.env" ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then cat "$work/sim.log"; echo "simulator exited" >&2; exit 1; fi
  sleep 0.1
done
[ -s "$work/sim.env" ] || { cat "$work/sim.log"; echo "simulator did not become ready" >&2; exit 1; }
cat "$work/sim.log"
set -a; . "$work/sim.env"; set +a
export XDG_STATE_HOME="$work/state"

echo; echo "==> vplay plan $playbook"
"$bin" plan --no-tui "$playbook"
echo; echo "==> vplay apply --auto-approve $playbook"
"$bin" apply --no-tui --auto-approve "$playbook"
echo; echo "==> vplay plan --detailed-exitcode $playbook (converged: expect no changes)"
"$bin" plan --no-tui --detailed-exitcode "$playbook"
echo; echo "demo complete: the second plan shows no changes"
