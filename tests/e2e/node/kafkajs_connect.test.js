// kafkajs against a real groupwire-gateway process. kafkajs opens with ApiVersions v2 (and would
// fall back on UNSUPPORTED_VERSION), then reads Metadata: it must see this gateway as the only
// broker and the --topic catalog. Run with `node --test` in this directory.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startGateway, topicFlags } = require('./group_processes');
const { kafkajs } = require('./kafkajs_client');

const CATALOG = { orders: 3, events: 1, 'audit.log-v2': 12 };

let gateway;
let admin;

before(async () => {
  const { gateway: proc, match: m } = await startGateway(topicFlags(CATALOG));
  gateway = {
    process: proc,
    bootstrap: `${m[1]}:${m[2]}`,
    advertisedHost: m[3],
    advertisedPort: Number(m[4]),
    nodeId: Number(m[5]),
  };
  const kafka = new kafkajs.Kafka({
    clientId: 'groupwire-e2e',
    brokers: [gateway.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 10000,
    retry: { retries: 2 },
  });
  admin = kafka.admin();
});

after(async () => {
  if (admin) await admin.disconnect();
  if (gateway) {
    // A crash during the tests, a hang on SIGTERM or a sanitizer report would not exit 0.
    const code = await gateway.process.stop();
    assert.equal(code, 0, `gateway exit code after SIGTERM; log:\n${gateway.process.log()}`);
  }
});

test('admin.connect() negotiates ApiVersions and connects', async () => {
  await admin.connect();
});

test('fetchTopicMetadata returns the catalog partitions led by this gateway', async () => {
  const { topics } = await admin.fetchTopicMetadata({ topics: ['orders', 'events', 'audit.log-v2'] });
  const counts = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
  assert.deepEqual(counts, CATALOG);
  for (const t of topics) {
    const ids = t.partitions.map((p) => p.partitionId).sort((a, b) => a - b);
    assert.deepEqual(ids, [...Array(CATALOG[t.name]).keys()]);
    for (const p of t.partitions) {
      assert.equal(p.partitionErrorCode, 0);
      assert.equal(p.leader, gateway.nodeId);
      assert.deepEqual(p.replicas, [gateway.nodeId]);
      assert.deepEqual(p.isr, [gateway.nodeId]);
    }
  }
});

test('describeCluster names this gateway as the only broker and controller', async () => {
  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers, [
    { nodeId: gateway.nodeId, host: gateway.advertisedHost, port: gateway.advertisedPort },
  ]);
  assert.equal(cluster.controller, gateway.nodeId);
});

test('listTopics returns exactly the catalog', async () => {
  const names = await admin.listTopics();
  assert.deepEqual(names.sort(), Object.keys(CATALOG).sort());
});

test('an unknown topic is refused, not invented', async () => {
  await assert.rejects(admin.fetchTopicMetadata({ topics: ['no-such-topic'] }), (err) => {
    assert.equal(err.type, 'UNKNOWN_TOPIC_OR_PARTITION');
    return true;
  });
});
