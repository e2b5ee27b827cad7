// kafkajs consumer groups through a real groupwire-gateway and groupwire-coordinator. kafkajs
// uses its own encoders (JoinGroup <= v5, SyncGroup/Heartbeat/LeaveGroup <= v3, non-flexible).
//   - a consumer joins with a short session timeout and gets every partition (GROUP_JOIN);
//   - a second consumer joins: both end up with disjoint partitions covering the topic;
//   - offsets committed by a member are read back by the admin client, which also describes
//     the group (state, members, decoded assignments);
//   - disconnect() sends LeaveGroup, and the survivor gets every partition.
// consumer.run() also needs ListOffsets and Fetch, which the gateway answers for catalog topics
// as empty topics. Run with `node --test` in this directory.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startCluster, waitUntil, stopClusterCleanly } = require('./group_processes');
const { kafkajs, kafkaFactory, startTrackedConsumer } = require('./kafkajs_client');

const TOPIC = 'orders';
const PARTITIONS = 6;
const ALL = [...Array(PARTITIONS).keys()];
const DEADLINE_MS = 45000; // generous for a loaded machine; expected times are ~1 s

let cluster;
const kafkaLog = [];

const makeKafka = kafkaFactory(() => cluster.bootstrap, kafkaLog);

// A kafkajs consumer whose GROUP_JOIN and CRASH events are recorded.
function startConsumer(name, groupId) {
  return startTrackedConsumer(makeKafka(name), { name }, { groupId, topic: TOPIC,
    sessionTimeout: 3000 }, { eachMessage: async () => {} });
}

function partitionsOf(join) {
  return [...(join?.memberAssignment?.[TOPIC] ?? [])].sort((a, b) => a - b);
}

function latest(tracked) {
  return tracked.joins[tracked.joins.length - 1];
}

function diagnostics(...tracked) {
  const events = tracked.map((t) =>
    `-- ${t.name} joins: ${JSON.stringify(t.joins)}\n-- crashes: ${JSON.stringify(t.crashes)}`);
  return `${events.join('\n')}\n-- kafkajs log:\n${kafkaLog.slice(-60).join('\n')}\n` +
    cluster.logs();
}

// Polls `condition` until it returns something truthy (returned), failing after timeoutMs.
const until = (condition, what, diag, timeoutMs = DEADLINE_MS) =>
  waitUntil(cluster, condition, what, diag, timeoutMs);

function disjointCover(a, b) {
  const pa = partitionsOf(latest(a));
  const pb = partitionsOf(latest(b));
  if (pa.length === 0 || pb.length === 0) return null;
  const union = [...new Set([...pa, ...pb])].sort((x, y) => x - y);
  if (pa.length + pb.length !== PARTITIONS || JSON.stringify(union) !== JSON.stringify(ALL)) {
    return null;
  }
  return [pa, pb];
}

before(async () => {
  cluster = await startCluster({ [TOPIC]: PARTITIONS });
});

after(() => stopClusterCleanly(cluster));

test('two kafkajs consumers split a topic, and the survivor takes all after a leave',
  { timeout: 120000 }, async (t) => {
    const groupId = 'kafkajs-membership';
    const started = [];
    t.after(async () => {
      for (const c of started) await c.consumer.disconnect().catch(() => {});
    });

    const first = await startConsumer('kafkajs-first', groupId);
    started.push(first);
    const diag = () => diagnostics(...started);
    await until(() => JSON.stringify(partitionsOf(latest(first))) === JSON.stringify(ALL),
      'the first consumer alone to get every partition', diag);
    assert.equal(latest(first).isLeader, true, diag());
    assert.equal(latest(first).groupProtocol, 'RoundRobinAssigner');

    const second = await startConsumer('kafkajs-second', groupId);
    started.push(second);
    const [pa, pb] = await until(() => disjointCover(first, second),
      'both consumers to hold disjoint partitions covering the topic', diag);
    assert.deepEqual([pa.length, pb.length], [3, 3], diag());
    // Same generation view: one leader, whom both name.
    const [ja, jb] = [latest(first), latest(second)];
    assert.equal(ja.leaderId, jb.leaderId, diag());
    assert.deepEqual([ja.isLeader, jb.isLeader].sort(), [false, true], diag());
    assert.ok([ja.memberId, jb.memberId].includes(ja.leaderId), diag());

    // The coordinator's view, through kafkajs's admin client: Stable, two members, the same
    // assignments; and an offset committed by a member reads back.
    const admin = makeKafka('kafkajs-admin').admin();
    await admin.connect();
    try {
      await second.consumer.commitOffsets([{ topic: TOPIC, partition: pb[0], offset: '17' }]);
      const offsets = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
      const byPartition = Object.fromEntries(
        offsets[0].partitions.map((p) => [p.partition, p.offset]));
      assert.equal(byPartition[pb[0]], '17', JSON.stringify(offsets));
      for (const p of ALL.filter((x) => x !== pb[0])) assert.equal(byPartition[p], '-1');

      const { groups: [group] } = await admin.describeGroups([groupId]);
      assert.equal(group.errorCode, 0);
      assert.equal(group.state, 'Stable');
      assert.equal(group.protocolType, 'consumer');
      assert.equal(group.protocol, 'RoundRobinAssigner');
      const described = Object.fromEntries(group.members.map((m) => [m.memberId,
        kafkajs.AssignerProtocol.MemberAssignment.decode(m.memberAssignment).assignment[TOPIC]
          .slice().sort((a, b) => a - b)]));
      assert.deepEqual(described, { [ja.memberId]: pa, [jb.memberId]: pb }, diag());
    } finally {
      await admin.disconnect();
    }

    // disconnect() sends LeaveGroup: the coordinator removes the member at once (no expiry) and
    // the survivor gets everything.
    const leaverId = latest(second).memberId;
    const joinsBefore = first.joins.length;
    const mark = cluster.coordinator.mark();
    await second.consumer.disconnect();
    started.splice(started.indexOf(second), 1);
    await cluster.coordinator.waitForLine(
      new RegExp(`group ${groupId}: member ${leaverId} leaves`), DEADLINE_MS, mark);
    await until(() => first.joins.length > joinsBefore &&
      JSON.stringify(partitionsOf(latest(first))) === JSON.stringify(ALL),
    'the survivor to get every partition', diag);
    assert.ok(!cluster.coordinator.lines.slice(mark).some((l) => / expired: /.test(l)), diag());

    assert.deepEqual(first.crashes, [], diag());
    assert.deepEqual(second.crashes, [], diag());
    await first.consumer.disconnect();
    started.splice(started.indexOf(first), 1);
  });
