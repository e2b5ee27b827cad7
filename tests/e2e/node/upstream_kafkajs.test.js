// kafkajs 2.2.4 through a gateway in upstream mode: the records live in librdkafka's mock
// cluster (groupwire-dev-upstream, 3 brokers), the groups in the coordinator.
//   - two consumers of one group split the topic's 6 partitions (disjoint, covering all);
//   - N records per partition produced with kafkajs's producer are consumed exactly once
//     between them, each from its own partitions (produced after the split: members that read
//     before a rebalance without having committed would legitimately read some again);
//   - both commit (commitOffsets, autoCommit off); one disconnects (LeaveGroup) and the other
//     gets every partition and then consumes the next N records per partition and nothing else
//     (it resumed the leaver's partitions at the committed offsets); it commits and leaves;
//   - a consumer started later (fromBeginning) consumes only the records produced after;
//   - admin.listGroups lists the group once, describeGroups describes it, deleteGroups refuses
//     while it has a member and deletes it once empty;
//   - every connection kafkajs opens goes to a gateway listener, never to a mock broker.
// Run with `node --test upstream_kafkajs.test.js` in this directory, with GROUPWIRE_DEV_UPSTREAM,
// GROUPWIRE_GATEWAY and GROUPWIRE_COORDINATOR set (ctest does).
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');

const { waitUntil } = require('./group_processes');
const { useUpstreamCluster, connectionProblems, same, key, waitForRecords, assertExactly,
  startTwoMembers,
} = require('./upstream_processes');
const { kafkajs, kafkaFactory, startTrackedConsumer } = require('./kafkajs_client');

const TOPIC = 'kafkajs-orders';
const PARTITIONS = 6;
const N = 5;
const ALL = [...Array(PARTITIONS).keys()];
const DEADLINE_MS = 45000; // generous for a loaded machine; expected waits are ~1 s

let cluster;
let watch;
const kafkaLog = [];

useUpstreamCluster({ [TOPIC]: PARTITIONS }, (c, w) => { [cluster, watch] = [c, w]; });

const makeKafka = kafkaFactory(() => cluster.bootstrap, kafkaLog);

// A kafkajs consumer whose joins, crashes and records are recorded.
function startMember(name, groupId) {
  const tracked = { name, records: [] };
  return startTrackedConsumer(makeKafka(`kafkajs-${name}`), tracked, { groupId, topic: TOPIC,
    sessionTimeout: 4000 }, {
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      tracked.records.push({ topic, partition, offset: Number(message.offset),
        value: message.value.toString() });
    },
  });
}

const latest = (t) => t.joins[t.joins.length - 1];
const assigned = (t, after = 0) => {
  const join = t.joins.length > after ? latest(t) : undefined;
  return [...(join?.memberAssignment?.[TOPIC] ?? [])].sort((a, b) => a - b);
};

function diagnostics(...tracked) {
  const events = tracked.map((t) => `-- ${t.name} joins: ${JSON.stringify(t.joins)}\n` +
    `-- ${t.name} crashes: ${JSON.stringify(t.crashes)}\n` +
    `-- ${t.name} records: ${t.records.map(key).join(' ')}`);
  return `${events.join('\n')}\n-- kafkajs log:\n${kafkaLog.slice(-60).join('\n')}\n` +
    cluster.logs();
}

const until = (condition, what, diag, timeoutMs = DEADLINE_MS) =>
  waitUntil(cluster, condition, what, diag, timeoutMs);

// N records per partition, produced with kafkajs's producer; returns {key: value} with the
// offsets the fresh topic must give them (checked against what the producer reports).
async function produceBatch(producer, batch) {
  const expected = {};
  const first = (batch - 1) * N;
  for (const partition of ALL) {
    const messages = [...Array(N).keys()].map((i) => ({
      partition, value: `kafkajs-b${batch}-p${partition}-r${i}`,
    }));
    const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages });
    assert.deepEqual([meta.topicName, meta.partition, meta.errorCode, meta.baseOffset],
      [TOPIC, partition, 0, String(first)]);
    messages.forEach((m, i) => {
      expected[key({ topic: TOPIC, partition, offset: first + i })] = m.value;
    });
  }
  return expected;
}

async function committed(admin, groupId) {
  const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
  return Object.fromEntries(partitions.map((p) => [p.partition, Number(p.offset)]));
}

const commitAll = (tracked, partitions, offset) => tracked.consumer.commitOffsets(
  partitions.map((partition) => ({ topic: TOPIC, partition, offset: String(offset) })));

test('kafkajs consumer group over upstream records: split, exactly once, leave, resume, admin',
  { timeout: 120000 }, async (t) => {
    const groupId = 'kafkajs-upstream-group';
    const started = [];
    const diag = () => diagnostics(...started);
    const cleanups = [];
    t.after(async () => {
      for (const c of started) await c.consumer.disconnect().catch(() => {});
      for (const f of cleanups) await f().catch(() => {});
    });
    const producer = makeKafka('kafkajs-producer').producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const admin = makeKafka('kafkajs-admin').admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());

    const [first, second, pa, pb] = await startTwoMembers({ startMember, assigned,
      generation: (t) => latest(t).generationId, groupId, partitions: PARTITIONS, started, until,
      diag });
    assert.deepEqual([pa.length, pb.length], [3, 3], diag());

    // Batch 1: exactly once between the two, each from its own partitions only.
    const batch1 = await produceBatch(producer, 1);
    const pairs1 = await waitForRecords(until, [[first, 0], [second, 0]], batch1,
      'the two members to consume batch 1', diag);
    assertExactly(pairs1, batch1, 'batch 1', diag);
    for (const [member, own] of [[first, pa], [second, pb]]) {
      const outside = pairs1.filter(({ member: m, record }) =>
        m === member && !own.includes(record.partition));
      assert.deepEqual(outside, [], `${member.name} consumed outside ${own}\n${diag()}`);
    }

    // Both commit.
    await commitAll(first, pa, N);
    await commitAll(second, pb, N);
    assert.deepEqual(await committed(admin, groupId),
      Object.fromEntries(ALL.map((p) => [p, N])), diag());

    // The second leaves; the first takes over and consumes batch 2 and nothing else.
    const leaverId = latest(second).memberId;
    const joinsBefore = first.joins.length;
    const recordsBefore = first.records.length;
    const mark = cluster.coordinator.mark();
    await second.consumer.disconnect();
    started.splice(started.indexOf(second), 1);
    await cluster.coordinator.waitForLine(
      new RegExp(`group ${groupId}: member ${leaverId} leaves`), DEADLINE_MS, mark);
    await until(() => first.joins.length > joinsBefore && same(assigned(first), ALL),
      'the survivor to get every partition', diag);
    const batch2 = await produceBatch(producer, 2);
    const pairs2 = await waitForRecords(until, [[first, recordsBefore]], batch2,
      'the survivor to consume batch 2', diag);
    assertExactly(pairs2, batch2, 'the survivor after the leave', diag);
    assert.ok(!cluster.coordinator.lines.slice(mark).some((l) => / expired: /.test(l)), diag());
    await commitAll(first, ALL, 2 * N);
    await first.consumer.disconnect();
    started.splice(started.indexOf(first), 1);

    // A member started later resumes from the committed offsets: batch 3 only.
    const batch3 = await produceBatch(producer, 3);
    const late = await startMember('late', groupId);
    started.push(late);
    await until(() => same(assigned(late), ALL), 'the late member to get every partition', diag);
    const pairs3 = await waitForRecords(until, [[late, 0]], batch3,
      'the late member to consume batch 3', diag);
    assertExactly(pairs3, batch3, 'the late member', diag);
    await commitAll(late, ALL, 3 * N);

    // Admin: list (once), describe, no delete while a member is in.
    await t.test('admin.listGroups lists the group once', async () => {
      const { groups } = await admin.listGroups();
      const ours = groups.filter((g) => g.groupId === groupId);
      assert.deepEqual(ours.map((g) => g.protocolType), ['consumer'],
        `listGroups returned ${JSON.stringify(groups)}: kafkajs asks every broker (ListGroups) ` +
        'and concatenates their answers, so every broker listener of the gateway lists it');
    });
    const { groups: [described] } = await admin.describeGroups([groupId]);
    assert.equal(described.errorCode, 0);
    assert.equal(described.state, 'Stable', JSON.stringify(described));
    assert.equal(described.protocolType, 'consumer');
    assert.equal(described.members.length, 1, JSON.stringify(described));
    const [member] = described.members;
    assert.equal(member.memberId, latest(late).memberId);
    assert.equal(member.clientId, 'kafkajs-late');
    assert.deepEqual(kafkajs.AssignerProtocol.MemberAssignment.decode(member.memberAssignment)
      .assignment[TOPIC].slice().sort((a, b) => a - b), ALL);
    await assert.rejects(admin.deleteGroups([groupId]), (err) => {
      assert.equal(err.groups?.[0]?.error?.type, 'NON_EMPTY_GROUP', String(err));
      return true;
    });

    await late.consumer.disconnect();
    started.splice(started.indexOf(late), 1);
    await until(async () => (await admin.describeGroups([groupId])).groups[0].state === 'Empty',
      'the group to become Empty', diag);
    assert.deepEqual(await committed(admin, groupId),
      Object.fromEntries(ALL.map((p) => [p, 3 * N])));
    const deleted = await admin.deleteGroups([groupId]);
    assert.deepEqual(deleted.map((g) => [g.groupId, g.errorCode]), [[groupId, 0]]);
    const { groups: after } = await admin.listGroups();
    assert.ok(!after.some((g) => g.groupId === groupId), JSON.stringify(after));
    const { groups: [dead] } = await admin.describeGroups([groupId]);
    assert.deepEqual([dead.state, dead.members], ['Dead', []]);

    for (const m of [first, second, late]) assert.deepEqual(m.crashes, [], diag());
    // Every connection went to the gateway: its bootstrap listener and broker listeners.
    assert.deepEqual(connectionProblems(cluster, watch.seen), [], diag());
    assert.ok(watch.seen.some(({ port }) => port === [...cluster.gatewayPorts][0]),
      JSON.stringify(watch.seen));
    assert.deepEqual(cluster.refusedRequests(), [], diag());
  });
