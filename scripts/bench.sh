#!/usr/bin/env bash
# The benchmarks of the README. Writes 1,000,000 generated purchases to a file, then runs
# `zmart --input FILE --bench` in release mode: in memory on one stream thread and on two, the
# runtime-only benchmark (no JSON), stateful ZMart and a store's memory as its keys grow, and
# on the embedded Kafka cluster (the application and a bare librdkafka pass-through on the
# same broker, then stateful ZMart), and the cost of exactly-once. Prints one line per run.
source "$(dirname "$0")/env.sh"
records="${1:-1000000}"
swift build -c release --product zmart
swift build -c release --product streams-bench
swift build -c release --product state-bench
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
.build/release/zmart --generate-input "$dir/input.tsv" --records "$records" --seed 42 --quiet
.build/release/zmart --in-memory --input "$dir/input.tsv" --bench --threads 1 | tail -n 1
.build/release/zmart --in-memory --input "$dir/input.tsv" --bench --threads 2 | tail -n 1
# Stateful ZMart (reward totals, top sellers per zip code and hour, fraud alerts) in memory,
# with in-memory and with RocksDB stores, each followed by a fresh instance's restoration.
.build/release/zmart --in-memory --input "$dir/input.tsv" --stateful --bench --threads 1 | tail -n 1
.build/release/zmart --in-memory --input "$dir/input.tsv" --stateful --bench --threads 1 --state-dir "$dir/state" | tail -n 1
# A store's memory as its keys grow (no changelog: it lives in Kafka, outside the process).
for keys in 100000 1000000 3000000; do
    .build/release/state-bench memory "$keys"
    .build/release/state-bench rocksdb "$keys" "$dir"
done
# The runtime alone leaves the allocator at its defaults except for these two settings, which
# zmart sets itself (see tuneAllocator in Sources/zmart).
MALLOC_TRIM_THRESHOLD_=268435456 MALLOC_MMAP_THRESHOLD_=268435456 .build/release/streams-bench "$records"
# On Kafka (the embedded 3-broker cluster in the same process): the bare pass-through, the
# same pass-through as a topology on KafkaStreams (bytes, no JSON), then ZMart.
.build/release/zmart --input "$dir/input.tsv" --bench --threads "${KAFKA_THREADS:-2}" | tail -n 3
# Stateful ZMart on the embedded cluster, then a fresh instance restoring every store.
.build/release/zmart --input "$dir/input.tsv" --stateful --bench --threads "${KAFKA_THREADS:-2}" | tail -n 1

# The cost of exactly-once (scripts/bench-exactly-once.sh, on the same input).
bash scripts/bench-exactly-once.sh "$dir/input.tsv"
