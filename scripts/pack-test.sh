#!/usr/bin/env bash
# Packaging test (issue 23): packs bucketbridge as npm publishes it, installs the tarball into a
# fresh app per kind of user with only that user's optional peers, and runs each public entry
# point from there, so a file missing from `files`, a broken `exports` map or a peer that an entry
# point needs but does not declare fails CI. Prints each app's node_modules size.
# Offline-friendly: peers are pinned to the versions in this repository's node_modules (npm's
# cache holds them after `npm ci`); install scripts stay off.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -rf build/lib build/imports
npm run --silent build
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"

pinned() {
  for name in "$@"; do
    printf '%s@%s ' "$name" "$(node -p "require('$repo/node_modules/$name/package.json').version")"
  done
}

# app <kind> <peers...>: a fresh app with the tarball and these peers, running scripts/pack-test/<kind>-app.js
app() {
  local kind=$1
  shift
  local dir="$work/$kind"
  mkdir -p "$dir"
  printf '{ "name": "%s-app", "version": "0.0.0", "private": true }\n' "$kind" >"$dir/package.json"
  # shellcheck disable=SC2046
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error "$tarball" $(pinned "$@") >/dev/null)
  printf 'pack-test: %s user node_modules: %s MB\n' "$kind" "$(du -sm "$dir/node_modules" | cut -f1)"
  cp "scripts/pack-test/$kind-app.js" "$dir/"
  (cd "$dir" && node "$kind-app.js" "$dir/dist")
}

app engine @aws-sdk/client-s3 @aws-sdk/credential-providers @smithy/node-http-handler
app pulumi @pulumi/pulumi @pulumi/aws
app k8s cdk8s cdk8s-plus-28 constructs

# The command without its peers says which to install, in one line.
if out=$(cd "$work/k8s" && node_modules/.bin/bucketbridge --help 2>&1); then
  echo "pack-test: bucketbridge ran without @aws-sdk/client-s3" >&2
  exit 1
fi
expected='bucketbridge: bucketbridge/engine needs the optional peer dependencies @aws-sdk/client-s3, @aws-sdk/credential-providers, @smithy/node-http-handler: npm install @aws-sdk/client-s3 @aws-sdk/credential-providers @smithy/node-http-handler'
[ "$out" = "$expected" ] || { printf 'pack-test: unexpected message from bucketbridge without its peers:\n%s\n' "$out" >&2; exit 1; }
echo 'pack-test: every entry point works from the packed tarball'
