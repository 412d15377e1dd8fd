#!/usr/bin/env bash
# The cost of exactly-once: the same ZMart run under at-least-once and exactly-once, turn
# about, three times each (each run is its own process with its own embedded cluster), at each
# guarantee's default commit interval (30 s at-least-once, 100 ms exactly-once); the medians
# and their ratio, for ZMart on the given input (or 1,000,000 generated purchases). The
# embedded (mock) cluster answers the transaction protocol without enforcing it, so this
# measures what exactly-once costs the client: the transactional producer, read_committed
# fetches, a transaction commit every 100 ms. (Stateful exactly-once needs a cluster that
# stores transactional offsets, which the mock does not.)
source "$(dirname "$0")/env.sh"
swift build -c release --product zmart
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
input="${1:-}"
if [ -z "$input" ]; then
    input="$dir/input.tsv"
    .build/release/zmart --generate-input "$input" --records 1000000 --seed 42 --quiet
fi
guarantee_cost() {  # a label, then the zmart arguments
    local label="$1"; shift
    local -A rates=()
    for round in 1 2 3; do
        for guarantee in at-least-once exactly-once; do
            local line
            line="$(.build/release/zmart "$@" --guarantee "$guarantee" --quiet | tail -n 1)"
            echo "engine=swift-kafka$label guarantee=$guarantee $line"
            rates[$guarantee]+="$(grep -o ' rps=[0-9]*' <<<"$line" | cut -d= -f2) "
        done
    done
    local alo eos
    alo="$(tr ' ' '\n' <<<"${rates[at-least-once]}" | grep . | sort -n | sed -n 2p)"
    eos="$(tr ' ' '\n' <<<"${rates[exactly-once]}" | grep . | sort -n | sed -n 2p)"
    awk -v label="$label" -v alo="$alo" -v eos="$eos" 'BEGIN {
        printf "exactly-once%s at_least_once_rps=%d exactly_once_rps=%d of_at_least_once=%.2f slower=%.0f%%\n",
            label, alo, eos, eos / alo, (alo / eos - 1) * 100 }'
}
guarantee_cost "" --input "$input" --threads "${KAFKA_THREADS:-2}"
