#!/usr/bin/env bash
# Set-up and main job in one command, on a fresh clone: installs what is missing (npm packages; the offline
# VS Code rig with Debian's Chromium), builds, then starts VS Code with Prompt Lab on examples/ and the local
# replay endpoint (see scripts/start.mjs for the options).
set -euo pipefail
cd "$(dirname "$0")/.."
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --loglevel=error
fi
bash test/rig/setup.sh "${PROMPT_LAB_VSCODE_CACHE:-$HOME/.cache/prompt-lab-vscode}" >&2
npm run --silent build >/dev/null
npm run --silent build:tests
exec node scripts/start.mjs "$@"
