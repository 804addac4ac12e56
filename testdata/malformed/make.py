#!/usr/bin/env python3
"""Builds the hand-made corrupt `_metadata` inputs of this directory.

These are the only invented bytes in testdata/: each file is a small, deliberately broken file
that exercises one error path of the reader. Run from anywhere: `python3 make.py`. The expected
one-line errors live in `errors.golden` (refreshed with FLINSPECT_BLESS=1 cargo test --test hostile).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = struct.pack(">I", 0x4960672D)
OP_ID = bytes.fromhex("38e7541c9b1074a2ac9abb34ce40e725")  # uid "my-keyed"


def i32(v): return struct.pack(">i", v)
def i64(v): return struct.pack(">q", v)
def utf(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def header(version, checkpoint_id=1, masters=b"", n_masters=0):
    return MAGIC + i32(version) + i64(checkpoint_id) + i32(n_masters) + masters


def byte_stream(name, data):
    return b"\x01" + utf(name) + i32(len(data)) + data


def savepoint_keyed(start, n, delegate):
    return b"\x07" + i32(start) + i32(n) + b"".join(i64(8 * k) for k in range(n)) + delegate


def subtask_v3(managed_keyed=b"\x00", managed_op=None):
    out = b""
    out += (i32(1) + managed_op) if managed_op is not None else i32(0)
    out += i32(0)                 # no raw operator state
    out += managed_keyed
    out += b"\x00"                # no raw keyed state
    out += i32(0) + i32(0)        # no channel state
    return out


def operator_v3(subtasks, parallelism=1, max_parallelism=128, coordinator=b"\x00"):
    out = OP_ID + i32(parallelism) + i32(max_parallelism) + coordinator + i32(len(subtasks))
    for idx, body in subtasks:
        out += i32(idx) + body
    return out


def v3_file(ops, version=3, checkpoint_id=1):
    return header(version, checkpoint_id) + i32(len(ops)) + b"".join(ops)


CASES = {}
ok_keyed = savepoint_keyed(0, 2, byte_stream("kg", b"abcdefgh"))
CASES["empty"] = b""
CASES["bad-magic"] = b"PK\x03\x04" + b"\x00" * 36
CASES["version-1"] = MAGIC + i32(1) + b"\x00" * 8
CASES["version-9"] = MAGIC + i32(9) + b"\x00" * 8
CASES["truncated-header"] = MAGIC + i32(3) + b"\x00\x00\x00"
CASES["negative-checkpoint-id"] = header(3, -5) + i32(0)
# A 40-byte file that claims 2^31-1 operators must cost nothing.
CASES["huge-operator-count"] = (header(3) + i32(0x7FFFFFFF)).ljust(40, b"\x00")
CASES["negative-operator-count"] = header(3) + i32(-1)
CASES["huge-subtask-count"] = v3_file([OP_ID + i32(1) + i32(128) + b"\x00" + i32(0x7FFFFFFF)])
CASES["unknown-keyed-handle"] = v3_file([operator_v3([(0, subtask_v3(b"\x2a"))])])
CASES["unknown-stream-handle"] = v3_file([operator_v3([(0, subtask_v3(savepoint_keyed(0, 1, b"\x63")))])])
CASES["unknown-operator-handle"] = v3_file([operator_v3([(0, subtask_v3(managed_op=b"\x09"))])])
CASES["bad-distribution-mode"] = v3_file([operator_v3([(0, subtask_v3(
    managed_op=b"\x04" + i32(1) + utf("seen-count") + b"\x07" + i32(0) + byte_stream("op", b"x")))])])
CASES["parallelism-above-max"] = v3_file([operator_v3([], parallelism=200, max_parallelism=128)])
CASES["subtask-index-out-of-range"] = v3_file([operator_v3([(5, subtask_v3(ok_keyed))], parallelism=2)])
CASES["huge-key-group-count"] = v3_file([operator_v3([(0, subtask_v3(b"\x07" + i32(0) + i32(0x7FFFFFFF)))])])
CASES["negative-start-key-group"] = v3_file([operator_v3([(0, subtask_v3(savepoint_keyed(-3, 1, byte_stream("kg", b"a"))))])])
CASES["inline-length-past-end"] = v3_file([operator_v3([(0, subtask_v3(savepoint_keyed(0, 1, b"\x01" + utf("kg") + i32(1 << 30) + b"abc")))])])
CASES["coordinator-not-inline"] = v3_file([operator_v3([], coordinator=b"\x02" + i64(10) + utf("file:/x"))])
CASES["finished-operator-with-coordinator"] = v3_file([OP_ID + i32(1) + i32(128) + byte_stream("c", b"1234") + i32(-1)])
# KeyGroupsStateHandle (code 3) nested inside itself as a stream, 10,000 deep.
nested = b"".join(b"\x03" + i32(0) + i32(0) for _ in range(10000)) + byte_stream("x", b"x")
CASES["deeply-nested-handles"] = v3_file([operator_v3([(0, subtask_v3(savepoint_keyed(0, 0, nested)))])])
CASES["master-state-bad-magic"] = header(3, 1, i32(0x12345678) + i32(4) + b"abcd", 1) + i32(0)
master_block = i32(1) + utf("hook") + i32(2) + b"xy" + b"zz"   # two bytes too many
CASES["master-state-trailing-bytes"] = header(3, 1, struct.pack(">I", 0xC96B1696) + i32(len(master_block)) + master_block, 1) + i32(0)
CASES["trailer-missing"] = v3_file([operator_v3([(0, subtask_v3(ok_keyed))])], version=4)
CASES["trailer-not-java-serialization"] = v3_file([operator_v3([(0, subtask_v3(ok_keyed))])], version=4) + b"\xde\xad\xbe\xef"
# A Java object nested 10,000 deep: each object's only field is another object.
java = b"\xac\xed\x00\x05"
java += b"\x73\x72" + utf("a.CheckpointProperties") + i64(2) + b"\x02" + struct.pack(">h", 1) + b"L" + utf("f") + b"\x74" + utf("La;") + b"\x78\x70"
java += (b"\x73\x71" + i32(0x7E0000)) * 10000 + b"\x70"
CASES["trailer-deeply-nested"] = v3_file([], version=4) + java
CASES["channel-type-v6"] = header(6) + i32(1) + utf("") + utf("") + OP_ID + i32(1) + i32(128) + b"\x00" + i32(1) + i32(0) + \
    i32(0) + i32(0) + b"\x00\x00" + i32(1) + b"\x02" + b"\x00" * 24  # an output type in the input collection

# Inputs that once broke the reader, minimized. They may be valid for Flink; the test replays
# them and requires no panic and bounded memory (tests/hostile.rs). regressions/ also holds
# minimized fuzzer finds, copied there by hand (not written by this script):
#   channel-state-size-overflow.bin  parse fuzzer, 2026-11-21: two channel handles whose stored
#       sizes overflow i64 when summed; the sum panicked in debug builds. Sizes now add with
#       wrapping, as Flink's Java long arithmetic does.
REGRESSIONS = {}
# Found by the truncation/flip sweep: a flipped byte made the max parallelism 2^31-1, and the
# key-group coverage analysis allocated a vector that long (8.5 GB). Flink accepts the value.
REGRESSIONS["huge-max-parallelism"] = v3_file([operator_v3([(0, subtask_v3(savepoint_keyed(0, 1, byte_stream("kg", b"abcdefgh"))))],
                                                          parallelism=1, max_parallelism=0x7FFFFFFF)])

os.makedirs(os.path.join(HERE, "regressions"), exist_ok=True)
for name, data in sorted(REGRESSIONS.items()):
    with open(os.path.join(HERE, "regressions", name + ".bin"), "wb") as f:
        f.write(data)

for name, data in sorted(CASES.items()):
    with open(os.path.join(HERE, name + ".bin"), "wb") as f:
        f.write(data)
print(f"wrote {len(CASES)} files")
