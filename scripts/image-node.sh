#!/usr/bin/env bash
# Prints the path of a `node` of the major version the runtime image runs (its Dockerfile's
# `FROM node:<major>-...`), unpacking the registry's build of it (node-linux-<arch>, a plain
# tarball) into DIR first unless DIR already has it. CI runs the engine's tests with it, and the
# benchmark runs the engine with it, as the image does.
# usage: image-node.sh DIR
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $(basename "$0") DIR" >&2; exit 2; }
dir=$1
major=$(sed -n 's/^FROM node:\([0-9][0-9]*\)-.*/\1/p' "$REPO/Dockerfile" | head -n 1)
[ -n "$major" ] || { echo "no 'FROM node:<major>-...' line in $REPO/Dockerfile" >&2; exit 1; }
node="$dir/package/bin/node"

if ! [ -x "$node" ] || [ "$("$node" -p 'process.versions.node.split(".")[0]')" != "$major" ]; then
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  mkdir -p "$dir"
  rm -rf "$dir/package" "$dir"/node-linux-*.tgz
  (cd "$dir" && npm pack --silent "node-linux-$arch@$major" >/dev/null && tar -xzf node-linux-*.tgz && rm node-linux-*.tgz)
fi
echo "$node"
