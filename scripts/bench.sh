#!/usr/bin/env bash
# The in-memory benchmarks of the README. Writes 1,000,000 generated purchases to a file, then
# runs `zmart --input FILE --bench` in release mode on one stream thread and on two, and the
# runtime-only benchmark (no JSON). Prints one line per run.
source "$(dirname "$0")/env.sh"
records="${1:-1000000}"
swift build -c release --product zmart
swift build -c release --product streams-bench
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
.build/release/zmart --generate-input "$dir/input.tsv" --records "$records" --seed 42 --quiet
.build/release/zmart --input "$dir/input.tsv" --bench --threads 1 | tail -n 1
.build/release/zmart --input "$dir/input.tsv" --bench --threads 2 | tail -n 1
# The runtime alone leaves the allocator at its defaults except for these two settings, which
# zmart sets itself (see tuneAllocator in Sources/zmart).
MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456 .build/release/streams-bench "$records"
