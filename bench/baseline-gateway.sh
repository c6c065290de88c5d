#!/usr/bin/env bash
# Extracts REV's gateway/src beside this tree for `npm run bench -- --baseline REV`, and prints the
# directory. The harness (gateway/src/testing/gateway-child.ts and what it reports) comes from this tree,
# so both gateways answer the bench the same way; everything it measures is REV's own code. The copy
# finds its dependencies (and, run through tsx, @autolabs/server) through a node_modules link to this
# tree's. REV's server/src comes along for `--compiled`, whose build takes both workspaces from the copy.
set -euo pipefail
rev=$(git rev-parse --short "${1:?usage: baseline-gateway.sh REV}^{commit}")
root=$(git rev-parse --show-toplevel)
dir="${TMPDIR:-/tmp}/autolabs-bench-baseline-$rev"
if [ ! -d "$dir/server/src" ]; then
  mkdir -p "$dir"
  git -C "$root" archive "$rev" gateway/src gateway/package.json gateway/tsconfig.json server/src server/package.json tsconfig.base.json | tar -x -C "$dir"
  echo '{ "type": "module", "private": true }' > "$dir/package.json"
  ln -sfn "$root/node_modules" "$dir/node_modules"
fi
cp "$root/gateway/src/testing/gateway-child.ts" "$dir/gateway/src/testing/gateway-child.ts"
echo "$dir"
