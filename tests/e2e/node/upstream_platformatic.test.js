// @platformatic/kafka 1.35.0 through a gateway in upstream mode: the records live in librdkafka's
// mock cluster (groupwire-dev-upstream, 3 brokers), the groups in the coordinator.
//
// @platformatic/kafka only speaks the newest API versions: Produce 7-11, Fetch 12-17,
// ListOffsets 5-9, JoinGroup 6-9, SyncGroup 4-5, Heartbeat 4, LeaveGroup 4-5, OffsetCommit 8-9,
// OffsetFetch 8-9, FindCoordinator 4-6, Metadata 9-12, ApiVersions 3-4. librdkafka 2.0.2's mock
// serves Fetch 0-11, Metadata 0-2 (no topic ids) and ListOffsets 0-5, answering v4-5 malformed
// (an int64 leader epoch). So the gateway translates: it gives topics ids in Metadata, and the
// client's Fetch v13 (topics by id) and ListOffsets v5 reach the mock as Fetch v11 and
// ListOffsets v3 (gateway/upstream/version_translation.h). Asserted:
//   - N records per partition produced with its Producer (Produce v7) get the right offsets;
//   - two consumers of one group (consume(), mode 'committed') split the 6 partitions (disjoint,
//     covering all) and consume every record exactly once between them;
//   - both commit (OffsetCommit v9), read back with listCommittedOffsets (OffsetFetch v9);
//   - one closes (LeaveGroup v5, logged by the coordinator) and the other gets every partition
//     and consumes the next batch and nothing else; it commits further and closes;
//   - a consumer started later resumes from the committed offsets: it consumes the last batch
//     only;
//   - Admin lists (once), describes and deletes the group (refused while it has a member);
//   - no client error, no request the gateway refuses, and every connection the client opens
//     goes to a gateway listener, never to a mock broker.
// Run with `node --test upstream_platformatic.test.js` in this directory, with
// GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY and GROUPWIRE_COORDINATOR set (ctest does).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');

const { notInstalled, waitUntil } = require('./group_processes');
const { useUpstreamCluster, connectionProblems, same, key, startTwoMembers } =
  require('./upstream_processes');

const TOPIC = 'platformatic-orders';
const PARTITIONS = 6;
const N = 5;
const ALL = [...Array(PARTITIONS).keys()];
const DEADLINE_MS = 45000; // generous for a loaded machine; expected waits are ~1 s

let pk;
let cluster;
let watch;

const loadClient = async () => {
  try {
    pk = await import('@platformatic/kafka');
  } catch (err) {
    throw notInstalled('@platformatic/kafka', err);
  }
};
useUpstreamCluster({ [TOPIC]: PARTITIONS }, (c, w) => { [cluster, watch] = [c, w]; }, loadClient);

// An error (with the errors an AggregateError holds) or a value, as one line.
const text = (e) => `${e?.name}: ${e?.message} ${JSON.stringify({ ...e, stack: undefined },
  (k, v) => (typeof v === 'bigint' ? String(v) : v))}` +
  (Array.isArray(e?.errors) ? ` [${e.errors.map(text).join('; ')}]` : '');

const until = (condition, what, diag, timeoutMs = DEADLINE_MS) =>
  waitUntil(cluster, condition, what, diag, timeoutMs);

// A member of the group: consume() joins it and streams from the committed offsets (the
// earliest where none is committed); its records and errors are recorded.
async function startMember(name, groupId) {
  const consumer = new pk.Consumer({
    groupId,
    clientId: `platformatic-${name}`,
    bootstrapBrokers: [cluster.bootstrap],
    deserializers: pk.stringDeserializers,
    sessionTimeout: 4000,
    heartbeatInterval: 300,
    rebalanceTimeout: 10000,
    maxWaitTime: 100,
    retries: 5,
    retryDelay: 100,
  });
  const tracked = { name, consumer, joins: [], errors: [], records: [] };
  consumer.on('consumer:group:join', (e) => tracked.joins.push(e));
  consumer.on('error', (e) => tracked.errors.push(`consumer: ${text(e)}`));
  tracked.stream = await consumer.consume({
    topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: false,
  });
  tracked.stream.on('data', (m) => tracked.records.push({
    topic: m.topic, partition: m.partition, offset: Number(m.offset), value: m.value,
  }));
  tracked.stream.on('error', (e) => tracked.errors.push(`stream: ${text(e)}`));
  return tracked;
}

// Closes the member's stream, then the member: it leaves the group.
async function stopMember(tracked) {
  await tracked.stream.close();
  await tracked.consumer.close();
}

const latest = (t) => t.joins[t.joins.length - 1];
const assigned = (t) => [...(latest(t)?.assignments ?? [])
  .filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions)].sort((a, b) => a - b);

function diagnostics(...tracked) {
  return tracked.map((t) => `-- ${t.name} joins: ${JSON.stringify(t.joins)}\n` +
    `-- ${t.name} errors: ${t.errors.join('\n')}\n` +
    `-- ${t.name} records: ${t.records.map(key).join(' ')}`).join('\n') + '\n' + cluster.logs();
}

async function produceBatch(producer, batch) {
  const first = (batch - 1) * N;
  const messages = ALL.flatMap((partition) => [...Array(N).keys()].map((i) => ({
    topic: TOPIC, partition, value: `platformatic-b${batch}-p${partition}-r${i}`,
  })));
  const result = await producer.send({ messages, acks: -1 });
  const firstOffsets = Object.fromEntries(result.offsets.map((o) => [o.partition, Number(o.offset)]));
  assert.deepEqual(firstOffsets, Object.fromEntries(ALL.map((p) => [p, first])),
    `offsets reported by the producer: ${text(result)}`);
  const expected = {};
  for (const p of ALL) {
    messages.filter((m) => m.partition === p).forEach((m, i) => {
      expected[key({ topic: TOPIC, partition: p, offset: first + i })] = m.value;
    });
  }
  return expected;
}

// `members` ([tracked, index to count from]) consume exactly `expected`, each record once.
async function checkConsumed(members, expected, what, diag) {
  const pairs = () => members.flatMap(([t, from]) => t.records.slice(from));
  const errors = () => members.flatMap(([t]) => t.errors);
  await until(() => {
    if (errors().length) throw new Error(`${what}: the client failed:\n${errors().join('\n')}`);
    const got = Object.fromEntries(pairs().map((r) => [key(r), r.value]));
    return Object.entries(expected).every(([k, v]) => got[k] === v);
  }, what, diag);
  const keys = pairs().map(key);
  assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], `${what}: duplicates`);
  assert.deepEqual(Object.fromEntries(pairs().map((r) => [key(r), r.value])), expected, what);
}

const commit = (tracked, partitions, offset) => tracked.consumer.commit({
  offsets: partitions.map((partition) => ({
    topic: TOPIC, partition, offset: BigInt(offset), leaderEpoch: -1,
  })),
});

async function committedBy(consumer) {
  const offsets = await consumer.listCommittedOffsets({
    topics: [{ topic: TOPIC, partitions: ALL }],
  });
  return offsets.get(TOPIC).map(Number);
}

test('@platformatic/kafka over upstream records: produce, split, commit, leave, resume, admin',
  { timeout: 120000 }, async (t) => {
    const groupId = 'platformatic-upstream-group';
    const started = [];
    const diag = () => diagnostics(...started);
    const closers = [];
    t.after(async () => {
      for (const m of started) await m.consumer.close(true).catch(() => {});
      for (const c of closers) await c().catch(() => {});
    });
    const producer = new pk.Producer({
      clientId: 'platformatic-producer',
      bootstrapBrokers: [cluster.bootstrap],
      serializers: pk.stringSerializers,
      autocreateTopics: false,
    });
    closers.push(() => producer.close());
    const admin = new pk.Admin({ clientId: 'platformatic-admin', bootstrapBrokers: [cluster.bootstrap] });
    closers.push(() => admin.close());

    const [first, second, pa, pb] = await startTwoMembers({ startMember, assigned,
      generation: (t) => latest(t).generationId, groupId, partitions: PARTITIONS, started, until,
      diag });
    assert.deepEqual([pa.length, pb.length].sort(), [3, 3], diag());

    const batch1 = await produceBatch(producer, 1);
    await checkConsumed([[first, 0], [second, 0]], batch1, 'batch 1', diag);
    assert.ok(first.records.every((r) => pa.includes(r.partition)), diag());
    assert.ok(second.records.every((r) => pb.includes(r.partition)), diag());

    // Both commit.
    await commit(first, pa, N);
    await commit(second, pb, N);
    assert.deepEqual(await committedBy(first.consumer), ALL.map(() => N), diag());

    // The second leaves; the first gets every partition.
    const leaver = latest(second).memberId;
    const joinsBefore = first.joins.length;
    const recordsBefore = first.records.length;
    const mark = cluster.coordinator.mark();
    await stopMember(second);
    started.splice(started.indexOf(second), 1);
    await cluster.coordinator.waitForLine(
      new RegExp(`group ${groupId}: member ${leaver} leaves`), DEADLINE_MS, mark);
    await until(() => first.joins.length > joinsBefore && same(assigned(first), ALL),
      'the survivor to get every partition', diag);
    assert.ok(!cluster.coordinator.lines.slice(mark).some((l) => / expired: /.test(l)), diag());
    const batch2 = await produceBatch(producer, 2);
    await checkConsumed([[first, recordsBefore]], batch2, 'the survivor', diag);
    await commit(first, ALL, 2 * N);
    await stopMember(first);
    started.splice(started.indexOf(first), 1);

    // A member started later finds the committed offsets to resume from.
    const batch3 = await produceBatch(producer, 3);
    const late = await startMember('late', groupId);
    started.push(late);
    await until(() => same(assigned(late), ALL), 'the late member to get every partition', diag);
    assert.deepEqual(await committedBy(late.consumer), ALL.map(() => 2 * N), diag());
    await checkConsumed([[late, 0]], batch3, 'the late member', diag);
    await commit(late, ALL, 3 * N);

    // Admin: list, describe, no delete while a member is in.
    const listed = await admin.listGroups();
    assert.deepEqual(listed.get(groupId),
      { id: groupId, state: 'STABLE', groupType: 'classic', protocolType: 'consumer' });
    const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId);
    assert.deepEqual([described.id, described.state, described.protocolType],
      [groupId, 'STABLE', 'consumer']);
    assert.deepEqual([...described.members.keys()], [latest(late).memberId]);
    const member = described.members.get(latest(late).memberId);
    assert.equal(member.clientId, 'platformatic-late');
    assert.deepEqual([...(member.assignments?.get(TOPIC)?.partitions ?? [])].sort((a, b) => a - b),
      ALL, text(member));
    await assert.rejects(admin.deleteGroups({ groups: [groupId] }), (err) => {
      assert.match(text(err), /NON_EMPTY_GROUP|non.?empty/i);
      return true;
    });

    await stopMember(late);
    started.splice(started.indexOf(late), 1);
    await until(async () => (await admin.describeGroups({ groups: [groupId] })).get(groupId)
      ?.state === 'EMPTY', 'the group to become Empty', diag);
    const [{ topics }] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
    assert.deepEqual(topics.map((tp) => [tp.name,
      tp.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)])]),
    [[TOPIC, ALL.map((p) => [p, 3 * N])]]);
    await admin.deleteGroups({ groups: [groupId] });
    assert.ok(!(await admin.listGroups()).has(groupId));
    assert.equal((await admin.describeGroups({ groups: [groupId] })).get(groupId)?.state, 'DEAD');

    assert.deepEqual([first, second, late].flatMap((m) => m.errors), [], diag());

    assert.deepEqual(connectionProblems(cluster, watch.seen), [], diag());
    assert.ok(watch.seen.length > 0);
    assert.deepEqual(cluster.refusedRequests(), [], diag());
  });
