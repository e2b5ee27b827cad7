#!/usr/bin/python3
"""Golden Kafka vectors produced by kafka-python 2.0.2's own protocol classes.

Run with Debian's interpreter (python3-kafka 2.0.2):
    /usr/bin/python3 tests/golden/generate_kafka_python.py

Requests: kafka.protocol.api.RequestHeader(request, correlation_id, client_id)
          .encode() + Request_vN(...).encode(), exactly what
          kafka.protocol.parser.KafkaProtocol.send_request puts after the size.
Responses: int32 correlation id (response header v0) + Response_vN(...).encode().
Embedded: kafka.coordinator.protocol.ConsumerProtocolMemberMetadata /
          ConsumerProtocolMemberAssignment .encode().

The expect lines are written from the same input values, using Kafka's JSON
field names (snake_case), not kafka-python's attribute names.

Deliberately skipped kafka-python classes (they do not match Kafka's schema):
  - GroupCoordinatorResponse_v1 (FindCoordinator v1 response): lacks the
    ThrottleTimeMs field that Kafka's v1 response starts with.
  - ListGroupsRequest_v2: its API_VERSION is 1, so it encodes a v1 request.
  - DescribeGroupsResponse_v3: a misplaced parenthesis makes the schema drop
    Groups[].AuthorizedOperations, so it encodes a v2 layout.
  - OffsetRequest_v4 / _v5 (ListOffsets v4/v5 request): current_leader_epoch
    is an Int64 there, Kafka's CurrentLeaderEpoch is an int32.
  - ProduceResponse_v8: a misplaced parenthesis leaves record_errors and
    error_message out of the schema, so it encodes a v5-7 layout.

Encoded empty because kafka-python cannot encode anything else:
  - FetchRequest_v7+ forgotten_topics_data: its topic field is the String
    class rather than an instance, so a non-empty list raises TypeError.
"""
import struct
import sys

import kafka
from kafka.protocol.api import RequestHeader
from kafka.protocol import admin, commit, fetch, group, metadata, offset, produce
from kafka.coordinator.protocol import (ConsumerProtocolMemberAssignment,
                                        ConsumerProtocolMemberMetadata)

from golden_common import flatten, write_golden

assert kafka.__version__ == "2.0.2", kafka.__version__

SRC = "kafka-python %s" % kafka.__version__
SHORT = "kafka-python"
CLIENT_ID = "golden-client"

GROUP = "golden-group"
MEMBER = "golden-member-1"
MEMBER2 = "golden-member-2"
TOPIC = "golden-topic"
TOPIC2 = "golden-topic-b"


def cid(api_key, version, response=False):
    # 0x4750 ("GP") in the top half, api key and version below: all four
    # bytes are non-zero and distinct, and each vector has its own id.
    return 0x47500000 + api_key * 100 + version


# --- embedded consumer protocol blobs (kafka.coordinator.protocol) ---------
SUB_USER_DATA = b"\x01\x02golden"
ASSIGN_USER_DATA = b"\xca\xfe"


def encode(struct_obj):
    # kafka-python binds .encode through a WeakMethod: keep the object alive
    # while encoding.
    return struct_obj.encode()


def subscription_v0(topics):
    m = ConsumerProtocolMemberMetadata(0, topics, SUB_USER_DATA)
    return encode(m)


def assignment_v0(assignment):
    m = ConsumerProtocolMemberAssignment(0, assignment, ASSIGN_USER_DATA)
    return encode(m)


SUB_A = subscription_v0([TOPIC, TOPIC2])
SUB_B = subscription_v0([TOPIC])
ASSIGN_A = assignment_v0([(TOPIC, [0, 2]), (TOPIC2, [1])])
ASSIGN_B = assignment_v0([(TOPIC, [1])])


def emit_request(api, req, body_expects):
    c = cid(req.API_KEY, req.API_VERSION)
    hdr = RequestHeader(req, correlation_id=c, client_id=CLIENT_ID)
    frame = encode(hdr) + encode(req)
    expects = [("header.correlation_id", c), ("header.client_id", CLIENT_ID)]
    expects += body_expects
    cls = type(req).__name__
    write_golden("%s_request_v%d_%s" % (api, req.API_VERSION, SHORT),
                 "%s, kafka.protocol.api.RequestHeader + %s.%s.encode()"
                 % (SRC, type(req).__module__, cls),
                 api, "request", req.API_VERSION, frame, expects)


def emit_response(api, resp, body_expects):
    c = cid(resp.API_KEY, resp.API_VERSION, True)
    frame = struct.pack(">i", c) + encode(resp)
    expects = [("header.correlation_id", c)] + body_expects
    cls = type(resp).__name__
    write_golden("%s_response_v%d_%s" % (api, resp.API_VERSION, SHORT),
                 "%s, %s.%s.encode() (body) after an int32 correlation id "
                 "(response header v0)" % (SRC, type(resp).__module__, cls),
                 api, "response", resp.API_VERSION, frame, expects)


def f(d):
    return flatten("", d)


# --- ApiVersions (18) ------------------------------------------------------
API_KEYS = [(11, 0, 9), (12, 0, 4), (18, 0, 4)]


def api_versions():
    for v, req in enumerate(admin.ApiVersionRequest):
        emit_request("ApiVersions", req(), [])
    for v, resp in enumerate(admin.ApiVersionResponse):
        d = {"error_code": 0,
             "api_keys": [{"api_key": k, "min_version": lo, "max_version": hi}
                          for k, lo, hi in API_KEYS]}
        if v == 0:
            r = resp(0, API_KEYS)
        else:
            r = resp(0, API_KEYS, 125)
            d["throttle_time_ms"] = 125
        emit_response("ApiVersions", r, f(d))


# --- Metadata (3) ----------------------------------------------------------
def metadata_():
    for v, req in enumerate(metadata.MetadataRequest):
        topics = [TOPIC, TOPIC2]
        d = {"topics": [{"name": t} for t in topics]}
        if v >= 4:
            r = req(topics, False)
            d["allow_auto_topic_creation"] = False
        else:
            r = req(topics)
        emit_request("Metadata", r, f(d))
    # v1+: a null topics array means "all topics".
    r = metadata.MetadataRequest_v1(None)
    c = cid(3, 1)
    hdr = RequestHeader(r, correlation_id=c + 90, client_id=CLIENT_ID)
    frame = encode(hdr) + encode(r)
    write_golden("Metadata_request_v1_%s-alltopics" % SHORT,
                 "%s, kafka.protocol.api.RequestHeader + "
                 "kafka.protocol.metadata.MetadataRequest_v1(topics=None).encode()" % SRC,
                 "Metadata", "request", 1, frame,
                 [("header.correlation_id", c + 90), ("header.client_id", CLIENT_ID),
                  ("topics", None)])

    for v, resp in enumerate(metadata.MetadataResponse):
        brokers = [(1, "golden-host-1", 9092, "rack-a"), (2, "golden-host-2", 19093, None)]
        # partition tuples: error, index, leader, replicas, isr, offline
        parts = [(0, 0, 1, [1, 2], [1, 2], [2]), (9, 1, 2, [2, 1], [2], [1])]
        topics = [(0, TOPIC, False, parts), (3, "missing-topic", False, [])]
        bd = []
        for nid, host, port, rack in brokers:
            e = {"node_id": nid, "host": host, "port": port}
            if v >= 1:
                e["rack"] = rack
            bd.append(e)
        td = []
        tt = []
        for err, name, internal, ps in topics:
            pd = []
            pt = []
            for perr, idx, leader, reps, isr, off in ps:
                pe = {"error_code": perr, "partition_index": idx, "leader_id": leader,
                      "replica_nodes": reps, "isr_nodes": isr}
                p = [perr, idx, leader, reps, isr]
                if v >= 5:
                    pe["offline_replicas"] = off
                    p.append(off)
                pd.append(pe)
                pt.append(tuple(p))
            te = {"error_code": err, "name": name}
            t = [err, name]
            if v >= 1:
                te["is_internal"] = internal
                t.append(internal)
            te["partitions"] = pd
            t.append(pt)
            td.append(te)
            tt.append(tuple(t))
        bt = [tuple(x.values()) for x in bd]
        d = {}
        args = []
        if v >= 3:
            d["throttle_time_ms"] = 250
            args.append(250)
        d["brokers"] = bd
        args.append(bt)
        if v >= 2:
            d["cluster_id"] = "golden-cluster"
            args.append("golden-cluster")
        if v >= 1:
            d["controller_id"] = 2
            args.append(2)
        d["topics"] = td
        args.append(tt)
        emit_response("Metadata", resp(*args), f(d))


# --- FindCoordinator (10) ------------------------------------------------------
def find_coordinator():
    emit_request("FindCoordinator", commit.GroupCoordinatorRequest_v0(GROUP),
                 [("key", GROUP)])
    emit_request("FindCoordinator", commit.GroupCoordinatorRequest_v1(GROUP, 0),
                 [("key", GROUP), ("key_type", 0)])
    emit_response("FindCoordinator",
                  commit.GroupCoordinatorResponse_v0(0, 7, "golden-coordinator", 29092),
                  f({"error_code": 0, "node_id": 7, "host": "golden-coordinator",
                     "port": 29092}))
    # GroupCoordinatorResponse_v1 is skipped: see module docstring.


# --- JoinGroup (11) --------------------------------------------------------
def join_group():
    protos = [("range", SUB_A), ("roundrobin", SUB_B)]
    for v, req in enumerate(group.JoinGroupRequest):
        d = {"group_id": GROUP, "session_timeout_ms": 45000}
        if v >= 1:
            d["rebalance_timeout_ms"] = 300000
        d["member_id"] = MEMBER
        d["protocol_type"] = "consumer"
        d["protocols"] = [{"name": n, "metadata": m} for n, m in protos]
        args = [GROUP, 45000] + ([300000] if v >= 1 else []) + [MEMBER, "consumer", protos]
        emit_request("JoinGroup", req(*args), f(d))
    for v, resp in enumerate(group.JoinGroupResponse):
        members = [(MEMBER, SUB_A), (MEMBER2, SUB_B)]
        d = {}
        args = []
        if v >= 2:
            d["throttle_time_ms"] = 33
            args.append(33)
        d.update({"error_code": 0, "generation_id": 7, "protocol_name": "range",
                  "leader": MEMBER, "member_id": MEMBER,
                  "members": [{"member_id": m, "metadata": md} for m, md in members]})
        args += [0, 7, "range", MEMBER, MEMBER, members]
        emit_response("JoinGroup", resp(*args), f(d))


# --- SyncGroup (14) --------------------------------------------------------
def sync_group():
    assigns = [(MEMBER, ASSIGN_A), (MEMBER2, ASSIGN_B)]
    for v, req in enumerate(group.SyncGroupRequest):
        d = {"group_id": GROUP, "generation_id": 7, "member_id": MEMBER,
             "assignments": [{"member_id": m, "assignment": a} for m, a in assigns]}
        emit_request("SyncGroup", req(GROUP, 7, MEMBER, assigns), f(d))
    for v, resp in enumerate(group.SyncGroupResponse):
        if v == 0:
            emit_response("SyncGroup", resp(0, ASSIGN_A),
                          f({"error_code": 0, "assignment": ASSIGN_A}))
        else:
            emit_response("SyncGroup", resp(44, 0, ASSIGN_A),
                          f({"throttle_time_ms": 44, "error_code": 0,
                             "assignment": ASSIGN_A}))


# --- Heartbeat (12) --------------------------------------------------------
def heartbeat():
    for v, req in enumerate(group.HeartbeatRequest):
        emit_request("Heartbeat", req(GROUP, 7, MEMBER),
                     f({"group_id": GROUP, "generation_id": 7, "member_id": MEMBER}))
    emit_response("Heartbeat", group.HeartbeatResponse_v0(27), [("error_code", 27)])
    emit_response("Heartbeat", group.HeartbeatResponse_v1(55, 27),
                  f({"throttle_time_ms": 55, "error_code": 27}))


# --- LeaveGroup (13) -------------------------------------------------------
def leave_group():
    for v, req in enumerate(group.LeaveGroupRequest):
        emit_request("LeaveGroup", req(GROUP, MEMBER),
                     f({"group_id": GROUP, "member_id": MEMBER}))
    emit_response("LeaveGroup", group.LeaveGroupResponse_v0(25), [("error_code", 25)])
    emit_response("LeaveGroup", group.LeaveGroupResponse_v1(66, 25),
                  f({"throttle_time_ms": 66, "error_code": 25}))


# --- OffsetCommit (8) ------------------------------------------------------
def offset_commit():
    # (partition, offset, metadata)
    parts = {TOPIC: [(0, 1234567890123, "golden-meta"), (2, 42, "")],
             TOPIC2: [(1, 0, None)]}
    for v, req in enumerate(commit.OffsetCommitRequest):
        d = {"group_id": GROUP}
        args = [GROUP]
        if v >= 1:
            d["generation_id_or_member_epoch"] = 7
            d["member_id"] = MEMBER
            args += [7, MEMBER]
        if v >= 2:
            d["retention_time_ms"] = 86400000
            args.append(86400000)
        tl = []
        td = []
        for t, ps in parts.items():
            pl = []
            pd = []
            for p, off, md in ps:
                if v == 1:
                    pl.append((p, off, 1700000000000, md))
                    pd.append({"partition_index": p, "committed_offset": off,
                               "commit_timestamp": 1700000000000, "committed_metadata": md})
                else:
                    pl.append((p, off, md))
                    pd.append({"partition_index": p, "committed_offset": off,
                               "committed_metadata": md})
            tl.append((t, pl))
            td.append({"name": t, "partitions": pd})
        args.append(tl)
        d["topics"] = td
        emit_request("OffsetCommit", req(*args), f(d))
    for v, resp in enumerate(commit.OffsetCommitResponse):
        topics = [(TOPIC, [(0, 0), (2, 22)]), (TOPIC2, [(1, 3)])]
        d = {}
        args = []
        if v >= 3:
            d["throttle_time_ms"] = 77
            args.append(77)
        d["topics"] = [{"name": t, "partitions": [{"partition_index": p, "error_code": e}
                                                   for p, e in ps]} for t, ps in topics]
        args.append(topics)
        emit_response("OffsetCommit", resp(*args), f(d))


# --- OffsetFetch (9) -------------------------------------------------------
def offset_fetch():
    topics = [(TOPIC, [0, 2]), (TOPIC2, [1])]
    for v, req in enumerate(commit.OffsetFetchRequest):
        d = {"group_id": GROUP,
             "topics": [{"name": t, "partition_indexes": ps} for t, ps in topics]}
        emit_request("OffsetFetch", req(GROUP, topics), f(d))
    # v2+: a null topics array means "all committed offsets".
    r = commit.OffsetFetchRequest_v2(GROUP, None)
    c = cid(9, 2) + 90
    hdr = RequestHeader(r, correlation_id=c, client_id=CLIENT_ID)
    frame = encode(hdr) + encode(r)
    write_golden("OffsetFetch_request_v2_%s-alltopics" % SHORT,
                 "%s, kafka.protocol.api.RequestHeader + "
                 "kafka.protocol.commit.OffsetFetchRequest_v2(topics=None).encode()" % SRC,
                 "OffsetFetch", "request", 2, frame,
                 [("header.correlation_id", c), ("header.client_id", CLIENT_ID),
                  ("group_id", GROUP), ("topics", None)])
    for v, resp in enumerate(commit.OffsetFetchResponse):
        # (partition, offset, metadata, error)
        rt = [(TOPIC, [(0, 1234567890123, "golden-meta", 0), (2, -1, "", 0)]),
              (TOPIC2, [(1, 5, None, 3)])]
        d = {}
        args = []
        if v >= 3:
            d["throttle_time_ms"] = 88
            args.append(88)
        d["topics"] = [{"name": t, "partitions": [
            {"partition_index": p, "committed_offset": o, "metadata": m, "error_code": e}
            for p, o, m, e in ps]} for t, ps in rt]
        args.append(rt)
        if v >= 2:
            d["error_code"] = 0
            args.append(0)
        emit_response("OffsetFetch", resp(*args), f(d))


# --- DescribeGroups (15) ---------------------------------------------------
def describe_groups():
    groups = [GROUP, "golden-group-2"]
    for v, req in enumerate(admin.DescribeGroupsRequest):
        d = {"groups": groups}
        if v >= 3:
            d["include_authorized_operations"] = True
            r = req(groups, True)
        else:
            r = req(groups)
        emit_request("DescribeGroups", r, f(d))
    for v, resp in enumerate(admin.DescribeGroupsResponse):
        if v >= 3:
            continue  # DescribeGroupsResponse_v3 is skipped: see module docstring.
        members = [(MEMBER, CLIENT_ID, "/127.0.0.1", SUB_A, ASSIGN_A),
                   (MEMBER2, "golden-client-2", "/10.1.2.3", SUB_B, ASSIGN_B)]
        gl = [(0, GROUP, "Stable", "consumer", "range", members),
              (69, "golden-group-2", "Dead", "", "", [])]
        gd = []
        gt = []
        for err, gid, state, ptype, pdata, ms in gl:
            e = {"error_code": err, "group_id": gid, "group_state": state,
                 "protocol_type": ptype, "protocol_data": pdata,
                 "members": [{"member_id": m, "client_id": c, "client_host": h,
                              "member_metadata": md, "member_assignment": ma}
                             for m, c, h, md, ma in ms]}
            t = [err, gid, state, ptype, pdata, ms]
            if v >= 3:
                e["authorized_operations"] = 0x5F8
                t.append(0x5F8)
            gd.append(e)
            gt.append(tuple(t))
        d = {}
        args = []
        if v >= 1:
            d["throttle_time_ms"] = 99
            args.append(99)
        d["groups"] = gd
        args.append(gt)
        emit_response("DescribeGroups", resp(*args), f(d))


# --- ListGroups (16) -------------------------------------------------------
def list_groups():
    for req in (admin.ListGroupsRequest_v0, admin.ListGroupsRequest_v1):
        emit_request("ListGroups", req(), [])
    for v, resp in enumerate(admin.ListGroupsResponse):
        gl = [(GROUP, "consumer"), ("golden-connect", "connect")]
        d = {}
        args = []
        if v >= 1:
            d["throttle_time_ms"] = 111
            args.append(111)
        d["error_code"] = 0
        d["groups"] = [{"group_id": g, "protocol_type": p} for g, p in gl]
        args += [0, gl]
        emit_response("ListGroups", resp(*args), f(d))


# --- DeleteGroups (42) -----------------------------------------------------
def delete_groups():
    groups = [GROUP, "golden-group-2"]
    for v, req in enumerate(admin.DeleteGroupsRequest):
        emit_request("DeleteGroups", req(groups), f({"groups_names": groups}))
    for v, resp in enumerate(admin.DeleteGroupsResponse):
        res = [(GROUP, 0), ("golden-group-2", 68)]
        emit_response("DeleteGroups", resp(122, res),
                      f({"throttle_time_ms": 122,
                         "results": [{"group_id": g, "error_code": e} for g, e in res]}))


# --- ListOffsets (2) --------------------------------------------------------
def list_offsets():
    # (partition, current_leader_epoch, timestamp, max_num_offsets): latest, earliest, a time.
    parts = {TOPIC: [(0, 5, -1, 1), (2, 5, -2, 1)], TOPIC2: [(1, 9, 1700000000000, 3)]}
    for v, req in enumerate(offset.OffsetRequest):
        if v >= 4:
            continue  # OffsetRequest_v4/_v5 are skipped: see module docstring.
        tl = []
        td = []
        for t, ps in parts.items():
            pl = []
            pd = []
            for p, epoch, ts, n in ps:
                if v == 0:
                    pl.append((p, ts, n))
                    pd.append({"partition_index": p, "timestamp": ts, "max_num_offsets": n})
                else:
                    pl.append((p, ts))
                    pd.append({"partition_index": p, "timestamp": ts})
            tl.append((t, pl))
            td.append({"name": t, "partitions": pd})
        d = {"replica_id": -1}
        args = [-1]
        if v >= 2:
            d["isolation_level"] = 1
            args.append(1)
        d["topics"] = td
        args.append(tl)
        emit_request("ListOffsets", req(*args), f(d))
    for v, resp in enumerate(offset.OffsetResponse):
        # (partition, error, timestamp, offset, leader_epoch, v0 offsets)
        rt = [(TOPIC, [(0, 0, 1700000000123, 4242, 5, [4242, 17, 0]), (2, 0, -1, 0, 5, [])]),
              (TOPIC2, [(1, 3, -1, -1, -1, [])])]
        tl = []
        td = []
        for t, ps in rt:
            pl = []
            pd = []
            for p, err, ts, off, epoch, olds in ps:
                if v == 0:
                    pl.append((p, err, olds))
                    pd.append({"partition_index": p, "error_code": err,
                               "old_style_offsets": olds})
                elif v < 4:
                    pl.append((p, err, ts, off))
                    pd.append({"partition_index": p, "error_code": err, "timestamp": ts,
                               "offset": off})
                else:
                    pl.append((p, err, ts, off, epoch))
                    pd.append({"partition_index": p, "error_code": err, "timestamp": ts,
                               "offset": off, "leader_epoch": epoch})
            tl.append((t, pl))
            td.append({"name": t, "partitions": pd})
        d = {}
        args = []
        if v >= 2:
            d["throttle_time_ms"] = 133
            args.append(133)
        d["topics"] = td
        args.append(tl)
        emit_response("ListOffsets", resp(*args), f(d))


# --- Fetch (1) ---------------------------------------------------------------
# Opaque to the codec: a few bytes standing in for a record batch.
RECORDS = b"\x00\x00\x00\x00\x00\x00\x00\x2agolden-records"


def fetch_():
    # (partition, current_leader_epoch, fetch_offset, log_start_offset, partition_max_bytes)
    parts = {TOPIC: [(0, 5, 42, 0, 1048576), (2, 5, 0, -1, 65536)],
             TOPIC2: [(1, -1, 1234567890123, 7, 1)]}
    for v, req in enumerate(fetch.FetchRequest):
        tl = []
        td = []
        for t, ps in parts.items():
            pl = []
            pd = []
            for p, epoch, off, lso, pmax in ps:
                e = {"partition": p}
                row = [p]
                if v >= 9:
                    e["current_leader_epoch"] = epoch
                    row.append(epoch)
                e["fetch_offset"] = off
                row.append(off)
                if v >= 5:
                    e["log_start_offset"] = lso
                    row.append(lso)
                e["partition_max_bytes"] = pmax
                row.append(pmax)
                pl.append(tuple(row))
                pd.append(e)
            tl.append((t, pl))
            td.append({"topic": t, "partitions": pd})
        d = {"replica_id": -1, "max_wait_ms": 500, "min_bytes": 1}
        args = [-1, 500, 1]
        if v >= 3:
            d["max_bytes"] = 52428800
            args.append(52428800)
        if v >= 4:
            d["isolation_level"] = 1
            args.append(1)
        if v >= 7:
            d["session_id"] = 0x1234
            d["session_epoch"] = 3
            args += [0x1234, 3]
        d["topics"] = td
        args.append(tl)
        if v >= 7:
            args.append([])  # forgotten_topics_data: see module docstring
        if v >= 11:
            d["rack_id"] = "rack-a"
            args.append("rack-a")
        emit_request("Fetch", req(*args), f(d))
    for v, resp in enumerate(fetch.FetchResponse):
        # (partition, error, high_watermark, last_stable, log_start, aborted, preferred, records)
        rt = [(TOPIC, [(0, 0, 100, 90, 3, [(77, 50), (78, 60)], 2, RECORDS),
                       (2, 0, 0, 0, 0, None, -1, b"")]),
              (TOPIC2, [(1, 3, -1, -1, -1, [], -1, None)])]
        tl = []
        td = []
        for t, ps in rt:
            pl = []
            pd = []
            for p, err, hw, lst, lso, aborted, pref, records in ps:
                e = {"partition_index": p, "error_code": err, "high_watermark": hw}
                row = [p, err, hw]
                if v >= 4:
                    e["last_stable_offset"] = lst
                    row.append(lst)
                if v >= 5:
                    e["log_start_offset"] = lso
                    row.append(lso)
                if v >= 4:
                    if aborted is None:
                        e["aborted_transactions"] = None
                    else:
                        e["aborted_transactions"] = [
                            {"producer_id": pid, "first_offset": fo} for pid, fo in aborted]
                    row.append(aborted)
                if v >= 11:
                    e["preferred_read_replica"] = pref
                    row.append(pref)
                e["records"] = records
                row.append(records)
                pl.append(tuple(row))
                pd.append(e)
            tl.append((t, pl))
            td.append({"topic": t, "partitions": pd})
        d = {}
        args = []
        if v >= 1:
            d["throttle_time_ms"] = 144
            args.append(144)
        if v >= 7:
            d["error_code"] = 0
            d["session_id"] = 0x1234
            args += [0, 0x1234]
        d["responses"] = td
        args.append(tl)
        emit_response("Fetch", resp(*args), f(d))


# --- Produce (0) ---------------------------------------------------------------
def produce_():
    # (partition, records): a null records field is legal (nullable since v0).
    parts = {TOPIC: [(0, RECORDS), (2, None)], TOPIC2: [(1, b"\x01")]}
    for v, req in enumerate(produce.ProduceRequest):
        d = {}
        args = []
        if v >= 3:
            # Alternate between a transactional and a plain producer.
            txn = "golden-txn" if v % 2 else None
            d["transactional_id"] = txn
            args.append(txn)
        d.update({"acks": -1, "timeout_ms": 30000,
                  "topic_data": [{"name": t, "partition_data": [
                      {"index": p, "records": r} for p, r in ps]}
                      for t, ps in parts.items()]})
        args += [-1, 30000, list(parts.items())]
        emit_request("Produce", req(*args), f(d))
    # (partition, error, base_offset, log_append_time, log_start_offset)
    rt = [(TOPIC, [(0, 0, 4242, 1700000000123, 17), (2, 6, -1, -1, -1)]),
          (TOPIC2, [(1, 0, 0, -1, 0)])]
    for v, resp in enumerate(produce.ProduceResponse):
        if v >= 8:
            continue  # ProduceResponse_v8 is skipped: see module docstring.
        tl = []
        td = []
        for t, ps in rt:
            pl = []
            pd = []
            for p, err, base, append, lso in ps:
                e = {"index": p, "error_code": err, "base_offset": base}
                row = [p, err, base]
                if v >= 2:
                    e["log_append_time_ms"] = append
                    row.append(append)
                if v >= 5:
                    e["log_start_offset"] = lso
                    row.append(lso)
                pl.append(tuple(row))
                pd.append(e)
            tl.append((t, pl))
            td.append({"name": t, "partition_responses": pd})
        d = {"responses": td}
        args = [tl]
        if v >= 1:
            d["throttle_time_ms"] = 155
            args.append(155)
        emit_response("Produce", resp(*args), f(d))


# --- SaslHandshake (17) ----------------------------------------------------------
def sasl_handshake():
    for v, req in enumerate(admin.SaslHandShakeRequest):
        emit_request("SaslHandshake", req("SCRAM-SHA-256"), [("mechanism", "SCRAM-SHA-256")])
    mechs = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
    for v, resp in enumerate(admin.SaslHandShakeResponse):
        # v0 answers a mechanism the broker does not enable (UNSUPPORTED_SASL_MECHANISM).
        err = 33 if v == 0 else 0
        emit_response("SaslHandshake", resp(err, mechs),
                      f({"error_code": err, "mechanisms": mechs}))


# --- SaslAuthenticate (36) -------------------------------------------------------
def sasl_authenticate():
    first = b"n,,n=golden-user,r=fyko+d2lbbFgONRv9qkxdawL"
    for v, req in enumerate(admin.SaslAuthenticateRequest):
        emit_request("SaslAuthenticate", req(first), [("auth_bytes", first)])
    server = b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"
    for v, resp in enumerate(admin.SaslAuthenticateResponse):
        if v == 0:
            # A failed exchange: error message set, no server token.
            emit_response("SaslAuthenticate",
                          resp(58, "Authentication failed during authentication", b""),
                          f({"error_code": 58,
                             "error_message": "Authentication failed during authentication",
                             "auth_bytes": b""}))
        else:
            emit_response("SaslAuthenticate", resp(0, None, server, 3600000),
                          f({"error_code": 0, "error_message": None, "auth_bytes": server,
                             "session_lifetime_ms": 3600000}))


# --- embedded consumer protocol ----------------------------------------------
def consumer_protocol():
    write_golden("ConsumerProtocolSubscription_embedded_v0_%s" % SHORT,
                 "%s, kafka.coordinator.protocol.ConsumerProtocolMemberMetadata.encode()" % SRC,
                 "ConsumerProtocolSubscription", "embedded", 0, SUB_A,
                 f({"topics": [TOPIC, TOPIC2], "user_data": SUB_USER_DATA}))
    write_golden("ConsumerProtocolAssignment_embedded_v0_%s" % SHORT,
                 "%s, kafka.coordinator.protocol.ConsumerProtocolMemberAssignment.encode()" % SRC,
                 "ConsumerProtocolAssignment", "embedded", 0, ASSIGN_A,
                 f({"assigned_partitions": [{"topic": TOPIC, "partitions": [0, 2]},
                                            {"topic": TOPIC2, "partitions": [1]}],
                    "user_data": ASSIGN_USER_DATA}))


def main():
    api_versions()
    metadata_()
    find_coordinator()
    join_group()
    sync_group()
    heartbeat()
    leave_group()
    offset_commit()
    offset_fetch()
    describe_groups()
    list_groups()
    delete_groups()
    list_offsets()
    fetch_()
    produce_()
    sasl_handshake()
    sasl_authenticate()
    consumer_protocol()


if __name__ == "__main__":
    sys.exit(main())
