"""Kafka's partitionFor for group ids: which group partition (and so which coordinator) a group
belongs to."""


def partition_of(group: str, partitions: int) -> int:
    """abs(String.hashCode) % partitions, for an ASCII group id (Java hashes UTF-16 code units,
    which are the characters themselves there); Utils.abs(Integer.MIN_VALUE) is 0."""
    h = 0
    for c in group:
        h = (31 * h + ord(c)) & 0xFFFFFFFF
    h = h - (1 << 32) if h >= 1 << 31 else h
    return 0 if h == -(1 << 31) else abs(h) % partitions
