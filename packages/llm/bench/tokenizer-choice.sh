#!/bin/sh
# Why gpt-tokenizer and not js-tiktoken: install size, load time, memory and speed, side by side.
#   sh packages/llm/bench/tokenizer-choice.sh
# Installs both into a temporary directory (not the repository), then measures each in a fresh process.
set -e
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pkg in gpt-tokenizer@4.0.0 js-tiktoken@1.0.21; do
  dir="$tmp/$(echo "$pkg" | cut -d@ -f1)"
  mkdir -p "$dir" && (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund "$pkg" >/dev/null 2>&1)
  echo "$pkg installed, with dependencies: $(du -sk "$dir/node_modules" | cut -f1) KB"
done
node "$here/tokenizer-choice.mjs" "$tmp" gpt-tokenizer
node "$here/tokenizer-choice.mjs" "$tmp" js-tiktoken
