// @confluentinc/kafka-javascript 1.10.1 (librdkafka 2.15.1, its KafkaJS-compatible promise API)
// through a gateway in upstream mode: the records live in librdkafka's mock cluster
// (groupwire-dev-upstream, 3 brokers), the groups in the coordinator.
//
// commitOffsets() resolves once librdkafka has queued the OffsetCommit, not once it is answered,
// so a committed() right after it sends its OffsetFetch on the same coordinator connection,
// pipelined behind the commit. Kafka answers a connection's requests in order: the fetch must
// see the commit. Asserted:
//   - N records per partition produced with its producer get the offsets expected;
//   - two consumers of one group (autoCommit off) split the 6 partitions (disjoint, covering
//     all) and consume every record exactly once between them, each from its own partitions;
//   - each commits rising offsets (round r: offset r on its partitions, both at once) and reads
//     them back at once with committed(), for 30 rounds: every read equals what was committed;
//   - Admin lists the group once, describes it (Stable, both members with their partitions),
//     fetchOffsets gives what was committed;
//   - one disconnects (LeaveGroup, logged by the coordinator) and the other is assigned every
//     partition, consumes the next batch and nothing else (the leaver's partitions resume at the
//     committed offsets), commits and reads it back;
//   - deleteGroups is refused (NON_EMPTY_GROUP) while the survivor is in the group; once it has
//     left the group is Empty, fetchOffsets gives the last commit, deleteGroups deletes it, then
//     listGroups no longer lists it and describeGroups reports it Dead;
//   - no client logs an error or a warning, the gateway refuses no request, and every
//     connection librdkafka opens (its "Connecting to" debug lines: its sockets are native, node
//     does not see them) goes to a gateway listener, never to a mock broker.
// Run with `node --test upstream_confluent.test.js` in this directory, with
// GROUPWIRE_DEV_UPSTREAM, GROUPWIRE_GATEWAY and GROUPWIRE_COORDINATOR set (ctest does).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { collectingLogger, logText, loggedConnections } = require('./client_log');

const { notInstalled, waitUntil } = require('./group_processes');
const { useUpstreamCluster, connectionProblems, same, key, waitForRecords, assertExactly,
  startTwoMembers,
} = require('./upstream_processes');

const TOPIC = 'confluent-orders';
const PARTITIONS = 6;
const ROUNDS = 30;
const N = ROUNDS; // records per partition and batch: round r commits offset r within batch 1
const ALL = [...Array(PARTITIONS).keys()];
const DEADLINE_MS = 45000; // generous for a loaded machine; expected waits are ~1 s

let ckjs;
let cluster;
let watch;
const clientLog = []; // {clientId, level, fac, message} of every client

const loadClient = async () => {
  try {
    ckjs = require('@confluentinc/kafka-javascript').KafkaJS;
  } catch (err) {
    throw notInstalled('@confluentinc/kafka-javascript', err);
  }
};
useUpstreamCluster({ [TOPIC]: PARTITIONS }, (c, w) => { [cluster, watch] = [c, w]; }, loadClient);


const makeKafka = (clientId) => new ckjs.Kafka({
  kafkaJS: { brokers: [cluster.bootstrap], clientId, logger: collectingLogger(clientLog, clientId) },
  debug: 'broker', // logs every connection librdkafka opens
});

const clientProblems = () => clientLog.filter((l) => l.level === 'error' || l.level === 'warn')
  .map(logText);

function diagnostics(...tracked) {
  const members = tracked.map((t) => `-- ${t.name} rebalances: ${JSON.stringify(t.rebalances)}\n` +
    `-- ${t.name} records: ${t.records.map(key).join(' ')}`);
  const log = clientLog.filter((l) => l.level !== 'debug').slice(-60).map(logText);
  return `${members.join('\n')}\n-- client log (debug lines left out):\n${log.join('\n')}\n` +
    cluster.logs();
}

const until = (condition, what, diag, timeoutMs = DEADLINE_MS) =>
  waitUntil(cluster, condition, what, diag, timeoutMs);

// A consumer of TOPIC in `groupId` (from the earliest offset where none is committed) whose
// rebalance events and records are recorded.
async function startMember(name, groupId) {
  const tracked = { name, clientId: `confluent-${name}`, rebalances: [], records: [] };
  tracked.consumer = makeKafka(tracked.clientId).consumer({
    kafkaJS: {
      groupId, autoCommit: false, fromBeginning: true, sessionTimeout: 4000,
      heartbeatInterval: 300, rebalanceTimeout: 10000, maxWaitTimeInMs: 100,
    },
    // Only records the event: the client then applies the assignment itself.
    rebalance_cb: (err, assignment) => {
      tracked.rebalances.push({
        event: err.code === ckjs.ErrorCodes.ERR__ASSIGN_PARTITIONS ? 'assign' : 'revoke',
        partitions: assignment.map((tp) => tp.partition).sort((a, b) => a - b),
      });
    },
  });
  await tracked.consumer.connect();
  await tracked.consumer.subscribe({ topics: [TOPIC] });
  await tracked.consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      tracked.records.push({ topic, partition, offset: Number(message.offset),
        value: message.value.toString() });
    },
  });
  return tracked;
}

const assigned = (t) => t.consumer.assignment().filter((tp) => tp.topic === TOPIC)
  .map((tp) => tp.partition).sort((a, b) => a - b);

// N records per partition in one send; returns {key: value} with the offsets the fresh topic
// must give them (checked against what the producer reports).
async function produceBatch(producer, batch) {
  const first = (batch - 1) * N;
  const expected = {};
  const messages = ALL.flatMap((partition) => [...Array(N).keys()].map((i) => {
    const value = `confluent-b${batch}-p${partition}-r${i}`;
    expected[key({ topic: TOPIC, partition, offset: first + i })] = value;
    return { partition, value };
  }));
  const metadata = await producer.send({ topic: TOPIC, messages });
  assert.deepEqual(metadata.map((m) => [m.topicName, m.partition, m.errorCode, m.baseOffset])
    .sort((a, b) => a[1] - b[1]), ALL.map((p) => [TOPIC, p, 0, String(first)]));
  return expected;
}

const byPartition = (partitions, offset) =>
  Object.fromEntries(partitions.map((p) => [p, offset]));

// Commits `offset` on `partitions` and at once reads them back with committed(); returns
// {what, committed, read}, the last two as {partition: offset}.
async function commitAndReadBack(member, partitions, offset, what) {
  await member.consumer.commitOffsets(partitions.map((partition) =>
    ({ topic: TOPIC, partition, offset: String(offset) })));
  const read = await member.consumer.committed(partitions.map((partition) =>
    ({ topic: TOPIC, partition })));
  return { what, committed: byPartition(partitions, offset),
    // null: no offset committed
    read: Object.fromEntries(read.map((tp) => [tp.partition, tp.offset && Number(tp.offset)])) };
}

// Every read equals its commit; the message names each stale read of each member.
function assertReadBack(resultsByMember, diag) {
  const report = resultsByMember.map(([member, results]) => {
    const stale = results.filter((r) => !same(r.read, r.committed));
    return `${member.name}: ${stale.length} of ${results.length} reads differ from the commit` +
      stale.map((r) => `\n  ${r.what}: committed ` +
        `${JSON.stringify(r.committed)}, read ${JSON.stringify(r.read)}`).join('');
  });
  assert.deepEqual(resultsByMember.map(([, results]) => results.map((r) => r.read)),
    resultsByMember.map(([, results]) => results.map((r) => r.committed)),
    `committed() right after commitOffsets():\n${report.join('\n')}\n${diag()}`);
}

// Round r commits offset r, for r = 1..ROUNDS.
async function commitRounds(member, partitions) {
  const results = [];
  for (let r = 1; r <= ROUNDS; r++) {
    results.push(await commitAndReadBack(member, partitions, r, `round ${r}`));
  }
  return results;
}

async function fetchOffsets(admin, groupId) {
  const [fetched] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
  assert.equal(fetched.topic, TOPIC);
  return Object.fromEntries(fetched.partitions.map((p) => [p.partition, Number(p.offset)]));
}

const describeGroup = async (admin, groupId) => (await admin.describeGroups([groupId])).groups[0];
const memberPartitions = (m) => (m.assignment?.topicPartitions ?? [])
  .filter((tp) => tp.topic === TOPIC).map((tp) => tp.partition).sort((a, b) => a - b);

test('@confluentinc/kafka-javascript over upstream records: split, commit and read back, leave, ' +
  'admin', { timeout: 120000 }, async (t) => {
  const groupId = 'confluent-upstream-group';
  const started = [];
  const diag = () => diagnostics(...started);
  const cleanups = [];
  t.after(async () => {
    for (const m of started) await m.consumer.disconnect().catch(() => {});
    for (const f of cleanups) await f().catch(() => {});
  });
  const producer = makeKafka('confluent-producer').producer({ kafkaJS: { acks: -1 } });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  const admin = makeKafka('confluent-admin').admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());

  const [first, second, pa, pb] = await startTwoMembers({ startMember, assigned, groupId,
    partitions: PARTITIONS, started, until, diag });
  assert.deepEqual([pa.length, pb.length], [3, 3], diag());

  // Batch 1 (produced after the split: nothing is committed yet, so a member that read before a
  // rebalance would legitimately read again): exactly once, each from its own partitions.
  const batch1 = await produceBatch(producer, 1);
  const pairs1 = await waitForRecords(until, [[first, 0], [second, 0]], batch1,
    'the two members to consume batch 1', diag);
  assertExactly(pairs1, batch1, 'batch 1', diag);
  for (const [member, own] of [[first, pa], [second, pb]]) {
    const outside = pairs1.filter(({ member: m, record }) =>
      m === member && !own.includes(record.partition));
    assert.deepEqual(outside, [], `${member.name} consumed outside ${own}\n${diag()}`);
  }

  // Both members at once, each round committing and reading back without waiting in between.
  const [firstRounds, secondRounds] =
    await Promise.all([commitRounds(first, pa), commitRounds(second, pb)]);
  assertReadBack([[first, firstRounds], [second, secondRounds]], diag);

  // Admin while both are in: listed once, Stable, both members with their own partitions.
  const { groups: listed } = await admin.listGroups();
  assert.deepEqual(listed.filter((g) => g.groupId === groupId)
    .map((g) => [g.protocolType, g.state]), [['consumer', ckjs.ConsumerGroupStates.STABLE]],
  JSON.stringify(listed));
  const both = await describeGroup(admin, groupId);
  assert.ok(!both.error, JSON.stringify(both));
  assert.deepEqual([both.state, both.type, both.protocolType, both.partitionAssignor],
    [ckjs.ConsumerGroupStates.STABLE, ckjs.ConsumerGroupTypes.CLASSIC, 'consumer', 'roundrobin'],
    JSON.stringify(both));
  assert.ok(cluster.gatewayPorts.has(both.coordinator.port), JSON.stringify(both.coordinator));
  assert.deepEqual(both.members.map((m) => [m.clientId, memberPartitions(m)])
    .sort((a, b) => a[0].localeCompare(b[0])), [['confluent-first', pa], ['confluent-second', pb]],
  JSON.stringify(both));
  assert.deepEqual(await fetchOffsets(admin, groupId), byPartition(ALL, N), diag());

  // The second leaves; the first is assigned every partition and consumes batch 2 only.
  const leaverId = both.members.find((m) => m.clientId === second.clientId).memberId;
  const assignsBefore = first.rebalances.filter((e) => e.event === 'assign').length;
  const recordsBefore = first.records.length;
  const mark = cluster.coordinator.mark();
  await second.consumer.disconnect();
  started.splice(started.indexOf(second), 1);
  await cluster.coordinator.waitForLine(
    new RegExp(`group ${groupId}: member ${leaverId} leaves`), DEADLINE_MS, mark);
  await until(() => first.rebalances.filter((e) => e.event === 'assign').length > assignsBefore &&
    same(assigned(first), ALL), 'the survivor to be assigned every partition', diag);
  const batch2 = await produceBatch(producer, 2);
  const pairs2 = await waitForRecords(until, [[first, recordsBefore]], batch2,
    'the survivor to consume batch 2', diag);
  assertExactly(pairs2, batch2, 'the survivor after the leave', diag);
  assert.ok(!cluster.coordinator.lines.slice(mark).some((l) => / expired: /.test(l)), diag());
  assertReadBack([[first, [await commitAndReadBack(first, ALL, 2 * N, 'after the leave')]]], diag);

  // Admin with the survivor alone in the group: no delete.
  const alone = await describeGroup(admin, groupId);
  assert.deepEqual([alone.state, alone.members.map((m) => [m.clientId, memberPartitions(m)])],
    [ckjs.ConsumerGroupStates.STABLE, [['confluent-first', ALL]]], JSON.stringify(alone));
  await assert.rejects(admin.deleteGroups([groupId]), (err) => {
    assert.ok(err instanceof ckjs.KafkaJSDeleteGroupsError, String(err));
    assert.deepEqual(err.groups.map((g) => [g.groupId, g.errorCode]),
      [[groupId, ckjs.ErrorCodes.ERR_NON_EMPTY_GROUP]], JSON.stringify(err.groups));
    return true;
  });

  // Once the survivor has left: Empty, the offsets kept, then deleted.
  await first.consumer.disconnect();
  started.splice(started.indexOf(first), 1);
  await until(async () => (await describeGroup(admin, groupId)).state ===
    ckjs.ConsumerGroupStates.EMPTY, 'the group to become Empty', diag);
  assert.deepEqual(await fetchOffsets(admin, groupId), byPartition(ALL, 2 * N));
  const deleted = await admin.deleteGroups([groupId]);
  assert.deepEqual(deleted.map((g) => [g.groupId, g.errorCode]), [[groupId, 0]],
    JSON.stringify(deleted));
  const { groups: after } = await admin.listGroups();
  assert.ok(!after.some((g) => g.groupId === groupId), JSON.stringify(after));
  const dead = await describeGroup(admin, groupId);
  assert.deepEqual([dead.state, dead.members], [ckjs.ConsumerGroupStates.DEAD, []]);

  assert.deepEqual(clientProblems(), [], diag());
  assert.deepEqual(cluster.refusedRequests(), [], diag());
  // Every connection went to the gateway: its bootstrap listener and broker listeners.
  const connections = [...watch.seen, ...loggedConnections(clientLog)];
  assert.deepEqual(connectionProblems(cluster, connections), [], diag());
  assert.ok(connections.some(({ port }) => port === [...cluster.gatewayPorts][0]),
    JSON.stringify(connections));
});
