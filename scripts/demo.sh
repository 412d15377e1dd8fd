#!/usr/bin/env bash
# Builds zmart in release mode and runs the ZMart demo; extra arguments go to zmart
# (e.g. `bash scripts/demo.sh --records 1000000 --partitions 8`).
source "$(dirname "$0")/env.sh"
swift build -c release --product zmart
exec .build/release/zmart "$@"
