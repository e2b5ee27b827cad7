// The consumer group protocol (KIP-848: ConsumerGroupHeartbeat, ConsumerGroupDescribe) with real
// clients, through TWO gateways in upstream mode sharing one coordinator (records in librdkafka's
// mock cluster, groups in the coordinator, which heartbeats members every 500 ms here).
//
// @confluentinc/kafka-javascript 1.10.1 (librdkafka 2.15.1, its KafkaJS-compatible API) with
// 'group.protocol': 'consumer' (librdkafka then refuses session.timeout.ms, heartbeat.interval.ms
// and partition.assignment.strategy: the coordinator decides them). Asserted:
//   - two members (gateway 1) split the 6 partitions 3/3 and consume a batch exactly once, each
//     from its own partitions; each commits (OffsetCommit with its member epoch) and reads the
//     commit back at once with committed();
//   - admin describeGroups (librdkafka sends ConsumerGroupDescribe first) reports a consumer
//     group, Stable, assignor "uniform", each member with its partitions and its target; and
//     listGroups lists it once as a consumer group;
//   - a third member joins through gateway 2: the three hold 2 each, and neither first member is
//     ever revoked a partition it keeps (librdkafka assigns incrementally under KIP-848: its
//     rebalance callback only sees what changes); the newcomer starts at the commits, reading
//     the next batch and nothing before it;
//   - one disconnects (a leave heartbeat, logged by the coordinator): the other two are given
//     its partitions with no revocation, and resume them at its commits;
//   - with every member gone a new member resumes from the committed offsets: committed() gives
//     them before it commits, and it reads only what came after them; the group ends Empty with
//     the last commit.
// @platformatic/kafka 1.35.0 (groupProtocol: 'consumer'): two members through different gateways
// split a topic, consume it, commit and read the commits back; when one closes the other is given
// every partition; a later member resumes from the commits. Its admin client has no
// ConsumerGroupDescribe, so the describing is librdkafka's only.
// A classic librdkafka consumer joining a consumer group that has members becomes a classic member
// of it (the group is migrating): the two share the partitions; when the consumer-protocol member
// leaves, the group is classic again and the classic member is given every partition.
// Throughout: no client logs an error or a warning, the gateways refuse no
// request, and every connection goes to a gateway listener, never to a mock broker.
// Run with `node --test consumer_protocol.test.js` in this directory, with GROUPWIRE_DEV_UPSTREAM,
// GROUPWIRE_GATEWAY and GROUPWIRE_COORDINATOR set (ctest does).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { collectingLogger, logText, loggedConnections } = require('./client_log');

const { notInstalled, waitUntil } = require('./group_processes');
const { useUpstreamCluster, connectionProblems, same, key, waitForRecords, assertExactly } =
  require('./upstream_processes');

const CK_TOPIC = 'cgp-confluent';
const PK_TOPIC = 'cgp-platformatic';
const CK_ALL = [0, 1, 2, 3, 4, 5];
const PK_ALL = [0, 1, 2, 3];
const N = 5; // records per partition and batch
const DEADLINE_MS = 20000; // generous for a loaded machine; expected waits are ~1 s
// Members heartbeat every 500 ms; one silent for 6 s is fenced.
const CONSUMER_PROTOCOL =
  ['--consumer-heartbeat-interval-ms', '500', '--consumer-session-timeout-ms', '6000'];

let ckjs;
let pk;
let cluster;
let watch;
const clientLog = []; // {clientId, level, fac, message} of every librdkafka client

const loadClients = async () => {
  try {
    ckjs = require('@confluentinc/kafka-javascript').KafkaJS;
  } catch (err) {
    throw notInstalled('@confluentinc/kafka-javascript', err);
  }
  try {
    pk = await import('@platformatic/kafka');
  } catch (err) {
    throw notInstalled('@platformatic/kafka', err);
  }
};

// A gateway leaves ConsumerGroupHeartbeat out of ApiVersions until it has learnt from the
// coordinator that it serves the consumer protocol; a client connecting earlier would take the
// protocol for unsupported.
const awaitConsumerProtocol = (c) => Promise.all(c.gateways.map((g) =>
  g.waitForLine(/coordinators serve the consumer group protocol/, DEADLINE_MS)));

useUpstreamCluster({ [CK_TOPIC]: CK_ALL.length, [PK_TOPIC]: PK_ALL.length }, async (c, w) => {
  [cluster, watch] = [c, w];
  await awaitConsumerProtocol(c);
}, loadClients, { gateways: 2, coordinatorFlags: CONSUMER_PROTOCOL });

const until = (condition, what, diag, timeoutMs = DEADLINE_MS) =>
  waitUntil(cluster, condition, what, diag, timeoutMs);
const sorted = (partitions) => [...partitions].sort((a, b) => a - b);
// librdkafka's member ids are base64 ('+' and '/' among them).
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- @confluentinc/kafka-javascript -----------------------------------------------------------


// `broker` logs every connection librdkafka opens; `cgrp` its heartbeats, for diagnostics.
const makeKafka = (clientId, bootstrap) => new ckjs.Kafka({
  kafkaJS: { brokers: [bootstrap], clientId, logger: collectingLogger(clientLog, clientId) },
  debug: 'broker,cgrp',
});

const problemsOf = (clientIds) => clientLog.filter((l) =>
  (l.level === 'error' || l.level === 'warn') && clientIds.includes(l.clientId)).map(logText);

function diagnostics(tracked) {
  const members = tracked.map((t) => `-- ${t.name}: rebalances ${JSON.stringify(t.rebalances)}` +
    `\n   records ${t.records.map(key).join(' ')}`);
  const interesting = clientLog.filter((l) => l.level !== 'debug' ||
    /ConsumerGroupHeartbeat|HEARTBEAT|assignment|JoinGroup/i.test(`${l.fac} ${l.message}`));
  return `${members.join('\n')}\n-- client log (last lines):\n` +
    `${interesting.slice(-80).map(logText).join('\n')}\n${cluster.logs()}`;
}

// A consumer-protocol member of `groupId` reading CK_TOPIC (from the earliest offset where none
// is committed) through `bootstrap`; its rebalance events and records are recorded.
async function startMember(name, groupId, bootstrap) {
  const tracked = { name, clientId: `cgp-${name}`, rebalances: [], records: [] };
  tracked.consumer = makeKafka(tracked.clientId, bootstrap).consumer({
    'group.protocol': 'consumer',
    kafkaJS: { groupId, autoCommit: false, fromBeginning: true, maxWaitTimeInMs: 100 },
    // Only records the event (a block: a value returned would replace the assignment).
    rebalance_cb: (err, assignment, fns) => {
      tracked.rebalances.push({
        event: err.code === ckjs.ErrorCodes.ERR__ASSIGN_PARTITIONS ? 'assign' : 'revoke',
        partitions: sorted(assignment.map((tp) => tp.partition)),
        lost: fns.assignmentLost(),
      });
    },
  });
  await tracked.consumer.connect();
  await tracked.consumer.subscribe({ topics: [CK_TOPIC] });
  await tracked.consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      tracked.records.push({ topic, partition, offset: Number(message.offset),
        value: message.value.toString() });
    },
  });
  return tracked;
}

const assigned = (t) => sorted(t.consumer.assignment().filter((tp) => tp.topic === CK_TOPIC)
  .map((tp) => tp.partition));

// The members' partitions (`held`) once they hold `sizes` of them (in order) covering `all`;
// else null. The sizes adding up to the partition count, covering means disjoint.
const splitAs = (held, sizes, all) =>
  (held.every((h, i) => h.length === sizes[i]) && same(sorted(new Set(held.flat())), all)
    ? held : null);
const split = (members, sizes) => splitAs(members.map(assigned), sizes, CK_ALL);

// Partitions revoked from `t` since its rebalance event number `from`.
const revokedSince = (t, from) =>
  t.rebalances.slice(from).filter((e) => e.event === 'revoke').flatMap((e) => e.partitions);

// Batch number `batch` of N records for each of `partitions` of a fresh topic: its messages
// ({partition, value}), the offset the first of each partition gets, and {key: value} with the
// offsets every record must get.
function batchOf(topic, partitions, batch) {
  const first = (batch - 1) * N;
  const expected = {};
  const messages = partitions.flatMap((partition) => [...Array(N).keys()].map((i) => {
    const value = `${topic}-b${batch}-p${partition}-r${i}`;
    expected[key({ topic, partition, offset: first + i })] = value;
    return { partition, value };
  }));
  return { messages, first, expected };
}

async function produceBatch(producer, batch) {
  const { messages, first, expected } = batchOf(CK_TOPIC, CK_ALL, batch);
  const metadata = await producer.send({ topic: CK_TOPIC, messages });
  assert.deepEqual(metadata.map((m) => [m.partition, m.errorCode, m.baseOffset])
    .sort((a, b) => a[0] - b[0]), CK_ALL.map((p) => [p, 0, String(first)]));
  return expected;
}

// Each record of `pairs` ({member, record}) was read by the member holding its partition
// (`owners`: [member, partitions]).
function assertFromOwn(pairs, owners, diag) {
  const outside = pairs.filter(({ member, record }) =>
    !owners.find(([m]) => m === member)[1].includes(record.partition));
  assert.deepEqual(outside.map(({ member, record }) => `${member.name} read ${key(record)}`), [],
    `records read outside the reader's partitions\n${diag()}`);
}

const byPartition = (partitions, offset) =>
  Object.fromEntries(partitions.map((p) => [p, offset]));

// Commits `offset` on the member's partitions, reads them back with committed() and asserts the
// two agree.
async function commitAndReadBack(member, partitions, offset, diag) {
  await member.consumer.commitOffsets(partitions.map((partition) =>
    ({ topic: CK_TOPIC, partition, offset: String(offset) })));
  assert.deepEqual(await committedBy(member, partitions), byPartition(partitions, offset),
    `${member.name}: committed() right after committing ${offset}\n${diag()}`);
}

async function committedBy(member, partitions) {
  const read = await member.consumer.committed(partitions.map((partition) =>
    ({ topic: CK_TOPIC, partition })));
  return Object.fromEntries(read.map((tp) => [tp.partition, tp.offset && Number(tp.offset)]));
}

const describeGroup = async (admin, groupId) => (await admin.describeGroups([groupId])).groups[0];
const partitionsIn = (a) => sorted((a?.topicPartitions ?? [])
  .filter((tp) => tp.topic === CK_TOPIC).map((tp) => tp.partition));
// [clientId, partitions, target partitions] of each member, by client id.
const describedMembers = (group) => group.members
  .map((m) => [m.clientId, partitionsIn(m.assignment), partitionsIn(m.targetAssignment)])
  .sort((a, b) => a[0].localeCompare(b[0]));

// Waits for the group to be described Stable with `members` ([tracked, partitions]) as its
// members, each with those partitions as its assignment and its target.
async function untilDescribed(admin, groupId, members, diag) {
  const want = members.map(([t, partitions]) => [t.clientId, partitions, partitions])
    .sort((a, b) => a[0].localeCompare(b[0]));
  let last;
  return until(async () => {
    last = await describeGroup(admin, groupId);
    return last.state === ckjs.ConsumerGroupStates.STABLE && same(describedMembers(last), want)
      ? last : null;
  }, `the group described Stable with ${JSON.stringify(want)}`,
  () => `last described: ${JSON.stringify(last)}\n${diag()}`);
}

test('@confluentinc/kafka-javascript with group.protocol=consumer through two gateways: split, ' +
  'incremental rebalances, commits, describe, leave, resume', { timeout: 90000 }, async (t) => {
  const groupId = 'cgp-confluent-group';
  const [g1, g2] = cluster.bootstraps;
  const started = [];
  const diag = () => diagnostics(started);
  const cleanups = [];
  t.after(async () => {
    for (const m of started) await m.consumer.disconnect().catch(() => {});
    for (const f of cleanups) await f().catch(() => {});
  });
  const leave = async (member) => {
    await member.consumer.disconnect();
    started.splice(started.indexOf(member), 1);
  };
  const producer = makeKafka('cgp-producer', g1).producer({ kafkaJS: { acks: -1 } });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  const admin = makeKafka('cgp-admin', g1).admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());

  // Two members through gateway 1: 3 partitions each.
  const first = await startMember('first', groupId, g1);
  started.push(first);
  await until(() => split([first], [6]), 'the first member alone to hold every partition', diag);
  const second = await startMember('second', groupId, g1);
  started.push(second);
  const [pa, pb] = await until(() => split([first, second], [3, 3]),
    'the two members to hold 3 partitions each', diag);

  // Batch 1, produced after the split (nothing committed before it): exactly once, each member
  // from its own partitions.
  const batch1 = await produceBatch(producer, 1);
  const pairs1 = await waitForRecords(until, [[first, 0], [second, 0]], batch1,
    'the two members to consume batch 1', diag);
  assertExactly(pairs1, batch1, 'batch 1', diag);
  assertFromOwn(pairs1, [[first, pa], [second, pb]], diag);
  await Promise.all([commitAndReadBack(first, pa, N, diag),
    commitAndReadBack(second, pb, N, diag)]);

  // Described through ConsumerGroupDescribe: a consumer group of the uniform assignor.
  const both = await untilDescribed(admin, groupId, [[first, pa], [second, pb]], diag);
  assert.deepEqual([both.type, both.partitionAssignor, both.protocolType],
    [ckjs.ConsumerGroupTypes.CONSUMER, 'uniform', 'consumer'], JSON.stringify(both));
  assert.ok(!both.error, JSON.stringify(both));
  const { groups: listed } = await admin.listGroups();
  assert.deepEqual(listed.filter((g) => g.groupId === groupId).map((g) => [g.type, g.state]),
    [[ckjs.ConsumerGroupTypes.CONSUMER, ckjs.ConsumerGroupStates.STABLE]], JSON.stringify(listed));

  // A third member through gateway 2: 2 each; the first two keep 2 of theirs, never revoked.
  const marks = [first.rebalances.length, second.rebalances.length];
  const recordMarks = [first.records.length, second.records.length];
  const third = await startMember('third', groupId, g2);
  started.push(third);
  const [qa, qb, qc] = await until(() => split([first, second, third], [2, 2, 2]),
    'the three members to hold 2 partitions each', diag);
  for (const [member, before, after, mark] of
    [[first, pa, qa, marks[0]], [second, pb, qb, marks[1]]]) {
    assert.ok(after.every((p) => before.includes(p)),
      `${member.name} held ${before}, now ${after}: not only kept partitions\n${diag()}`);
    assert.deepEqual(revokedSince(member, mark), before.filter((p) => !after.includes(p)),
      `${member.name}: revoked other than what it gave up\n${diag()}`);
  }
  // The newcomer starts at the commits (offset N): it reads batch 2 and nothing of batch 1.
  const batch2 = await produceBatch(producer, 2);
  const pairs2 = await waitForRecords(until,
    [[first, recordMarks[0]], [second, recordMarks[1]], [third, 0]], batch2,
    'the three members to consume batch 2', diag);
  assertExactly(pairs2, batch2, 'batch 2 with three members', diag);
  assertFromOwn(pairs2, [[first, qa], [second, qb], [third, qc]], diag);
  await Promise.all([[first, qa], [second, qb], [third, qc]]
    .map(([m, own]) => commitAndReadBack(m, own, 2 * N, diag)));
  const three = await untilDescribed(admin, groupId,
    [[first, qa], [second, qb], [third, qc]], diag);

  // The second leaves: the others are given its partitions, revoked nothing, and resume them
  // at its commit.
  const leaverId = three.members.find((m) => m.clientId === second.clientId).memberId;
  const stayMarks = [first.rebalances.length, third.rebalances.length];
  const stayRecords = [first.records.length, third.records.length];
  const coordinatorMark = cluster.coordinator.mark();
  await leave(second);
  await cluster.coordinator.waitForLine(
    new RegExp(`\\[GroupId ${groupId}\\] Member ${escapeRegExp(leaverId)} left the consumer ` +
      'group'),
    DEADLINE_MS, coordinatorMark);
  const [ra, rc] = await until(() => split([first, third], [3, 3]),
    'the two remaining members to hold 3 partitions each', diag);
  assert.deepEqual([revokedSince(first, stayMarks[0]), revokedSince(third, stayMarks[1])], [[], []],
    `revocations after the leave\n${diag()}`);
  assert.ok(qa.every((p) => ra.includes(p)) && qc.every((p) => rc.includes(p)), diag());
  const batch3 = await produceBatch(producer, 3);
  const pairs3 = await waitForRecords(until, [[first, stayRecords[0]], [third, stayRecords[1]]],
    batch3, 'the two remaining members to consume batch 3', diag);
  assertExactly(pairs3, batch3, 'batch 3 after the leave', diag);
  assertFromOwn(pairs3, [[first, ra], [third, rc]], diag);
  await Promise.all([commitAndReadBack(first, ra, 3 * N, diag),
    commitAndReadBack(third, rc, 3 * N, diag)]);
  assert.ok(!cluster.coordinator.lines.slice(coordinatorMark).some((l) => /fenced/.test(l)),
    diag());

  // Everyone leaves; a restarted member resumes from the commits.
  await leave(first);
  await leave(third);
  await until(async () => (await describeGroup(admin, groupId)).state ===
    ckjs.ConsumerGroupStates.EMPTY, 'the group to become Empty', diag);
  const batch4 = await produceBatch(producer, 4);
  const restarted = await startMember('restarted', groupId, g2);
  started.push(restarted);
  await until(() => split([restarted], [6]), 'the restarted member to hold every partition', diag);
  assert.deepEqual(await committedBy(restarted, CK_ALL), byPartition(CK_ALL, 3 * N), diag());
  const pairs4 = await waitForRecords(until, [[restarted, 0]], batch4,
    'the restarted member to consume batch 4', diag);
  assertExactly(pairs4, batch4, 'the restarted member', diag);
  await commitAndReadBack(restarted, CK_ALL, 4 * N, diag);
  await untilDescribed(admin, groupId, [[restarted, CK_ALL]], diag);
  await leave(restarted);
  await until(async () => (await describeGroup(admin, groupId)).state ===
    ckjs.ConsumerGroupStates.EMPTY, 'the group to become Empty again', diag);
  const [fetched] = await admin.fetchOffsets({ groupId, topics: [CK_TOPIC] });
  assert.deepEqual(
    Object.fromEntries(fetched.partitions.map((p) => [p.partition, Number(p.offset)])),
    byPartition(CK_ALL, 4 * N));

  assert.deepEqual([first, second, third, restarted].flatMap((m) =>
    m.rebalances.filter((e) => e.lost)), [], `assignments lost\n${diag()}`);
  assert.deepEqual(problemsOf(['cgp-first', 'cgp-second', 'cgp-third', 'cgp-restarted',
    'cgp-producer', 'cgp-admin']), [], diag());
});

test('a classic librdkafka member and a consumer-protocol member share a migrating group',
  { timeout: 60000 }, async (t) => {
    const groupId = 'cgp-mixed-group';
    const started = [];
    const diag = () => diagnostics(started);
    let classic;
    t.after(async () => {
      for (const m of started) await m.consumer.disconnect().catch(() => {});
      await classic?.disconnect().catch(() => {});
    });
    const member = await startMember('member', groupId, cluster.bootstraps[0]);
    started.push(member);
    await until(() => split([member], [6]), 'the member to hold every partition', diag);

    const classicId = 'cgp-classic';
    classic = makeKafka(classicId, cluster.bootstraps[1]).consumer({
      kafkaJS: { groupId, autoCommit: false, fromBeginning: true, sessionTimeout: 6000 },
    });
    const classicAssigned = () => sorted(classic.assignment()
      .filter((tp) => tp.topic === CK_TOPIC).map((tp) => tp.partition));
    await classic.connect();
    await classic.subscribe({ topics: [CK_TOPIC] });
    await classic.run({ eachMessage: async () => {} });
    await until(() => splitAs([assigned(member), classicAssigned()], [3, 3], CK_ALL),
      'the consumer-protocol and the classic member to hold 3 partitions each', diag);

    // The last consumer-protocol member leaves: the group turns classic, and rebalances.
    await member.consumer.disconnect();
    started.length = 0;
    await until(() => classicAssigned().length === CK_ALL.length,
      'the classic member to hold every partition', diag);
    assert.deepEqual(problemsOf([member.clientId, classicId]), [], diag());
  });

// ---- @platformatic/kafka ----------------------------------------------------------------------

// An error (with the errors an AggregateError holds) or a value, as one line.
const text = (e) => `${e?.name}: ${e?.message} ${JSON.stringify({ ...e, stack: undefined },
  (k, v) => (typeof v === 'bigint' ? String(v) : v))}` +
  (Array.isArray(e?.errors) ? ` [${e.errors.map(text).join('; ')}]` : '');

async function startPlatformatic(name, groupId, bootstrap) {
  const consumer = new pk.Consumer({
    groupId,
    clientId: `cgp-platformatic-${name}`,
    bootstrapBrokers: [bootstrap],
    deserializers: pk.stringDeserializers,
    groupProtocol: 'consumer',
    maxWaitTime: 100,
    retries: 5,
    retryDelay: 100,
  });
  const tracked = { name, consumer, errors: [], records: [] };
  consumer.on('error', (e) => tracked.errors.push(`consumer: ${text(e)}`));
  tracked.stream = await consumer.consume({
    topics: [PK_TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: false,
  });
  tracked.stream.on('data', (m) => tracked.records.push({
    topic: m.topic, partition: m.partition, offset: Number(m.offset), value: m.value,
  }));
  tracked.stream.on('error', (e) => tracked.errors.push(`stream: ${text(e)}`));
  return tracked;
}

const platformaticAssigned = (t) => sorted((t.consumer.assignments ?? [])
  .filter((a) => a.topic === PK_TOPIC).flatMap((a) => a.partitions));

const platformaticSplit = (members, sizes) =>
  splitAs(members.map(platformaticAssigned), sizes, PK_ALL);

async function platformaticBatch(producer, batch) {
  const { messages, first, expected } = batchOf(PK_TOPIC, PK_ALL, batch);
  const result = await producer.send({ messages: messages.map((m) => ({ topic: PK_TOPIC, ...m })),
    acks: -1 });
  assert.deepEqual(Object.fromEntries(result.offsets.map((o) => [o.partition, Number(o.offset)])),
    Object.fromEntries(PK_ALL.map((p) => [p, first])), text(result));
  return expected;
}

test('@platformatic/kafka with groupProtocol consumer through two gateways: split, commit, ' +
  'leave, resume', { timeout: 60000 }, async (t) => {
  const groupId = 'cgp-platformatic-group';
  const [g1, g2] = cluster.bootstraps;
  const started = [];
  const diag = () => started.map((m) => `-- ${m.name}: assignments ` +
    `${JSON.stringify(m.consumer.assignments)}\n   errors ${m.errors.join('\n')}\n` +
    `   records ${m.records.map(key).join(' ')}`).join('\n') + '\n' + cluster.logs();
  const closers = [];
  t.after(async () => {
    for (const m of started) await m.consumer.close(true).catch(() => {});
    for (const c of closers) await c().catch(() => {});
  });
  const stop = async (m) => {
    await m.stream.close();
    await m.consumer.close();
    started.splice(started.indexOf(m), 1);
  };
  const checkConsumed = async (members, expected, what) =>
    assertExactly(await waitForRecords(until, members, expected, what, diag), expected, what, diag);
  const commit = (m, partitions, offset) => m.consumer.commit({
    offsets: partitions.map((partition) =>
      ({ topic: PK_TOPIC, partition, offset: BigInt(offset), leaderEpoch: -1 })),
  });
  const committed = async (m) => (await m.consumer.listCommittedOffsets({
    topics: [{ topic: PK_TOPIC, partitions: PK_ALL }] })).get(PK_TOPIC).map(Number);

  const producer = new pk.Producer({ clientId: 'cgp-platformatic-producer',
    bootstrapBrokers: [g1], serializers: pk.stringSerializers, autocreateTopics: false });
  closers.push(() => producer.close());

  const first = await startPlatformatic('first', groupId, g1);
  started.push(first);
  await until(() => platformaticSplit([first], [4]), 'the first member to hold every partition',
    diag);
  const second = await startPlatformatic('second', groupId, g2);
  started.push(second);
  const [pa, pb] = await until(() => platformaticSplit([first, second], [2, 2]),
    'the two members to hold 2 partitions each', diag);

  const batch1 = await platformaticBatch(producer, 1);
  await checkConsumed([[first, 0], [second, 0]], batch1, 'batch 1');
  assert.ok(first.records.every((r) => pa.includes(r.partition)), diag());
  assert.ok(second.records.every((r) => pb.includes(r.partition)), diag());
  await commit(first, pa, N);
  await commit(second, pb, N);
  assert.deepEqual(await committed(first), PK_ALL.map(() => N), diag());
  assert.deepEqual(await committed(second), PK_ALL.map(() => N), diag());

  await stop(second);
  await until(() => platformaticSplit([first], [4]), 'the survivor to hold every partition',
    diag);
  await stop(first);

  const batch2 = await platformaticBatch(producer, 2);
  const late = await startPlatformatic('late', groupId, g2);
  started.push(late);
  await until(() => platformaticSplit([late], [4]), 'the late member to hold every partition',
    diag);
  await checkConsumed([[late, 0]], batch2, 'the late member');
  await commit(late, PK_ALL, 2 * N);
  assert.deepEqual(await committed(late), PK_ALL.map(() => 2 * N), diag());
  await stop(late);

  assert.deepEqual([first, second, late].flatMap((m) => m.errors), [], diag());
});

test('no refused request, and every connection went to a gateway', () => {
  assert.deepEqual(cluster.refusedRequests(), [], cluster.logs());
  const connections = [...watch.seen, ...loggedConnections(clientLog)];
  assert.deepEqual(connectionProblems(cluster, connections), [], cluster.logs());
  for (const bootstrap of cluster.bootstraps) {
    const port = Number(bootstrap.split(':')[1]);
    assert.ok(connections.some((c) => c.port === port), `nothing connected to ${bootstrap}`);
  }
});
