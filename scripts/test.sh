#!/usr/bin/env bash
# Builds and runs the whole test suite (Swift Testing).
source "$(dirname "$0")/env.sh"
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
