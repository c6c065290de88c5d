#!/usr/bin/env bash
# Extracts REV's gateway/src beside this tree for `npm run bench -- --baseline REV`, and prints the
# directory. The harness (gateway/src/testing/gateway-child.ts and what it reports) comes from this tree,
# so both gateways answer the bench the same way; everything it measures is REV's own code, common/
# included. The copy's node_modules links each npm package to this tree's, and @autolabs/common, gateway
# and server to the copy's own (run through tsx as compiled, where the build takes them from the copy).
set -euo pipefail
rev=$(git rev-parse --short "${1:?usage: baseline-gateway.sh REV}^{commit}")
root=$(git rev-parse --show-toplevel)
dir="${TMPDIR:-/tmp}/autolabs-bench-baseline-$rev"
if [ ! -d "$dir/common/src" ]; then
  rm -rf "$dir"
  mkdir -p "$dir/node_modules/@autolabs"
  git -C "$root" archive "$rev" common/src common/package.json gateway/src gateway/package.json gateway/tsconfig.json server/src server/package.json tsconfig.base.json | tar -x -C "$dir"
  echo '{ "type": "module", "private": true }' > "$dir/package.json"
  for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
    [ "$(basename "$entry")" = @autolabs ] || ln -sfn "$entry" "$dir/node_modules/$(basename "$entry")"
  done
  for ws in common gateway server; do ln -sfn "../../$ws" "$dir/node_modules/@autolabs/$ws"; done
fi
cp "$root/gateway/src/testing/gateway-child.ts" "$dir/gateway/src/testing/gateway-child.ts"
echo "$dir"
