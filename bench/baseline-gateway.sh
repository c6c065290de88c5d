#!/usr/bin/env bash
# Extracts REV's gateway/src beside this tree for `npm run bench -- --baseline REV`, and prints the
# directory. The harness (gateway/src/testing/gateway-child.ts and what it reports) comes from this tree,
# so both gateways answer the bench the same way; everything it measures is REV's own code. The copy
# finds its dependencies (and @autolabs/server) through a node_modules link to this tree's.
set -euo pipefail
rev=$(git rev-parse --short "${1:?usage: baseline-gateway.sh REV}^{commit}")
root=$(git rev-parse --show-toplevel)
dir="${TMPDIR:-/tmp}/autolabs-bench-baseline-$rev"
if [ ! -d "$dir/gateway/src" ]; then
  mkdir -p "$dir"
  git -C "$root" archive "$rev" gateway/src gateway/package.json gateway/tsconfig.json tsconfig.base.json | tar -x -C "$dir"
  echo '{ "type": "module", "private": true }' > "$dir/package.json"
  ln -sfn "$root/node_modules" "$dir/node_modules"
fi
cp "$root/gateway/src/testing/gateway-child.ts" "$dir/gateway/src/testing/gateway-child.ts"
echo "$dir"
