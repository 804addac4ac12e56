#!/usr/bin/env python3
"""Sanity checks for oracle output: python3 check-expected.py <expected.json or dir>...

Checks the CONTRACT.md shape (keys present, lists sorted) and that sizes add up:
subtask state_size = sum of its handles; operator state_size = coordinator + subtasks;
keyed-group / operator / incremental handle sizes = their parts.
"""
import json, os, sys

TOP = ["oracle_flink_version", "metadata_version", "checkpoint_id", "properties", "master_states", "operators"]
PROPS = ["kind", "format", "type_name", "sharing_files_strategy", "post_checkpoint_action", "forced", "unclaimed",
         "discard_subsumed", "discard_finished", "discard_cancelled", "discard_failed", "discard_suspended"]
OP = ["id", "name", "uid", "parallelism", "max_parallelism", "state_size", "fully_finished", "coordinator_state", "subtasks"]
ST = ["index", "finished", "state_size", "managed_keyed", "raw_keyed", "managed_operator", "raw_operator",
      "input_channel", "result_subpartition"]
KINDS = ST[3:]
HANDLE_KEYS = {
    "ByteStreamStateHandle": ["name", "inline_bytes"],
    "FileStateHandle": ["path"],
    "RelativeFileStateHandle": ["path", "relative_path"],
    "KeyGroupsStateHandle": ["key_groups", "offsets", "delegate"],
    "KeyGroupsSavepointStateHandle": ["key_groups", "offsets", "delegate"],
    "IncrementalRemoteKeyedStateHandle": ["key_groups", "checkpoint_id", "backend_id", "checkpointed_size", "meta", "shared", "private"],
    "OperatorStreamStateHandle": ["states", "delegate"],
    "FileMergingOperatorStreamStateHandle": ["states", "delegate", "task_owned_dir", "shared_dir"],
    "EmptyFileMergingOperatorStreamStateHandle": ["states", "delegate", "task_owned_dir", "shared_dir"],
    "SegmentFileStateHandle": ["path", "start_pos", "scope", "logical_file_id"],
    "EmptySegmentFileStateHandle": [],
    "ChangelogStateBackendHandleImpl": ["key_groups", "materialization_id", "checkpoint_id", "checkpointed_size", "materialized", "non_materialized"],
    "InMemoryChangelogStateHandle": ["key_groups", "from", "to", "changes"],
    "ChangelogStateHandleStreamImpl": ["key_groups", "checkpointed_size", "storage_identifier", "handles"],
    "InputChannelStateHandle": ["subtask_index", "info", "offsets", "delegate"],
    "ResultSubpartitionStateHandle": ["subtask_index", "info", "offsets", "delegate"],
    "MergedInputChannelStateHandle": ["subtask_index", "delegate", "channels"],
    "MergedResultSubpartitionStateHandle": ["subtask_index", "delegate", "channels"],
}

errors = []
classes = {}

def err(where, msg):
    errors.append(f"{where}: {msg}")

def keys(where, obj, expected):
    if list(obj.keys()) != expected:
        err(where, f"keys {list(obj.keys())} != {expected}")

def handle(where, h):
    cls = h.get("handle")
    classes[cls] = classes.get(cls, 0) + 1
    if cls not in HANDLE_KEYS:
        keys(where, h, ["handle", "state_size", "unknown"])
        return
    keys(where, h, ["handle", "state_size"] + HANDLE_KEYS[cls])
    size = h["state_size"]
    if cls == "ByteStreamStateHandle" and size != h["inline_bytes"]:
        err(where, "ByteStream size != inline bytes")
    if "key_groups" in h:
        a, b = h["key_groups"]
        if not (b >= a or (a, b) == (0, -1)):
            err(where, f"bad key group range {h['key_groups']}")
    if cls.startswith("KeyGroups"):
        a, b = h["key_groups"]
        if len(h["offsets"]) != b - a + 1:
            err(where, "offsets length != key groups")
        handle(where + ".delegate", h["delegate"])
        if size != h["delegate"]["state_size"]:
            err(where, "keygroups size != delegate size")
    if cls == "IncrementalRemoteKeyedStateHandle":
        total = 0
        if h["meta"] is not None:
            handle(where + ".meta", h["meta"]); total += h["meta"]["state_size"]
        for part in ("shared", "private"):
            lps = [e["local_path"] for e in h[part]]
            if lps != sorted(lps):
                err(where, f"{part} not sorted")
            for e in h[part]:
                keys(where + "." + part, e, ["local_path", "handle"])
                handle(where + "." + part + "." + e["local_path"], e["handle"])
                total += e["handle"]["state_size"]
        if total != size:
            err(where, f"incremental size {size} != parts {total}")
    if "states" in h:
        names = [s["name"] for s in h["states"]]
        if names != sorted(names):
            err(where, "operator states not sorted")
        for s in h["states"]:
            keys(where + ".states", s, ["name", "mode", "offsets"])
        if h["delegate"] is not None:
            handle(where + ".delegate", h["delegate"])
            if size != h["delegate"]["state_size"]:
                err(where, "operator handle size != delegate size")
    if cls in ("InputChannelStateHandle", "ResultSubpartitionStateHandle", "MergedInputChannelStateHandle",
               "MergedResultSubpartitionStateHandle"):
        if h["delegate"] is not None:
            handle(where + ".delegate", h["delegate"])
    if cls == "ChangelogStateBackendHandleImpl":
        total = 0
        for part in ("materialized", "non_materialized"):
            for i, x in enumerate(h[part]):
                handle(f"{where}.{part}[{i}]", x); total += x["state_size"]
        if total != size:
            err(where, f"changelog size {size} != parts {total}")
    if cls == "ChangelogStateHandleStreamImpl":
        for i, x in enumerate(h["handles"]):
            keys(where + ".handles", x, ["offset", "handle"])
            handle(f"{where}.handles[{i}]", x["handle"])

def check(path):
    with open(path) as f:
        d = json.load(f)
    keys(path, d, TOP)
    if d["properties"] is not None:
        keys(path + ":properties", d["properties"], PROPS)
    ids = [o["id"] for o in d["operators"]]
    if ids != sorted(ids):
        err(path, "operators not sorted")
    for o in d["operators"]:
        w = f"{path}:{o['id']}"
        keys(w, o, OP)
        total = 0
        if o["coordinator_state"] is not None:
            handle(w + ".coordinator", o["coordinator_state"]); total += o["coordinator_state"]["state_size"]
        idx = [s["index"] for s in o["subtasks"]]
        if idx != sorted(idx):
            err(w, "subtasks not sorted")
        if o["fully_finished"] and (o["subtasks"] or o["state_size"] != 0):
            err(w, "fully finished operator with subtasks/size")
        for s in o["subtasks"]:
            ws = f"{w}[{s['index']}]"
            keys(ws, s, ST)
            st = 0
            for k in KINDS:
                for i, h in enumerate(s[k]):
                    handle(f"{ws}.{k}[{i}]", h); st += h["state_size"]
            if st != s["state_size"]:
                err(ws, f"subtask size {s['state_size']} != handles {st}")
            total += s["state_size"]
        if total != o["state_size"]:
            err(w, f"operator size {o['state_size']} != coordinator+subtasks {total}")

n = 0
for arg in sys.argv[1:]:
    if os.path.isdir(arg):
        for root, _, files in os.walk(arg):
            if "expected.json" in files:
                check(os.path.join(root, "expected.json")); n += 1
    else:
        check(arg); n += 1
for e in errors:
    print("ERROR", e)
print(f"{n} files checked, {len(errors)} errors; handle classes: {dict(sorted(classes.items()))}")
sys.exit(1 if errors else 0)
