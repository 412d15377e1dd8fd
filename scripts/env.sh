# Shared set-up for the project's scripts: finds Swift and installs what the build needs.
# Sourced, not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "error: Swift 6 is needed (swift not on PATH and not at /opt/swift)" >&2
    exit 1
fi
# The Kafka runtime links Debian's librdkafka (found through pkg-config `rdkafka`).
if ! pkg-config --exists rdkafka 2>/dev/null; then
    echo "installing librdkafka-dev (the Kafka runtime's client library)..." >&2
    if ! apt-get install -y librdkafka-dev >/dev/null 2>&1; then
        apt-get update >/dev/null && apt-get install -y librdkafka-dev >/dev/null
    fi
fi
# The persistent state stores use Debian's RocksDB (found through pkg-config `rocksdb`).
if ! pkg-config --exists rocksdb 2>/dev/null; then
    echo "installing librocksdb-dev (the persistent state stores' storage engine)..." >&2
    if ! apt-get install -y librocksdb-dev >/dev/null 2>&1; then
        apt-get update >/dev/null && apt-get install -y librocksdb-dev >/dev/null
    fi
fi
