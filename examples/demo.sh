#!/usr/bin/env bash
# The main job on the embedded simulator: plan, apply, plan again.
# Runs from a fresh clone with no Workfront account: every environment in
# examples/promotions/wfpromote.yaml has `url: simulator`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wf="$root/.venv/bin/wfpromote"
cd "$root/examples/promotions"
export WFPROMOTE_ALLOW_SIMULATOR=1   # the demo is meant to run on the simulator, in CI too

# Bold headings on a terminal only: piped or redirected output (and NO_COLOR) stays plain.
step() {
  if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then printf '\n\033[1m==> %s\033[0m\n' "$*" >&2
  else printf '\n==> %s\n' "$*" >&2; fi
}

step "wfpromote simulator reset   (start from an empty simulated Workfront)"
"$wf" simulator reset

step "wfpromote validate"
"$wf" validate

step "wfpromote plan"
"$wf" plan

step "wfpromote apply --auto-approve"
"$wf" apply --auto-approve

step "wfpromote plan --detailed-exitcode   (expect: No changes.)"
"$wf" plan --detailed-exitcode
step "demo finished: the second plan is empty"
