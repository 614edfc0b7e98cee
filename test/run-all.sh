#!/usr/bin/env bash
# The README's test command: on a fresh Debian machine with Node 20 (as root, or with sudo for apt), installs
# what it needs, builds, checks, and runs every test: unit (plain Node), webview (real Chromium), integration
# (inside a real VS Code extension host) and end to end (the real UI). Every stage runs even when an earlier
# one failed; the closing line is `tests: N passed, N failed` and the exit code is non-zero if anything failed.
#   bash test/run-all.sh            (npm test)
# Environment: PROMPT_LAB_VSCODE_CACHE (the offline VS Code rig; default ~/.cache/prompt-lab-vscode),
# CI=true (always reinstall npm packages with npm ci).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export PROMPT_LAB_VSCODE_CACHE="${PROMPT_LAB_VSCODE_CACHE:-$HOME/.cache/prompt-lab-vscode}"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
LOGS="$ROOT/.test-artifacts/run-all"
rm -rf "$LOGS" && mkdir -p "$LOGS"

PASSED=0
FAILED=0
SUMMARY=()

# stage NAME COMMAND...: run, keep its output in $LOGS/NAME.log (and show it), count its tests.
stage() {
  local name="$1"; shift
  local log="$LOGS/$name.log" start end status p f
  start=$(date +%s)
  printf '\n=== %s: %s\n' "$name" "$*"
  # A stage that hangs is stopped after STAGE_TIMEOUT seconds (a bounded CI run beats a hung one).
  timeout --kill-after=30 "${STAGE_TIMEOUT:-1200}" "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  end=$(date +%s)
  # Test counts: node --test's spec reporter ("ℹ pass N"), and our runners' "<word>: N passed, N failed".
  p=$(grep -aE '^ℹ pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  f=$(grep -aE '^ℹ fail [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  while read -r line; do
    p=$((p + $(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")))
    f=$((f + $(sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")))
  done < <(grep -aE '^(integration|e2e): [0-9]+ passed, [0-9]+ failed' "$log")
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # a stage that failed without a count is one failure
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  SUMMARY+=("$(printf '%-20s %-5s %4ss  %s passed, %s failed' "$name" "$([ "$status" -eq 0 ] && echo ok || echo FAIL)" "$((end - start))" "$p" "$f")")
}

if [ -n "${CI:-}" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  stage install npm ci --loglevel=error
fi
stage rig bash test/rig/setup.sh "$PROMPT_LAB_VSCODE_CACHE"
stage build npm run --silent build
stage typecheck npm run --silent typecheck
stage lint npm run --silent lint
stage contributions npm run --silent check:contributions
stage build-tests npm run --silent build:tests
stage unit node --test --test-reporter=spec --test-timeout=300000 out/test/unit/ out/test/webview/
stage integration node test/rig/runExtensionTests.mjs --extension . --tests out/test/integration/index.js --timeout 600
stage integration-restricted node test/rig/runExtensionTests.mjs --extension . --tests out/test/integration/index.js --timeout 600 \
  --trust false --env "MOCHA_GREP=Restricted mode"
for e2e in test/e2e/*.e2e.mjs; do
  stage "e2e-$(basename "$e2e" .e2e.mjs)" node "$e2e"
done
# The playground, whose e2e script is written for the desktop, again with the web build alone (web.e2e.mjs covers
# the rest of the web: diagnostics, Run, Stop, ratings, the log, the Runs view, Evaluate Prompt).
stage e2e-playground-web env PROMPT_LAB_E2E_WEB_ONLY=1 node test/e2e/playground.e2e.mjs

printf '\n=== summary (logs in %s)\n' "${LOGS#"$ROOT"/}"
printf '%s\n' "${SUMMARY[@]}"
echo "tests: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
