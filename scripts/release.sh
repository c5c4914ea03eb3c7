#!/usr/bin/env bash
# Cuts a release: every package moves to one version together (see CONTRIBUTING.md, "Releasing").
# Usage: scripts/release.sh 0.2.0            bump, date the changelog, relock, check, commit and tag
#        scripts/release.sh 0.2.0 --publish  the same, then publish every public package to npm
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/release.sh <version> [--publish]}
[[ -z "$(git status --porcelain)" ]] || { echo "release: commit or stash your changes first" >&2; exit 1; }
grep -q '^## Unreleased' CHANGELOG.md || { echo "release: CHANGELOG.md has no '## Unreleased' section to release" >&2; exit 1; }

node scripts/version.mjs "$version"
sed -i "s/^## Unreleased$/## Unreleased\n\n## $version ($(date -u +%Y-%m-%d))/" CHANGELOG.md
scripts/lock.sh                # the workspace versions are in the lockfile; this also runs npm ci in a fresh copy
bash .ci/run                   # everything CI checks, the pack-and-consume test included
git add -A
git commit -qm "Release $version"
git tag -a "v$version" -m "Release $version"
echo "release: tagged v$version. Push with: git push --follow-tags"

if [[ "${2:-}" == "--publish" ]]; then
  # Workspace order puts each package after the ones it depends on; prepack strips the
  # workspace-only export condition from each tarball.
  npm publish --workspaces --access public
fi
