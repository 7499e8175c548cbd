#!/usr/bin/env bash
# Everything a fresh machine needs before the demo or the tests, and nothing twice: each step checks first.
# Needs Node.js with npm (the Makefile puts the Node.js 24 of .node-version first on PATH, see scripts/node.sh), Go, Python 3 with pip, openssl and prometheus (installed with apt-get when root).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[bootstrap] %s\n' "$*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ -n "${2:-}" ]; then
    say "installing $2 (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
    return 0
  fi
  say "missing '$1': install it${2:+ (Debian package $2)} and run again"
  exit 1
}
need node nodejs
need npm npm
need go
need openssl openssl
# Prometheus serves the prometheus-signal tests (a real server, Debian package).
need prometheus prometheus
# actionlint checks the workflows' run: scripts with it (make lint); without it that part would be skipped silently.
need shellcheck shellcheck
PYTHON="${SWITCHYARD_PYTHON:-python3}"
need "$PYTHON" python3

node -e 'const [a]=process.versions.node.split(".").map(Number); if (a<22) { console.error("[bootstrap] Node.js >= 22 is required (24 recommended), found "+process.version+": run through make, which installs it"); process.exit(1) }'

# npm dependencies, exactly as locked; again only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

# The AWS API emulator, at the version the plugin is written for.
want_moto=$(sed -n 's/^moto\[server\]==//p' test/env/moto/requirements.txt)
if ! "$PYTHON" -c "import moto, flask, sys; sys.exit(moto.__version__ != '$want_moto')" 2>/dev/null; then
  say "pip install moto[server]==$want_moto"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check -r test/env/moto/requirements.txt
fi

# kube-apiserver, kubectl and etcd, built from the Go module proxy once and cached by version.
npx tsx test/env/cli.ts ensure
