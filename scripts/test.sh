#!/usr/bin/env bash
# Builds and runs the whole test suite (Swift Testing).
source "$(dirname "$0")/env.sh"
# The status page's browser test drives Debian's headless chromium and reads its screenshot
# with python3's standard library; the test fails (it never skips) when they are missing.
for package in chromium python3; do
    if ! command -v "$package" >/dev/null 2>&1; then
        echo "installing $package (the status page's browser test)..." >&2
        if ! apt-get install -y "$package" >/dev/null 2>&1; then
            apt-get update >/dev/null && apt-get install -y "$package" >/dev/null
        fi
    fi
done
swift build --build-tests
swift test --skip-build --disable-xctest "$@"
