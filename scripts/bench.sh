#!/usr/bin/env bash
# The in-memory benchmark of the README: 1,000,000 generated purchases in a file, then
# `zmart --input FILE --bench` in release mode. Prints zmart's benchmark line.
source "$(dirname "$0")/env.sh"
records="${1:-1000000}"
swift build -c release --product zmart
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
.build/release/zmart --generate-input "$dir/input.tsv" --records "$records" --seed 42 --quiet
.build/release/zmart --input "$dir/input.tsv" --bench
