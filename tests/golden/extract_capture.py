#!/usr/bin/python3
"""Turns the pcaps written by capture.sh into golden vectors.

Usage: extract_capture.py WORKDIR [SESSION...]   (WORKDIR holds SESSION.pcapng and
                                      SESSION.port of mock202, mock215, mock215kip848)

Bytes: each TCP direction of each connection is reassembled from tshark's
tcp.payload fields and split on the 4-byte size prefixes; a response is matched
to its request by connection and correlation id, which gives its api/version.

Expect lines: header fields are read from the fixed header layout; body fields
come from Wireshark's Kafka dissector (tshark -T json): top-level scalar fields
and the first element of the main arrays; none for versions Wireshark 4.0 does
not support (it flags them, e.g. Metadata v10+). Wireshark 4.0 mis-dissects the
embedded consumer-protocol bytes in JoinGroup/SyncGroup (it marks those
packets malformed), so for a malformed packet only the fields before the first
array are used. The embedded consumer-protocol blobs found in librdkafka's
JoinGroup/SyncGroup requests are written as their own vectors; their expect
lines come from reading the plain (non-flexible) consumer-protocol layout.

Metadata v9+ responses of the 2.15.1 mock carry one stray 0x00 after the body
(the handler writes the top-level tag buffer, then send_response() adds
another); those files are named *-trailing-byte.golden.

Excluded on purpose: the mocks' ApiVersions answer to a v3+ request. Both
mocks support ApiVersions only up to v2 and answer v3 with UNSUPPORTED_VERSION,
but write that answer with a 1-byte array count (rdkafka_mock_handlers.c FIXME)
plus a throttle time: it is neither a valid v0 nor a valid v3 body.
"""
import collections
import json
import os
import struct
import subprocess
import sys

from golden_common import flatten, write_golden

API_NAMES = {18: "ApiVersions", 3: "Metadata", 10: "FindCoordinator", 11: "JoinGroup",
             12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup", 8: "OffsetCommit",
             9: "OffsetFetch", 15: "DescribeGroups", 16: "ListGroups", 42: "DeleteGroups",
             47: "OffsetDelete", 68: "ConsumerGroupHeartbeat"}
FLEX_FROM = {18: 3, 3: 9, 10: 3, 11: 6, 12: 4, 13: 4, 14: 4, 8: 8, 9: 6, 15: 5, 16: 3, 42: 2,
             47: 1 << 15, 68: 0}
MOCK_MAX_APIVERSIONS = 2

SESSIONS = {
    "mock202": "librdkafka 2.0.2 mock cluster (Debian librdkafka1 2.0.2-1, rdkafka_mock_handlers.c)",
    "mock215": "librdkafka 2.15.1 mock cluster (built from the librdkafka source bundled in npm "
               "@confluentinc/kafka-javascript 1.10.1, rdkafka_mock_handlers.c)",
}
SESSIONS["mock215kip848"] = SESSIONS["mock215"]
SESSION_SHORT = {"mock202": "2.0.2", "mock215": "2.15.1", "mock215kip848": "2.15.1"}
# A session that drives APIs the others also capture keeps only its own, so that rerunning it
# leaves the others' vectors alone.
SESSION_APIS = {"mock215kip848": {68}}
# Fields Wireshark 4.0 cannot show (it does not know the API): what drive_kip848.py asks for
# in its first heartbeat (the join), and the mock's answer to it, which let the member in.
DRIVEN = {("mock215kip848", 68, True): [("group_id", "golden-group-kip848"), ("member_epoch", 0),
                                        ("subscribed_topic_names[0]", "golden-topic")],
          ("mock215kip848", 68, False): [("error_code", 0)]}


def tshark(args):
    return subprocess.run(["tshark"] + args, capture_output=True, text=True, check=True).stdout


def read_frames(pcap, port):
    out = tshark(["-r", pcap, "-o", "tcp.relative_sequence_numbers:TRUE", "-Y", "tcp.len>0",
                  "-T", "fields", "-e", "tcp.stream", "-e", "tcp.dstport", "-e", "tcp.seq",
                  "-e", "tcp.payload"])
    segs = collections.defaultdict(dict)
    for line in out.splitlines():
        stream, dport, seq, payload = line.split("\t")
        d = "req" if int(dport) == port else "resp"
        segs[(int(stream), d)][int(seq)] = bytes.fromhex(payload)
    frames = {}
    for key, bysq in segs.items():
        buf = b""
        pos = 1
        for seq in sorted(bysq):
            data = bysq[seq]
            if seq + len(data) <= pos:
                continue  # retransmission
            buf += data[pos - seq:]
            pos = seq + len(data)
        fr = []
        i = 0
        while i + 4 <= len(buf):
            n = struct.unpack(">i", buf[i:i + 4])[0]
            if i + 4 + n > len(buf):
                break
            fr.append(buf[i + 4:i + 4 + n])
            i += 4 + n
        frames[key] = fr
    return frames


def read_dissections(pcap, port):
    """(stream, is_request, correlation_id) -> Wireshark kafka layer dict."""
    out = tshark(["-r", pcap, "-d", "tcp.port==%d,kafka" % port, "--no-duplicate-keys",
                  "-Y", "kafka", "-T", "json"])
    res = {}
    for pkt in json.loads(out):
        layers = pkt["_source"]["layers"]
        stream = int(layers["tcp"]["tcp.stream"])
        ks = layers["kafka"]
        for k in (ks if isinstance(ks, list) else [ks]):
            cid = k.get("kafka.correlation_id")
            if cid is None:
                continue
            res[(stream, "kafka.request_key" in k, int(cid))] = k
    return res


# ---- Wireshark field -> Kafka field name ------------------------------------
TOP = {
    "kafka.consumer_group": "group_id", "kafka.member_id": "member_id",
    "kafka.generation_id": "generation_id", "kafka.error": "error_code",
    "kafka.throttle_time": "throttle_time_ms", "kafka.session_timeout": "session_timeout_ms",
    "kafka.rebalance_timeout": "rebalance_timeout_ms", "kafka.protocol_type": "protocol_type",
    "kafka.protocol_name": "protocol_name", "kafka.group_leader_id": "leader",
    "kafka.consumer_group_instance": "group_instance_id", "kafka.coordinator_key": "key",
    "kafka.coordinator_type": "key_type", "kafka.cluster_id": "cluster_id",
    "kafka.retention_time": "retention_time_ms", "kafka.require_stable_offset": "require_stable",
    "kafka.allow_auto_topic_creation": "allow_auto_topic_creation",
    "kafka.client_software_name": "client_software_name",
    "kafka.client_software_version": "client_software_version",
    "kafka.include_cluster_authorized_ops": "include_cluster_authorized_operations",
    "kafka.include_topic_authorized_ops": "include_topic_authorized_operations",
}
TOP_BY_API = {
    10: {"kafka.node_id": "node_id", "kafka.host": "host", "kafka.port": "port"},
    3: {"kafka.node_id": "controller_id"},
    8: {"kafka.generation_id": "generation_id_or_member_epoch"},
}
BOOL_FIELDS = {"require_stable", "allow_auto_topic_creation", "include_cluster_authorized_operations",
               "include_topic_authorized_operations", "is_internal"}
INT_FIELDS = {"generation_id", "error_code", "throttle_time_ms", "session_timeout_ms",
              "rebalance_timeout_ms", "key_type", "retention_time_ms", "node_id", "port",
              "controller_id", "generation_id_or_member_epoch", "partition_index",
              "committed_offset", "committed_leader_epoch", "leader_id"}
# first-element maps: (subtree-label prefix, array path, {ws field: kafka name})
PART_COMMON = {"kafka.partition_id": "partition_index", "kafka.offset": "committed_offset",
               "kafka.error": "error_code", "kafka.leader_epoch": "committed_leader_epoch"}
ARRAYS = {
    (3, True): [("Topics", "topics", {"kafka.topic_name": "name"})],
    (3, False): [("Broker Metadata", "brokers", {"kafka.node_id": "node_id", "kafka.host": "host",
                                                 "kafka.port": "port", "kafka.rack": "rack"}),
                 ("Topic Metadata", "topics", {"kafka.topic_name": "name", "kafka.error": "error_code"})],
    (8, True): [("Topics", "topics", {"kafka.topic_name": "name"})],
    (8, False): [("Topics", "topics", {"kafka.topic_name": "name"})],
    (9, True): [("Topics", "topics", {"kafka.topic_name": "name"})],
    (9, False): [("Topics", "topics", {"kafka.topic_name": "name"})],
    (11, True): [("Group Protocols", "protocols", {"kafka.protocol_name": "name"})],
    (11, False): [("Members", "members", {"kafka.member_id": "member_id",
                                          "kafka.consumer_group_instance": "group_instance_id"})],
    (14, True): [("Group Assignments", "assignments", {"kafka.member_id": "member_id"})],
}


def conv(name, v):
    if isinstance(v, list):
        return None  # repeated field: ambiguous, skip
    if v == "[ Null ]":
        return "null"
    if name in BOOL_FIELDS:
        return {"1": True, "0": False, "True": True, "False": False}.get(v, "skip")
    if name in INT_FIELDS:
        try:
            return int(v)
        except ValueError:
            return "skip"
    return v


def put(expects, path, name, raw):
    v = conv(name, raw)
    if v is None or v == "skip":
        return
    expects.append((path, None if v == "null" else v))


def first_child(tree):
    for k, v in tree.items():
        if isinstance(v, dict):
            return v
    return None


def ws_expects(api, ver, is_req, k):
    out = []
    if any("version_tree" in key and "kafka.unsupported_api_version" in json.dumps(val)
           for key, val in k.items()):
        return out  # Wireshark 4.0 does not know this version: its fields may be wrong
    malformed = "_ws.malformed" in k
    top = dict(TOP)
    top.update(TOP_BY_API.get(api, {}))
    for key, val in k.items():
        if isinstance(val, dict):
            if malformed:
                break
            continue
        if key == "kafka.include_cluster_authorized_ops" and not 8 <= ver <= 10:
            continue  # Wireshark shows it for every version >= 8
        if key in top:
            put(out, top[key], top[key], val)
    if malformed:
        return out
    for label, path, fields in ARRAYS.get((api, is_req), []):
        direct = [v for kk, v in k.items()
                  if label == "Topics" and (kk == "Topic" or kk.startswith("Topic ("))]
        if direct and not any(kk.startswith("Topics") for kk in k):
            # Wireshark puts some topic arrays' elements directly under the message
            el = direct[0][0] if isinstance(direct[0], list) else direct[0]
        else:
            tree = next((v for kk, v in k.items() if kk.startswith(label) and isinstance(v, dict)), None)
            el = first_child(tree) if tree else None
        if not el:
            continue
        for wf, name in fields.items():
            if wf in el:
                put(out, "%s[0].%s" % (path, name), name, el[wf])
        if api in (8, 9) and path == "topics":
            if is_req and api == 9:
                pids = el.get("kafka.partition_id")
                pids = pids if isinstance(pids, list) else ([pids] if pids is not None else [])
                for i, p in enumerate(pids):
                    out.append(("topics[0].partition_indexes[%d]" % i, int(p)))
            else:
                part = first_child(el)
                if part:
                    pf = dict(PART_COMMON)
                    if api == 8 and is_req:
                        pf["kafka.metadata"] = "committed_metadata"
                    if api == 8 and not is_req:
                        pf.pop("kafka.offset")
                    if api == 9:
                        pf["kafka.metadata"] = "metadata"
                    for wf, name in pf.items():
                        if wf in part:
                            put(out, "topics[0].partitions[0].%s" % name, name, part[wf])
    return out


# ---- embedded consumer-protocol blobs -----------------------------------------
class Reader(object):
    def __init__(self, b, p=0):
        self.b, self.p = b, p

    def i16(self):
        self.p += 2
        return struct.unpack(">h", self.b[self.p - 2:self.p])[0]

    def i32(self):
        self.p += 4
        return struct.unpack(">i", self.b[self.p - 4:self.p])[0]

    def string(self):
        n = self.i16()
        if n < 0:
            return None
        self.p += n
        return self.b[self.p - n:self.p].decode()

    def bytes_(self):
        n = self.i32()
        if n < 0:
            return None
        self.p += n
        return self.b[self.p - n:self.p]


def skip_req_header_v1(b):
    r = Reader(b, 8)
    r.string()
    return r


def joingroup_v5_protocols(frame):
    """JoinGroup v1-v5 (non-flexible) request -> [(name, metadata)]."""
    r = skip_req_header_v1(frame)
    r.string(); r.i32(); r.i32(); r.string(); r.string(); r.string()
    return [(r.string(), r.bytes_()) for _ in range(r.i32())]


def syncgroup_v3_assignments(frame):
    r = skip_req_header_v1(frame)
    r.string(); r.i32(); r.string(); r.string()
    return [(r.string(), r.bytes_()) for _ in range(r.i32())]


def read_subscription(blob):
    r = Reader(blob)
    v = r.i16()
    d = collections.OrderedDict()
    d["topics"] = [r.string() for _ in range(r.i32())]
    d["user_data"] = r.bytes_()
    if v >= 1:
        d["owned_partitions"] = [{"topic": r.string(), "partitions": [r.i32() for _ in range(r.i32())]}
                                 for _ in range(r.i32())]
    if v >= 2:
        d["generation_id"] = r.i32()
    if v >= 3:
        d["rack_id"] = r.string()
    assert r.p == len(blob), "trailing bytes in subscription"
    return v, d


def read_assignment(blob):
    r = Reader(blob)
    v = r.i16()
    d = collections.OrderedDict()
    d["assigned_partitions"] = [{"topic": r.string(), "partitions": [r.i32() for _ in range(r.i32())]}
                                for _ in range(r.i32())]
    d["user_data"] = r.bytes_()
    assert r.p == len(blob), "trailing bytes in assignment"
    return v, d


# ---- main ---------------------------------------------------------------------
def stream_clients(frames):
    """stream -> (label, short) of the client that opened it."""
    res = {}
    for (stream, d), fr in frames.items():
        if d != "req" or not fr:
            continue
        label, short = "@platformatic/kafka (node/drive_mock.js)", "platformatic"
        for f in fr:
            key, ver = struct.unpack(">hh", f[:4])
            if key == 18 and ver >= 3:
                r = Reader(f, 8)
                client_id = r.string()
                r.p += 1  # header tag buffer (count 0)
                n = f[r.p] - 1
                name = f[r.p + 1:r.p + 1 + n].decode()
                m = f[r.p + 1 + n] - 1
                sver = f[r.p + 2 + n:r.p + 2 + n + m].decode()
                rdver = sver.split("rdkafka-")[-1]
                label = "librdkafka %s client (%s %s, client.id %s)" % (rdver, name, sver, client_id)
                short = "librdkafka-" + rdver
                break
        res[stream] = (label, short)
    return res


def extract(work, session):
    pcap = os.path.join(work, session + ".pcapng")
    port = int(open(os.path.join(work, session + ".port")).read())
    frames = read_frames(pcap, port)
    diss = read_dissections(pcap, port)
    clients = stream_clients(frames)
    written = set()
    count = 0
    for stream in sorted(clients):
        label, short = clients[stream]
        reqs = {}
        for f in frames.get((stream, "req"), []):
            key, ver, cid = struct.unpack(">hhi", f[:8])
            reqs[cid] = (key, ver, f)
        resps = {struct.unpack(">i", f[:4])[0]: f for f in frames.get((stream, "resp"), [])}
        for cid, (key, ver, req) in sorted(reqs.items()):
            if key not in API_NAMES or key not in SESSION_APIS.get(session, API_NAMES):
                continue
            api = API_NAMES[key]
            # request vector (librdkafka clients only; platformatic's requests
            # come from node/generate.js)
            if short != "platformatic":
                name = "%s_request_v%d_%s" % (api, ver, short)
                if name not in written:
                    written.add(name)
                    exp = [("header.correlation_id", cid), ("header.client_id", Reader(req, 8).string())]
                    exp += ws_expects(key, ver, True, diss.get((stream, True, cid), {}))
                    exp += DRIVEN.get((session, key, True), [])
                    write_golden(name, "%s request, captured (tshark) against the %s" % (label, SESSIONS[session]),
                                 api, "request", ver, req, exp)
                    count += 1
                if key == 11 and ver <= 5:
                    for pname, md in joingroup_v5_protocols(req):
                        v, d = read_subscription(md)
                        ename = "ConsumerProtocolSubscription_embedded_v%d_%s" % (v, short)
                        if ename not in written:
                            written.add(ename)
                            write_golden(ename, "%s, protocol %s metadata of its JoinGroup v%d request, captured against the %s"
                                         % (label, pname, ver, SESSIONS[session]),
                                         "ConsumerProtocolSubscription", "embedded", v, md, flatten("", d))
                            count += 1
                if key == 14 and ver <= 3:
                    for mid, blob in syncgroup_v3_assignments(req):
                        v, d = read_assignment(blob)
                        ename = "ConsumerProtocolAssignment_embedded_v%d_%s" % (v, short)
                        if ename not in written:
                            written.add(ename)
                            write_golden(ename, "%s, assignment in its SyncGroup v%d request (as group leader), captured against the %s"
                                         % (label, ver, SESSIONS[session]),
                                         "ConsumerProtocolAssignment", "embedded", v, blob, flatten("", d))
                            count += 1
            resp = resps.get(cid)
            if resp is None:
                continue
            if key == 18 and ver > MOCK_MAX_APIVERSIONS:
                continue  # malformed UNSUPPORTED_VERSION answer, see module docstring
            note = ""
            name = "%s_response_v%d_rdkafka-mock-%s" % (api, ver, SESSION_SHORT[session])
            if key == 3 and ver >= FLEX_FROM[key]:
                # The mock's Metadata handler writes the top-level tag buffer and
                # then send_response() appends another one.
                name += "-trailing-byte"
                note = ("; NOTE: 1 stray trailing byte (0x00) after the body: the mock writes "
                        "the top-level tag buffer twice")
            if name in written:
                continue
            written.add(name)
            exp = [("header.correlation_id", cid)]
            exp += ws_expects(key, ver, False, diss.get((stream, False, cid), {}))
            exp += DRIVEN.get((session, key, False), [])
            hdr = "v1" if (ver >= FLEX_FROM[key] and key != 18) else "v0"
            write_golden(name, "%s response (response header %s) to a %s request, captured (tshark)"
                         % (SESSIONS[session], hdr, label.split(" (")[0]) + note,
                         api, "response", ver, resp, exp)
            count += 1
    return count


def main():
    work = sys.argv[1]
    total = 0
    for session in sys.argv[2:] or ("mock202", "mock215", "mock215kip848"):
        if os.path.exists(os.path.join(work, session + ".port")):
            n = extract(work, session)
            print("%s: %d vectors" % (session, n))
            total += n
    return 0 if total else 1


if __name__ == "__main__":
    sys.exit(main())
