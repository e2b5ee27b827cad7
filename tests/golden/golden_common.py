"""Shared helper for the golden-vector generator scripts: writes .golden files.

File format (one vector per file), see README.md:
    source: ...
    api: ...
    direction: request|response|embedded
    version: N
    hex: <frame without the 4-byte size prefix>
    expect: <path> = <value>
"""
import os

VECTOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors")


class Uuid(object):
    """Marks a 16-byte value that must be written as 32 lowercase hex chars."""

    def __init__(self, raw):
        assert len(raw) == 16
        self.raw = raw


def fmt_value(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Uuid):
        return v.raw.hex()
    if isinstance(v, (bytes, bytearray)):
        return "hex:" + bytes(v).hex()
    if isinstance(v, str):
        assert "\n" not in v and not v.startswith(" "), repr(v)
        return v
    raise TypeError("unsupported expect value %r" % (v,))


def write_golden(name, source, api, direction, version, frame, expects):
    """name: file stem, e.g. JoinGroup_request_v2_kafka-python."""
    assert direction in ("request", "response", "embedded")
    lines = [
        "source: %s" % source,
        "api: %s" % api,
        "direction: %s" % direction,
        "version: %d" % version,
        "hex: %s" % bytes(frame).hex(),
    ]
    seen = set()
    for path, value in expects:
        assert path not in seen, "duplicate expect path %s in %s" % (path, name)
        seen.add(path)
        lines.append("expect: %s = %s" % (path, fmt_value(value)))
    os.makedirs(VECTOR_DIR, exist_ok=True)
    path = os.path.join(VECTOR_DIR, name + ".golden")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def flatten(prefix, value):
    """Turns nested python data (dicts keep insertion order, lists become
    name[i]) into (path, value) expect pairs. bytes/Uuid/None/scalars are
    leaves."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(flatten(prefix + "." + k if prefix else k, v))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(flatten("%s[%d]" % (prefix, i), v))
    else:
        out.append((prefix, value))
    return out
