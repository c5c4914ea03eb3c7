#!/usr/bin/env bash
# Regenerates package-lock.json and the lockfiles of the projects kept out of the workspace install
# (bench/, packages/studio/client/, tools/) from scratch, then verifies them.
#
# Why from scratch: npm writes only this platform's optional native packages (biome, esbuild,
# rollup, oxc-parser bindings) into a lockfile it updates over an existing node_modules, and then
# `npm ci` fails elsewhere. Resolving with no node_modules and no lockfile lists every platform.
#
# Usage: scripts/lock.sh            regenerate them all, check every platform's packages, then `npm ci` in a
#                                   fresh copy of this tree, which must stay clean (about 5 minutes)
#        scripts/lock.sh --check    only check that the lockfiles list every platform's packages (seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# The workspace, then each project with its own lockfile (not a workspace: see CONTRIBUTING.md).
projects=(. bench packages/studio/client tools)
locks=("${projects[@]/%//package-lock.json}")
locks=("${locks[@]#./}")

if [[ "${1:-}" != "--check" ]]; then
  for dir in "${projects[@]}"; do
    echo "lock: resolving $dir from scratch"
    rm -f "$dir/package-lock.json"
    # A temporary copy with no node_modules anywhere, so npm cannot prune other platforms' packages.
    scratch=$(mktemp -d)
    git ls-files -co --exclude-standard -z | grep -zvxF "${locks[@]/#/-e}" | tar -c --null -T - | tar -x -C "$scratch"
    (cd "$scratch/$dir" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error)
    cp "$scratch/$dir/package-lock.json" "$dir/package-lock.json"
    rm -rf "$scratch"
  done
fi

node scripts/check-lock.mjs "${locks[@]}"
# The dependency that started this: without its binding, oxc-parser fails with "Cannot find native binding".
oxc=$(grep -c '"node_modules/@oxc-parser/binding-' package-lock.json || true)
want=$(node -p 'Object.keys(require("./package-lock.json").packages["node_modules/oxc-parser"]?.optionalDependencies ?? {}).length')
echo "lock: $oxc of oxc-parser's $want @oxc-parser/binding-* packages listed"
[[ "$want" -gt 0 && "$oxc" -ge "$want" ]] || { echo "lock: package-lock.json lacks oxc-parser bindings" >&2; exit 1; }
[[ "${1:-}" == "--check" ]] && exit 0

# `npm ci` must accept the lockfiles on a fresh copy of this tree and leave it unchanged.
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
git ls-files -co --exclude-standard -z | tar -c --null -T - | tar -x -C "$fresh"
cd "$fresh"
git init -q && git add -A && git -c user.email=lock@flowlet -c user.name=lock commit -qm fresh
echo "lock: npm ci in a fresh copy ($fresh)"
for dir in "${projects[@]}"; do (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); done
if [[ -n "$(git status --porcelain)" ]]; then
  git status --short >&2
  echo "lock: npm ci changed the fresh copy; a lockfile is out of sync with the package.json files" >&2
  exit 1
fi
echo "lock: ok (${locks[*]} in $root)"
