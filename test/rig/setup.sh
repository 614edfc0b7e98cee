#!/usr/bin/env bash
# Prompt Lab test rig: installs a real VS Code that runs offline, for the
# integration suites (extension host) and the end-to-end tests (UI):
#   - Debian packages: chromium, ripgrep, libkrb5-dev (+ make, g++, python3)
#   - code-server (VS Code served to a browser) from the npm registry, with its
#     VS Code dependencies installed WITHOUT the GitHub download that
#     @vscode/ripgrep's postinstall normally does (Debian's rg is used instead)
#   - playwright-core (driver only; the browser is Debian's /usr/bin/chromium)
#
# Usage:  bash test/rig/setup.sh [CACHE_DIR]
#         (default: $PROMPT_LAB_VSCODE_CACHE or $HOME/.cache/prompt-lab-vscode)
# Idempotent: a second run with the same CACHE_DIR only re-checks and exits.
# After success, CACHE_DIR/env.sh exports PROMPT_LAB_VSCODE_CACHE etc.
# Needs: Node.js 20 (code-server 4.100.x refuses other majors), root or sudo
# for apt, the npm registry and Debian's apt repositories.
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
PLAYWRIGHT_CORE_VERSION="${PLAYWRIGHT_CORE_VERSION:-1.65.1}"

log() { printf '[rig setup] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

CACHE_ARG="${1:-${PROMPT_LAB_VSCODE_CACHE:-$HOME/.cache/prompt-lab-vscode}}"
mkdir -p "$CACHE_ARG"
CACHE="$(cd "$CACHE_ARG" && pwd)"
NODE_DIR="$CACHE/node"
STAMP="$CACHE/.installed-code-server-${CODE_SERVER_VERSION}-pw-${PLAYWRIGHT_CORE_VERSION}"
START=$(date +%s)
# one setup at a time per cache folder
if command -v flock >/dev/null; then exec 9>"$CACHE/.lock"; flock 9; fi

# ---------------------------------------------------------------- node check
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$NODE_MAJOR" != "${FORCE_NODE_VERSION:-20}" ]; then
  die "code-server $CODE_SERVER_VERSION needs Node 20 (found $(node -v)); set FORCE_NODE_VERSION=$NODE_MAJOR to try anyway"
fi

# ---------------------------------------------------------------- apt packages
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
need_pkgs=()
for p in chromium ripgrep libkrb5-dev make g++; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    need_pkgs+=("$p")
  fi
done
command -v python3 >/dev/null || need_pkgs+=(python3)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "apt-get install ${need_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
RG="$(command -v rg)" || die "rg (ripgrep) missing after apt install"
CHROMIUM="$(command -v chromium)" || die "chromium missing after apt install"

# node-gyp must build against the local Node headers (no download of headers).
if [ -z "${npm_config_nodedir:-}" ] && [ -z "$(npm config get nodedir 2>/dev/null | grep -v '^undefined$' || true)" ]; then
  if [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
fi
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# ---------------------------------------------------------------- npm install
CS="$NODE_DIR/node_modules/code-server"
VS="$CS/lib/vscode"
if [ -f "$STAMP" ] && [ -f "$CS/out/node/entry.js" ] && [ -x "$VS/node_modules/@vscode/ripgrep/bin/rg" ] \
   && [ -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
  log "already installed in $CACHE ($(basename "$STAMP"))"
else
  log "installing code-server@$CODE_SERVER_VERSION and playwright-core@$PLAYWRIGHT_CORE_VERSION into $NODE_DIR"
  rm -rf "$NODE_DIR" "$CACHE"/.installed-*
  mkdir -p "$NODE_DIR"
  printf '{ "name": "prompt-lab-vscode-rig", "private": true }\n' > "$NODE_DIR/package.json"

  # 1. The packages, scripts off (code-server's postinstall would run the
  #    ripgrep download from GitHub, which is unreachable).
  (cd "$NODE_DIR" && npm install --ignore-scripts --no-save --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION")
  # 2. code-server's own native dependency (password hashing; loaded at start).
  (cd "$NODE_DIR" && npm rebuild --loglevel=error argon2)

  # 3. What code-server's postinstall.sh does for lib/vscode, minus the download:
  #    install from its npm-shrinkwrap.json with scripts off, put Debian's rg
  #    where @vscode/ripgrep expects it (its postinstall exits early when bin/
  #    exists), then run the install scripts = build the native modules.
  (cd "$VS" && npm install --omit=dev --ignore-scripts --loglevel=error)
  mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
  cp "$RG" "$VS/node_modules/@vscode/ripgrep/bin/rg"
  chmod 755 "$VS/node_modules/@vscode/ripgrep/bin/rg"
  # node-pty's postinstall runs `npx node-gyp configure ...`; give npx a local
  # node-gyp (npm's bundled one) so it neither prompts nor downloads.
  NPM_ROOT="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  mkdir -p "$VS/node_modules/.bin"
  if [ -f "$NPM_ROOT/node_modules/node-gyp/bin/node-gyp.js" ]; then
    printf '#!/bin/sh\nexec node "%s" "$@"\n' "$NPM_ROOT/node_modules/node-gyp/bin/node-gyp.js" > "$VS/node_modules/.bin/node-gyp"
  else
    printf '#!/bin/sh\nexit 0\n' > "$VS/node_modules/.bin/node-gyp"
  fi
  chmod 755 "$VS/node_modules/.bin/node-gyp"
  (cd "$VS" && npm rebuild --loglevel=error)
  # rest of postinstall.sh: asar alias + linux bin script links
  ln -sfn node_modules "$VS/node_modules.asar"
  (cd "$VS/bin/remote-cli" && ln -sfn code-linux.sh code-server)
  (cd "$VS/bin/helpers" && ln -sfn browser-linux.sh browser.sh)
  # built-in extensions' shared deps (only typescript)
  (cd "$VS/extensions" && npm install --omit=dev --loglevel=error >/dev/null)

  # 4. Smoke checks: native modules load, the server answers --version.
  (cd "$VS" && node -e '
    for (const m of ["node-pty", "@vscode/spdlog", "kerberos", "@parcel/watcher", "native-watchdog", "@vscode/deviceid"]) {
      try { require(m); } catch (e) { console.error("native module " + m + " failed: " + e.message); process.exit(1); }
    }')
  "$VS/node_modules/@vscode/ripgrep/bin/rg" --version >/dev/null
  SMOKE="$(mktemp -d)"
  XDG_CONFIG_HOME="$SMOKE" XDG_DATA_HOME="$SMOKE" node "$CS/out/node/entry.js" --version >/dev/null
  rm -rf "$SMOKE"
  touch "$STAMP"
fi

cat > "$CACHE/env.sh" <<ENV
# generated by test/rig/setup.sh
export PROMPT_LAB_VSCODE_CACHE="$CACHE"
export PROMPT_LAB_VSCODE_NODE_MODULES="$NODE_DIR/node_modules"
export PROMPT_LAB_VSCODE_CODE_SERVER="$CS/out/node/entry.js"
export PROMPT_LAB_VSCODE_CHROMIUM="$CHROMIUM"
ENV
log "ready: code-server $(node -p "require('$CS/package.json').version"), playwright-core $PLAYWRIGHT_CORE_VERSION, $("$CHROMIUM" --version 2>/dev/null | head -1) ($(( $(date +%s) - START ))s)"
