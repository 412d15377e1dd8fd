#!/usr/bin/env python3
"""A transaction-aware Kafka protocol proxy in front of Tansu: a TEST FIXTURE, not a product.

Tansu 0.6.0 implements Kafka transactions (commit, abort, fencing, offsets in transactions)
and holds read_committed consumers at the last stable offset, but its Fetch responses never
fill `aborted_transactions`, so a read_committed consumer also receives the records of ABORTED
transactions. This proxy sits between the clients and Tansu, forwards every request and
response byte for byte, and changes only two things:

1. ApiVersions responses: Fetch (api key 1) is capped at v11, the newest non-flexible version,
   which the proxy parses and rewrites (Tansu advertises Fetch v0..v17).
2. Fetch responses to read_committed requests: each partition's `aborted_transactions` is
   filled with (producer_id, first_offset) of every aborted transaction of that partition whose
   offset range overlaps the returned records, as a Kafka broker does from its aborted
   transaction index; librdkafka and the Java client then drop those records themselves.

The proxy learns the outcome of transactions by reading each partition's log itself (its own
read_uncommitted Fetch requests to Tansu, RecordBatch v2 headers only, plus the key of control
records) and from the read_committed responses that pass through it. A record whose
transaction's outcome it does not know yet is never let through: the proxy scans on (up to the
high watermark, then waits for the marker with a deadline) and, failing that, trims the
partition's records before that batch; the client fetches them again later.

START RECIPE (one process; what the Swift test fixture should use)
    "$STREAMS_TXN_PYTHON" scripts/kafka-txn-proxy.py --listen 127.0.0.1:0 --tansu "$STREAMS_TANSU"
  starts Tansu on a free loopback port that advertises the proxy's address, waits until Tansu
  accepts connections, then prints exactly one line to stdout (flushed):
    listening on 127.0.0.1:PORT
  Clients use bootstrap.servers=127.0.0.1:PORT. SIGTERM or SIGINT stops the proxy and Tansu
  (Tansu also gets SIGKILL if the proxy dies: PR_SET_PDEATHSIG). Any python3 >= 3.11 works; the
  proxy uses the standard library only. `--tansu-log FILE` keeps Tansu's own log.

START RECIPE (two processes, the same thing by hand)
  1. pick two free loopback ports P (proxy) and U (Tansu);
  2. tansu broker --listener-url tcp://127.0.0.1:U --advertised-listener-url tcp://127.0.0.1:P
     (Tansu must advertise the PROXY, so that metadata, coordinator, produce and fetch
     connections all come through the proxy);
  3. python3 scripts/kafka-txn-proxy.py --listen 127.0.0.1:P --upstream 127.0.0.1:U
     and wait for the line `listening on 127.0.0.1:P`.

Errors go to stderr, never with record contents (keys and values are never decoded, only the
control records' 4-byte key). `--debug` logs every request's api key and version.

Only one upstream broker is supported (Tansu here is one broker). Fetch requests of version 12
or newer are forwarded unchanged (clients negotiate <= 11 through the capped ApiVersions); a
read_committed one is logged as an error because its aborted transactions cannot be filled.
"""

import argparse
import bisect
import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

API_FETCH = 1
API_LIST_OFFSETS = 2
API_VERSIONS = 18
FETCH_MAX_VERSION = 11  # newest Fetch version the proxy parses (non-flexible)
FETCH_MIN_VERSION = 4  # isolation_level and aborted_transactions appear in v4

READ_COMMITTED = 1
ERROR_NONE = 0
ERROR_OFFSET_OUT_OF_RANGE = 1

ATTR_TRANSACTIONAL = 0x10
ATTR_CONTROL = 0x20
CONTROL_ABORT = 0
CONTROL_COMMIT = 1
BATCH_HEADER_SIZE = 61  # RecordBatch v2 header up to and including the record count

# How long a read_committed response may wait for the outcome of a transaction whose records it
# holds before the proxy trims those records off (the client then fetches them again).
OUTCOME_WAIT_SECONDS = 2.0
SCAN_SOCKET_TIMEOUT_SECONDS = 10.0
SCAN_PARTITION_MAX_BYTES = 8 * 1024 * 1024
SCAN_WAIT_MS = 100
MAX_FRAME_BYTES = 512 * 1024 * 1024

_i16 = struct.Struct(">h")
_i32 = struct.Struct(">i")
_i64 = struct.Struct(">q")
_abort_entry = struct.Struct(">qq")

debug_enabled = False
_log_lock = threading.Lock()


def log(message):
    """Writes one line to stderr (never record contents: callers pass only metadata)."""
    with _log_lock:
        sys.stderr.write(f"kafka-txn-proxy: {message}\n")
        sys.stderr.flush()


class ProtocolError(Exception):
    """A frame the proxy cannot parse; the message names the API and the field."""


# ---------------------------------------------------------------------------------------------
# Primitive readers (offset-based over bytes/memoryview; each returns (value, next offset))


def read_i16(buf, pos):
    return _i16.unpack_from(buf, pos)[0], pos + 2


def read_i32(buf, pos):
    return _i32.unpack_from(buf, pos)[0], pos + 4


def read_i64(buf, pos):
    return _i64.unpack_from(buf, pos)[0], pos + 8


def read_string(buf, pos):
    """A non-flexible (int16-length) nullable string."""
    length, pos = read_i16(buf, pos)
    if length < 0:
        return None, pos
    end = pos + length
    if end > len(buf):
        raise ProtocolError("string runs past the end of the frame")
    return bytes(buf[pos:end]).decode("utf-8", "replace"), end


def read_uvarint(buf, pos):
    value = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise ProtocolError("varint runs past the end of the buffer")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ProtocolError("varint is longer than 10 bytes")


def read_varint(buf, pos):
    """A zigzag-encoded signed varint (record fields)."""
    raw, pos = read_uvarint(buf, pos)
    return (raw >> 1) ^ -(raw & 1), pos


def skip_tagged_fields(buf, pos):
    count, pos = read_uvarint(buf, pos)
    for _ in range(count):
        _, pos = read_uvarint(buf, pos)
        size, pos = read_uvarint(buf, pos)
        pos += size
    return pos


def encode_string(text):
    data = text.encode("utf-8")
    return _i16.pack(len(data)) + data


# ---------------------------------------------------------------------------------------------
# Record batches


class Batch:
    """The header facts of one record batch (magic 2; older message sets count as plain)."""

    __slots__ = ("start", "end", "base_offset", "last_offset", "producer_id", "transactional",
                 "control", "control_type", "complete")

    def __init__(self, start, end, base_offset, last_offset, producer_id, transactional,
                 control, control_type, complete):
        self.start = start  # byte range of the batch in its records blob
        self.end = end
        self.base_offset = base_offset
        self.last_offset = last_offset
        self.producer_id = producer_id
        self.transactional = transactional
        self.control = control
        self.control_type = control_type  # CONTROL_ABORT, CONTROL_COMMIT, or None
        self.complete = complete  # False for a trailing batch cut off by the fetch size limit


def parse_batches(records):
    """The batches of a records blob, in log order; a trailing partial batch is marked
    incomplete, and one whose header is itself cut off is left out."""
    batches = []
    pos = 0
    size = len(records)
    while pos + 12 <= size:
        base_offset, batch_length = struct.unpack_from(">qi", records, pos)
        end = pos + 12 + batch_length
        complete = end <= size
        if batch_length < 0:
            raise ProtocolError(f"record batch at offset {base_offset} has a negative length")
        magic = records[pos + 16] if pos + 17 <= size else None
        if magic is None:
            break
        if magic < 2:
            # Legacy message set: no producer id, never transactional. Its last offset is the
            # wrapper's offset (a compressed wrapper carries the offset of its last message).
            batches.append(Batch(pos, min(end, size), base_offset, base_offset, -1, False, False,
                                 None, complete))
            pos = end
            continue
        if pos + BATCH_HEADER_SIZE > size:
            break
        attributes = _i16.unpack_from(records, pos + 21)[0]
        last_offset_delta = _i32.unpack_from(records, pos + 23)[0]
        producer_id = _i64.unpack_from(records, pos + 43)[0]
        transactional = bool(attributes & ATTR_TRANSACTIONAL)
        control = bool(attributes & ATTR_CONTROL)
        control_type = None
        if control:
            if not complete:
                break  # a control batch is tiny; cut off, its type cannot be read
            control_type = _control_type(records, pos + BATCH_HEADER_SIZE, end, base_offset)
        batches.append(Batch(pos, min(end, size), base_offset, base_offset + last_offset_delta,
                             producer_id, transactional, control, control_type, complete))
        if not complete:
            break
        pos = end
    return batches


def _control_type(records, pos, end, base_offset):
    """The type of the first control record's key (int16 version, int16 type); control
    batches are never compressed."""
    _, pos = read_varint(records, pos)  # record length
    pos += 1  # attributes
    _, pos = read_varint(records, pos)  # timestamp delta
    _, pos = read_varint(records, pos)  # offset delta
    key_length, pos = read_varint(records, pos)
    if key_length < 4 or pos + 4 > end:
        raise ProtocolError(f"control batch at offset {base_offset} has no 4-byte key")
    return _i16.unpack_from(records, pos + 2)[0]


# ---------------------------------------------------------------------------------------------
# What the proxy knows about each partition's transactions


class PartitionLog:
    """The transaction outcomes of one partition, from offset `log_start` to `scanned_to`.

    Every batch below `scanned_to` has been seen, in log order. `open_txns` maps a producer id
    to the first offset of its transaction that has no marker yet (below `scanned_to`);
    `aborted` lists finished aborted transactions as (marker offset, first offset, producer id),
    sorted by marker offset because markers are found in log order. Guarded by `lock`."""

    def __init__(self, topic, partition):
        self.topic = topic
        self.partition = partition
        self.lock = threading.Lock()
        self.scanned_to = None  # None until the first scan or absorbed response sets it
        self.open_txns = {}
        self.aborted = []
        self.aborted_markers = []  # the marker offsets of `aborted`, for bisect
        self.longest_txn = 0  # the widest (marker - first offset) seen, bounds the overlap search
        self.high_watermark = -1

    def absorb(self, batches):
        """Takes in the complete batches that continue the log at `scanned_to`; stops at the
        first gap, so a batch it has not seen can never be skipped."""
        for batch in batches:
            if not batch.complete:
                return
            if batch.last_offset < self.scanned_to:
                continue
            if batch.base_offset > self.scanned_to:
                return
            self._apply(batch)

    def absorb_scan(self, batches):
        """Like `absorb`, for the proxy's own read_uncommitted scan, which returns the log from
        the requested offset: a first batch beyond `scanned_to` means the offsets between hold
        no batch (Tansu's offsets may have holes, and a log can start late)."""
        for batch in batches:
            if not batch.complete:
                return
            if batch.last_offset < self.scanned_to:
                continue
            self._apply(batch)

    def _apply(self, batch):
        producer_id = batch.producer_id
        if batch.control:
            if batch.transactional:
                first = self.open_txns.pop(producer_id, None)
                if first is not None and batch.control_type == CONTROL_ABORT:
                    self.aborted.append((batch.base_offset, first, producer_id))
                    self.aborted_markers.append(batch.base_offset)
                    self.longest_txn = max(self.longest_txn, batch.base_offset - first)
        elif batch.transactional and producer_id not in self.open_txns:
            self.open_txns[producer_id] = batch.base_offset
        self.scanned_to = batch.last_offset + 1

    def outcome_known(self, batch):
        """Whether the proxy knows how the transaction of `batch` ended (or that it has none)."""
        if batch.control or not batch.transactional:
            return True
        if self.scanned_to is None or batch.last_offset >= self.scanned_to:
            return False
        first_open = self.open_txns.get(batch.producer_id)
        return first_open is None or first_open > batch.base_offset

    def aborted_overlapping(self, start, end):
        """(producer id, first offset) of the aborted transactions with records in
        [start, end], in first-offset order as Kafka returns them."""
        index = bisect.bisect_left(self.aborted_markers, start)
        limit = end + self.longest_txn
        found = []
        for marker, first, producer_id in self.aborted[index:]:
            if marker > limit:
                break
            if first <= end:
                found.append((first, producer_id))
        found.sort()
        return [(producer_id, first) for first, producer_id in found]


class TransactionIndex:
    """The PartitionLog of every (topic, partition) seen so far."""

    def __init__(self):
        self._lock = threading.Lock()
        self._partitions = {}

    def get(self, topic, partition):
        key = (topic, partition)
        with self._lock:
            log_ = self._partitions.get(key)
            if log_ is None:
                log_ = PartitionLog(topic, partition)
                self._partitions[key] = log_
            return log_


# ---------------------------------------------------------------------------------------------
# The proxy's own connection to Tansu for reading logs


class Scanner:
    """One connection to the upstream broker, owned by one thread, for read_uncommitted Fetch
    and ListOffsets requests of its own (no fetch sessions)."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.sock = None
        self.reader = None
        self.correlation_id = 0

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.reader = None

    def _request(self, api_key, api_version, body):
        if self.sock is None:
            self.sock = socket.create_connection(self.upstream, timeout=SCAN_SOCKET_TIMEOUT_SECONDS)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.reader = self.sock.makefile("rb", buffering=1 << 16)
        self.correlation_id = (self.correlation_id + 1) & 0x7FFFFFFF
        header = struct.pack(">hhi", api_key, api_version, self.correlation_id) + \
            encode_string("kafka-txn-proxy-scanner")
        frame = header + body
        try:
            self.sock.sendall(_i32.pack(len(frame)) + frame)
            response = read_frame(self.reader)
        except (OSError, ProtocolError):
            self.close()
            raise
        if response is None:
            self.close()
            raise ConnectionError("upstream closed the scan connection")
        correlation_id = _i32.unpack_from(response, 0)[0]
        if correlation_id != self.correlation_id:
            self.close()
            raise ProtocolError(f"scan response has correlation id {correlation_id}, "
                                f"expected {self.correlation_id}")
        return memoryview(response)[4:]

    def fetch(self, topic, partition, offset):
        """A read_uncommitted Fetch v11 of one partition from `offset`; returns (error code,
        high watermark, log start offset, records blob)."""
        body = b"".join([
            # Tansu answers a Fetch with max wait 0 and min bytes 0 with no partitions at all,
            # even when it holds records: wait up to SCAN_WAIT_MS for at least one byte.
            struct.pack(">iiiib", -1, SCAN_WAIT_MS, 1, SCAN_PARTITION_MAX_BYTES, 0),  # replica, wait, min, max, isolation
            struct.pack(">ii", 0, -1),  # no fetch session: id 0, epoch -1 (FINAL)
            _i32.pack(1), encode_string(topic),
            _i32.pack(1), struct.pack(">iiqqi", partition, -1, offset, -1, SCAN_PARTITION_MAX_BYTES),
            _i32.pack(0),  # forgotten topics
            encode_string(""),  # rack id
        ])
        response = self._request(API_FETCH, 11, body)
        pos = 4 + 2 + 4  # throttle, error code, session id
        topics, pos = read_i32(response, pos)
        for _ in range(topics):
            name, pos = read_string(response, pos)
            count, pos = read_i32(response, pos)
            for _ in range(count):
                index, pos = read_i32(response, pos)
                error, pos = read_i16(response, pos)
                high_watermark, pos = read_i64(response, pos)
                pos += 8  # last stable offset
                log_start, pos = read_i64(response, pos)
                aborted_count, pos = read_i32(response, pos)
                pos += 16 * max(aborted_count, 0)
                pos += 4  # preferred read replica
                length, pos = read_i32(response, pos)
                records = response[pos:pos + max(length, 0)]
                pos += max(length, 0)
                if name == topic and index == partition:
                    return error, high_watermark, log_start, records
        # No partition in the answer: nothing to read there yet (Tansu leaves it out).
        return ERROR_NONE, None, None, b""


    def earliest_offset(self, topic, partition):
        """The log start offset of one partition (ListOffsets v1, timestamp -2)."""
        body = struct.pack(">i", -1) + _i32.pack(1) + encode_string(topic) + _i32.pack(1) + \
            struct.pack(">iq", partition, -2)
        response = self._request(API_LIST_OFFSETS, 1, body)
        pos = 0
        topics, pos = read_i32(response, pos)
        for _ in range(topics):
            name, pos = read_string(response, pos)
            count, pos = read_i32(response, pos)
            for _ in range(count):
                index, pos = read_i32(response, pos)
                error, pos = read_i16(response, pos)
                pos += 8  # timestamp
                offset, pos = read_i64(response, pos)
                if name == topic and index == partition:
                    if error != ERROR_NONE:
                        raise ProtocolError(f"ListOffsets of {topic}-{partition} failed with "
                                            f"error code {error}")
                    return offset
        raise ProtocolError(f"ListOffsets response has no partition {topic}-{partition}")

    def scan_once(self, part):
        """Reads the next chunk of `part`'s log (caller holds `part.lock`); returns whether
        `scanned_to` moved."""
        if part.scanned_to is None:
            part.scanned_to = self.earliest_offset(part.topic, part.partition)
        before = part.scanned_to
        error, high_watermark, log_start, records = self.fetch(part.topic, part.partition,
                                                               part.scanned_to)
        if error == ERROR_OFFSET_OUT_OF_RANGE:
            earliest = self.earliest_offset(part.topic, part.partition)
            if earliest > part.scanned_to:
                # The log no longer starts where the scan stands (retention): nothing below
                # `earliest` can reach a client any more.
                part.scanned_to = earliest
                return True
            return False
        if error != ERROR_NONE:
            raise ProtocolError(f"scan fetch of {part.topic}-{part.partition} at offset "
                                f"{part.scanned_to} failed with error code {error}")
        if high_watermark is not None:
            part.high_watermark = high_watermark
        part.absorb_scan(parse_batches(records))
        if part.scanned_to == before and records and high_watermark > before:
            batches = parse_batches(records)
            if batches and not batches[0].complete:
                raise ProtocolError(f"the batch at {part.topic}-{part.partition} offset "
                                    f"{batches[0].base_offset} is larger than "
                                    f"{SCAN_PARTITION_MAX_BYTES} bytes")
        return part.scanned_to != before


# ---------------------------------------------------------------------------------------------
# Frames


def read_frame(reader):
    """One size-prefixed Kafka frame (without its size), or None at a clean end of stream."""
    size_bytes = reader.read(4)
    if not size_bytes:
        return None
    if len(size_bytes) < 4:
        raise ConnectionError("stream ended inside a frame's size")
    size = _i32.unpack(size_bytes)[0]
    if size < 0 or size > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame size {size} is out of range")
    frame = reader.read(size)
    if len(frame) < size:
        raise ConnectionError("stream ended inside a frame")
    return frame


class FetchRequest:
    """What a read_committed Fetch request asked for: its fetch offset per partition."""

    __slots__ = ("version", "max_wait_ms", "offsets")

    def __init__(self, version, max_wait_ms, offsets):
        self.version = version
        self.max_wait_ms = max_wait_ms
        self.offsets = offsets  # {(topic, partition): fetch offset}


def parse_fetch_request(frame, body_pos, version):
    """The FetchRequest of a read_committed Fetch v4..v11 body, or None for read_uncommitted."""
    pos = body_pos + 4  # replica id
    max_wait_ms, pos = read_i32(frame, pos)
    pos += 4 + 4  # min bytes, max bytes
    isolation = frame[pos]
    pos += 1
    if isolation != READ_COMMITTED:
        return None
    if version >= 7:
        pos += 8  # session id, session epoch
    offsets = {}
    topics, pos = read_i32(frame, pos)
    for _ in range(topics):
        topic, pos = read_string(frame, pos)
        count, pos = read_i32(frame, pos)
        for _ in range(count):
            partition, pos = read_i32(frame, pos)
            if version >= 9:
                pos += 4  # current leader epoch
            fetch_offset, pos = read_i64(frame, pos)
            if version >= 5:
                pos += 8  # log start offset
            pos += 4  # partition max bytes
            offsets[(topic, partition)] = fetch_offset
    return FetchRequest(version, max_wait_ms, offsets)


def cap_fetch_version(frame, version):
    """Patches, in place, the Fetch max version of an ApiVersions response frame (bytearray,
    correlation id first: ApiVersions responses always have header v0)."""
    pos = 4
    error, pos = read_i16(frame, pos)
    flexible = version >= 3 and error == ERROR_NONE  # errors come back in the v0 layout
    if flexible:
        count, pos = read_uvarint(frame, pos)
        count -= 1
    else:
        count, pos = read_i32(frame, pos)
    for _ in range(max(count, 0)):
        api_key, min_version, max_version = struct.unpack_from(">hhh", frame, pos)
        if api_key == API_FETCH:
            if min_version > FETCH_MAX_VERSION or max_version < FETCH_MIN_VERSION:
                log(f"upstream advertises Fetch v{min_version}..v{max_version}; the proxy "
                    f"rewrites only v{FETCH_MIN_VERSION}..v{FETCH_MAX_VERSION}")
            elif max_version > FETCH_MAX_VERSION:
                _i16.pack_into(frame, pos + 4, FETCH_MAX_VERSION)
        pos += 6
        if flexible:
            pos = skip_tagged_fields(frame, pos)


# ---------------------------------------------------------------------------------------------
# One client connection


class ClientConnection:
    """Relays one client connection to its own upstream connection: requests on one thread,
    responses (rewritten where needed) on another. Responses carry the correlation id of
    their request; `pending` keeps only the requests whose responses the proxy rewrites."""

    def __init__(self, proxy, client, address):
        self.proxy = proxy
        self.client = client
        self.address = address
        self.upstream = None
        self.pending = {}
        self.pending_lock = threading.Lock()
        self.closed = threading.Event()
        self.scanner = Scanner(proxy.upstream)

    def start(self):
        try:
            self.upstream = socket.create_connection(self.proxy.upstream, timeout=10)
            self.upstream.settimeout(None)
        except OSError as error:
            log(f"cannot connect to upstream {format_address(self.proxy.upstream)} for client "
                f"{format_address(self.address)}: {error}")
            self.client.close()
            return
        for sock in (self.client, self.upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=self._guard, args=(self._requests,), daemon=True,
                         name=f"requests-{self.address[1]}").start()
        threading.Thread(target=self._guard, args=(self._responses,), daemon=True,
                         name=f"responses-{self.address[1]}").start()

    def close(self):
        if self.closed.is_set():
            return
        self.closed.set()
        for sock in (self.client, self.upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
        self.scanner.close()

    def _guard(self, loop):
        try:
            loop()
        except (ConnectionError, OSError) as error:
            if not self.closed.is_set() and debug_enabled:
                log(f"connection {format_address(self.address)} ended: {error}")
        except ProtocolError as error:
            if not self.closed.is_set():
                log(f"connection {format_address(self.address)}: {error}; closing it")
        except Exception as error:  # a proxy bug: say so, drop only this connection
            if not self.closed.is_set():
                log(f"connection {format_address(self.address)}: internal error "
                    f"{type(error).__name__}: {error}; closing it")
        finally:
            self.close()

    def _requests(self):
        reader = self.client.makefile("rb", buffering=1 << 16)
        while True:
            frame = read_frame(reader)
            if frame is None:
                return
            if len(frame) < 10:
                raise ProtocolError("request frame is shorter than its header")
            api_key, api_version, correlation_id = struct.unpack_from(">hhi", frame, 0)
            if debug_enabled:
                log(f"{format_address(self.address)} request api {api_key} v{api_version} "
                    f"correlation {correlation_id}")
            if api_key == API_VERSIONS:
                with self.pending_lock:
                    self.pending[correlation_id] = (api_key, api_version, None)
            elif api_key == API_FETCH:
                self._note_fetch(frame, api_version, correlation_id)
            self.upstream.sendall(_i32.pack(len(frame)) + frame)

    def _note_fetch(self, frame, api_version, correlation_id):
        if api_version > FETCH_MAX_VERSION or api_version < FETCH_MIN_VERSION:
            if api_version > FETCH_MAX_VERSION and self._is_read_committed(frame, api_version):
                log(f"client {format_address(self.address)} sent a read_committed Fetch "
                    f"v{api_version} (the proxy rewrites up to v{FETCH_MAX_VERSION}): its aborted "
                    f"transactions are not filled")
            return
        _, body_pos = read_string(frame, 8)  # client id (request header v1)
        request = parse_fetch_request(frame, body_pos, api_version)
        if request is not None:
            with self.pending_lock:
                self.pending[correlation_id] = (API_FETCH, api_version, request)

    @staticmethod
    def _is_read_committed(frame, api_version):
        try:
            _, pos = read_string(frame, 8)
            pos = skip_tagged_fields(frame, pos) if api_version >= 12 else pos
            return frame[pos + 16] == READ_COMMITTED
        except (ProtocolError, IndexError, struct.error):
            return False

    def _responses(self):
        reader = self.upstream.makefile("rb", buffering=1 << 16)
        while True:
            frame = read_frame(reader)
            if frame is None:
                return
            correlation_id = _i32.unpack_from(frame, 0)[0]
            with self.pending_lock:
                request = self.pending.pop(correlation_id, None)
            if request is not None:
                api_key, api_version, fetch = request
                if api_key == API_VERSIONS:
                    frame = bytearray(frame)
                    cap_fetch_version(frame, api_version)
                else:
                    frame = self.proxy.rewrite_fetch_response(frame, fetch, self.scanner)
            self.client.sendall(_i32.pack(len(frame)) + frame)


def format_address(address):
    return f"{address[0]}:{address[1]}"


# ---------------------------------------------------------------------------------------------
# The proxy


class Proxy:
    def __init__(self, upstream):
        self.upstream = upstream
        self.index = TransactionIndex()

    def rewrite_fetch_response(self, frame, request, scanner):
        """A read_committed Fetch v4..v11 response with every partition's aborted transactions
        filled in, and records of unknown outcome trimmed off."""
        version = request.version
        view = memoryview(frame)
        parts = []  # pieces of the new frame
        pos = 4 + 4  # correlation id, throttle time
        if version >= 7:
            pos += 2 + 4  # error code, session id
        topics, pos = read_i32(view, pos)
        parts.append(view[:pos])
        deadline = time.monotonic() + OUTCOME_WAIT_SECONDS
        for _ in range(topics):
            topic_start = pos
            topic, pos = read_string(view, pos)
            count, pos = read_i32(view, pos)
            parts.append(view[topic_start:pos])
            for _ in range(count):
                partition_start = pos
                partition, pos = read_i32(view, pos)
                error, pos = read_i16(view, pos)
                high_watermark, pos = read_i64(view, pos)
                last_stable, pos = read_i64(view, pos)
                if version >= 5:
                    pos += 8  # log start offset
                fixed_end = pos
                aborted_count, pos = read_i32(view, pos)
                pos += 16 * max(aborted_count, 0)
                tail_start = pos
                if version >= 11:
                    pos += 4  # preferred read replica
                records_length, pos = read_i32(view, pos)
                records = view[pos:pos + max(records_length, 0)]
                pos += max(records_length, 0)
                if error != ERROR_NONE or records_length <= 0:
                    parts.append(view[partition_start:pos])
                    continue
                fetch_offset = request.offsets.get((topic, partition))
                records, aborted = self._filter_partition(topic, partition, records, fetch_offset,
                                                          high_watermark, last_stable, scanner,
                                                          deadline)
                parts.append(view[partition_start:fixed_end])
                parts.append(_i32.pack(len(aborted)))
                parts.extend(_abort_entry.pack(producer_id, first) for producer_id, first in aborted)
                parts.append(view[tail_start:tail_start + (4 if version >= 11 else 0)])
                parts.append(_i32.pack(len(records)))
                parts.append(records)
        parts.append(view[pos:])
        return b"".join(parts)

    def _filter_partition(self, topic, partition, records, fetch_offset, high_watermark,
                          last_stable, scanner, deadline):
        """(records to return, aborted transactions to list) for one partition's data."""
        batches = parse_batches(records)
        if not batches:
            return records, []
        part = self.index.get(topic, partition)
        with part.lock:
            if part.scanned_to is not None:
                part.absorb(batches)
            first_unknown = self._first_unknown(part, batches)
            while first_unknown is not None:
                now = time.monotonic()
                if now >= deadline:
                    break
                if part.scanned_to is not None and part.high_watermark >= 0 and \
                        part.scanned_to >= max(part.high_watermark, high_watermark):
                    # Scanned to the end and still open: the marker is not written yet.
                    time.sleep(min(0.02, deadline - now))
                try:
                    scanner.scan_once(part)
                except (OSError, ProtocolError) as error:
                    log(f"scan of {topic}-{partition} failed: {error}")
                    time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
                first_unknown = self._first_unknown(part, batches)
            if first_unknown is not None:
                if debug_enabled or first_unknown == 0:
                    log(f"{topic}-{partition}: outcome of the transaction at offset "
                        f"{batches[first_unknown].base_offset} unknown after "
                        f"{OUTCOME_WAIT_SECONDS} s (last stable offset {last_stable}); "
                        f"trimming the response there")
                batches = batches[:first_unknown]
                records = records[:batches[-1].end] if batches else records[:0]
            if not batches:
                return records, []
            start = fetch_offset if fetch_offset is not None else batches[0].base_offset
            end = batches[-1].last_offset
            return records, part.aborted_overlapping(start, end)

    @staticmethod
    def _first_unknown(part, batches):
        for index, batch in enumerate(batches):
            if not part.outcome_known(batch):
                return index
        return None


# ---------------------------------------------------------------------------------------------
# Start-up


def parse_address(text, option):
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit():
        raise SystemExit(f"kafka-txn-proxy: {option} must be HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def free_port(host):
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _die_with_parent():
    """preexec_fn: Tansu gets SIGKILL when the proxy dies, however it dies (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_tansu(binary, listen, log_path, deadline_seconds):
    """Starts Tansu on a free loopback port, advertising the proxy's `listen` address; returns
    (process, upstream address) once it accepts connections."""
    host = listen[0]
    advertised = f"tcp://{host}:{listen[1]}" if ":" not in host else f"tcp://[{host}]:{listen[1]}"
    for attempt in range(3):
        port = free_port(host)
        listener = f"tcp://{host}:{port}" if ":" not in host else f"tcp://[{host}]:{port}"
        output = open(log_path, "ab") if log_path else subprocess.DEVNULL
        process = subprocess.Popen(
            [binary, "broker", "--listener-url", listener, "--advertised-listener-url", advertised],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent)
        if log_path:
            output.close()
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection((host, port), timeout=1).close()
                return process, (host, port)
            except OSError:
                time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            process.wait()
            raise SystemExit(f"kafka-txn-proxy: tansu did not accept connections on port {port} "
                             f"within {deadline_seconds} s")
        log(f"tansu exited with status {process.returncode} on port {port} (attempt "
            f"{attempt + 1} of 3; the port may have been taken)")
    raise SystemExit("kafka-txn-proxy: tansu would not start (see --tansu-log)")


def main():
    global debug_enabled
    parser = argparse.ArgumentParser(
        description="Transaction-aware Kafka protocol proxy in front of Tansu (test fixture).")
    parser.add_argument("--listen", required=True, help="HOST:PORT to accept clients on (port 0: any)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--upstream", help="HOST:PORT of a Tansu that advertises --listen")
    target.add_argument("--tansu", help="the tansu binary: start it on a free port, advertising --listen")
    parser.add_argument("--tansu-log", help="append Tansu's output to this file (default: discard)")
    parser.add_argument("--startup-timeout", type=float, default=30.0,
                        help="seconds to wait for Tansu to accept connections")
    parser.add_argument("--debug", action="store_true", help="log each request's api key and version")
    arguments = parser.parse_args()
    debug_enabled = arguments.debug

    listen = parse_address(arguments.listen, "--listen")
    family = socket.AF_INET6 if ":" in listen[0] else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(listen)
    server.listen(128)
    listen = (listen[0], server.getsockname()[1])

    tansu = None
    stopping = threading.Event()

    def stop(signum, _frame):
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if arguments.tansu:
            tansu, upstream = start_tansu(arguments.tansu, listen, arguments.tansu_log,
                                          arguments.startup_timeout)
        else:
            upstream = parse_address(arguments.upstream, "--upstream")
        proxy = Proxy(upstream)
        print(f"listening on {format_address(listen)}", flush=True)
        while True:
            client, address = server.accept()
            ClientConnection(proxy, client, address).start()
            if tansu is not None and tansu.poll() is not None:
                log(f"tansu exited with status {tansu.returncode}; stopping")
                return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.close()
        if tansu is not None and tansu.poll() is None:
            # Tansu's SIGTERM waits for its open connections to close (measured: 5 s and more
            # with clients attached); its memory storage has nothing to save, so a short grace
            # then SIGKILL.
            tansu.terminate()
            try:
                tansu.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                tansu.kill()
                tansu.wait()


if __name__ == "__main__":
    sys.exit(main())
