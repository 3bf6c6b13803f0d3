#!/usr/bin/env bash
# `buf breaking` against the last committed API: HEAD when protos/ has uncommitted
# changes, else the commit before HEAD (what CI sees on a clean clone). Set
# BUF_BREAKING_AGAINST to compare with something else, such as a release tag.
set -euo pipefail
cd "$(dirname "$0")/.."

against="${BUF_BREAKING_AGAINST:-}"
if [[ -z "$against" ]]; then
  if [[ -n "$(git status --porcelain -- protos)" ]]; then
    ref=HEAD
  else
    ref=HEAD~1
  fi
  if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null \
     || [[ -z "$(git ls-tree -r --name-only "$ref" -- protos)" ]]; then
    echo "buf breaking: no earlier committed API to compare with; skipped"
    exit 0
  fi
  against=".git#ref=$ref,subdir=protos"
fi
tools/node_modules/.bin/buf breaking protos --against "$against"
echo "buf breaking: no breaking change against $against"
