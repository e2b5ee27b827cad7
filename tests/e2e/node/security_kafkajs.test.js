// kafkajs 2.2.4 over SASL_SSL: gateways in upstream mode (librdkafka's mock cluster, a
// coordinator) with TLS on every listener (certificates from tests/e2e/tls_certs.py) and SASL
// SCRAM-SHA-512 against a users file written by `groupwire users add`.
//   - with `ssl: { ca }` and `sasl: { mechanism: 'scram-sha-512' }`: produce, consume in a
//     group, commitOffsets (fetchOffsets reads them back), admin.listGroups lists the group;
//     no login fails, and every connection goes to the secure gateway's listeners;
//   - KIP-368: a second gateway with --sasl-session-lifetime-ms 3000; kafkajs re-authenticates
//     on its connections before their sessions end, so producing and consuming one record at a
//     time for over two lifetimes works and the gateway never closes an expired session.
// Run with `node --test security_kafkajs.test.js` in this directory, with GROUPWIRE_DEV_UPSTREAM,
// GROUPWIRE_GATEWAY, GROUPWIRE_COORDINATOR and GROUPWIRE_CLI set (ctest does).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startGateway, waitUntil } = require('./group_processes');
const { startUpstreamCluster } = require('./upstream_processes');
const { kafkajs } = require('./kafkajs_client');

const E2E_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const cliBinary = process.env.GROUPWIRE_CLI ||
  path.join(REPO_ROOT, 'build', 'coordinator-service', 'cli', 'groupwire');
const PYTHON = process.env.GROUPWIRE_E2E_PYTHON || '/usr/bin/python3';

const TOPIC = 'secure-orders';
const PARTITIONS = 3;
const N = 4;
const LIFETIME_MS = 3000;
const DEADLINE_MS = 45000;
const USER = 'alice';
const PASSWORD = 'alice-secret';

const UPSTREAM_MODE = new RegExp('listening on ([^\\s:]+):(\\d+) \\(advertised as \\S+, node id ' +
  '-?\\d+\\), coordinator \\S+, upstream mode, TLS, SASL ');
const BROKER_LISTENER = /upstream broker -?\d+ \([^)]+\) is reached through \S+:(\d+)/;
const LOGIN_PROBLEM = /closing connection from|authentication failed|expired/;

let cluster;
let dir;
let pki;
const gateways = {};
const kafkaLog = [];
// Every address kafkajs dials ({host, port}), recorded by its socket factory: node's
// 'net.client.socket' diagnostics channel does not see TLS sockets.
const dialled = [];
const tlsSocketFactory = require('kafkajs/src/network/socketFactory')();
const recordingSocketFactory = (args) => {
  dialled.push({ host: args.host, port: args.port });
  return tlsSocketFactory(args);
};

// The CA, and the gateway's certificate and key, made by tls_certs.Pki in `directory`.
function makePki(directory) {
  const script = 'import json, sys\nfrom tls_certs import Pki\npki = Pki(sys.argv[1])\n' +
    's = pki.server("gateway")\n' +
    'print(json.dumps({"ca": str(pki.ca().cert), "cert": str(s.cert), "key": str(s.key)}))';
  return JSON.parse(execFileSync(PYTHON, ['-c', script, directory], { cwd: E2E_DIR }));
}

// A gateway in upstream mode with TLS and SASL in front of the cluster's mock and coordinator;
// `ports` holds its bootstrap and broker listener ports.
async function startSecureGateway(users, extra = []) {
  const [, coordinator] = await cluster.coordinator.waitForLine(/listening on (\S+:\d+)/, 1000);
  const { gateway, match } = await startGateway([
    '--coordinator', coordinator, '--upstream', cluster.upstreamBrokers.join(','),
    '--broker-port-base', '0', '--tls-cert', pki.cert, '--tls-key', pki.key,
    '--sasl-mechanisms', 'SCRAM-SHA-512', '--sasl-users', users, ...extra,
  ], UPSTREAM_MODE);
  const ports = new Set([Number(match[2])]);
  for (const line of gateway.lines) {
    const m = BROKER_LISTENER.exec(line);
    if (m) ports.add(Number(m[1]));
  }
  return { gateway, bootstrap: `${match[1]}:${match[2]}`, ports };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'groupwire-security-kafkajs-'));
  pki = makePki(path.join(dir, 'pki'));
  const users = path.join(dir, 'users');
  execFileSync(cliBinary, ['users', 'add', USER, '--file', users, '--mechanism',
    'SCRAM-SHA-512', '--password-stdin'], { input: `${PASSWORD}\n` });
  cluster = await startUpstreamCluster({ [TOPIC]: PARTITIONS, lifetime: 1 });
  gateways.secure = await startSecureGateway(users);
  gateways.lifetime = await startSecureGateway(users,
    ['--sasl-session-lifetime-ms', String(LIFETIME_MS)]);
});

after(async () => {
  const codes = {};
  for (const [name, g] of Object.entries(gateways)) codes[name] = await g.gateway.stop();
  if (cluster) Object.assign(codes, await cluster.stop());
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(codes, { secure: 0, lifetime: 0, gateway: 0, coordinator: 0 });
});

function makeKafka(g, clientId, extra = {}) {
  return new kafkajs.Kafka({
    clientId,
    brokers: [g.bootstrap],
    ssl: { ca: [fs.readFileSync(pki.ca)] },
    sasl: { mechanism: 'scram-sha-512', username: USER, password: PASSWORD },
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    socketFactory: recordingSocketFactory,
    logLevel: kafkajs.logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      kafkaLog.push(`${clientId} ${kafkajs.logLevel[level] ?? level} ${namespace}: ${log.message}`);
    },
    ...extra,
  });
}

const diag = (g) => () => `-- kafkajs log:\n${kafkaLog.slice(-40).join('\n')}\n${g.gateway.log()}`;

// A consumer of `topic` in `groupId` from the beginning, pushing every record's value into
// `values` (no auto commit).
async function startConsumer(kafka, groupId, topic, values) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300,
    maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false,
    eachMessage: async ({ message }) => { values.push(message.value.toString()); } });
  return consumer;
}

test('kafkajs over SASL_SSL SCRAM-SHA-512: produce, consume in a group, commit, listGroups',
  { timeout: 120000 }, async (t) => {
    const g = gateways.secure;
    const mark = g.gateway.mark();
    const kafka = makeKafka(g, 'kafkajs-secure');
    const producer = kafka.producer();
    const admin = kafka.admin();
    const values = [];
    const groupId = 'kafkajs-secure-group';
    let consumer;
    t.after(async () => {
      await consumer?.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    });
    await producer.connect();
    await admin.connect();
    const expected = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const messages = [...Array(N).keys()].map((i) => ({ partition: p, value: `p${p}-r${i}` }));
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages });
      assert.equal(meta.errorCode, 0);
      expected.push(...messages.map((m) => m.value));
    }
    consumer = await startConsumer(kafka, groupId, TOPIC, values);
    await waitUntil(cluster, () => values.length >= expected.length,
      'every record to be consumed', diag(g), DEADLINE_MS);
    assert.deepEqual(values.slice().sort(), expected.slice().sort(), diag(g)());

    await consumer.commitOffsets([...Array(PARTITIONS).keys()].map((partition) =>
      ({ topic: TOPIC, partition, offset: String(N) })));
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
    assert.deepEqual(Object.fromEntries(partitions.map((p) => [p.partition, Number(p.offset)])),
      Object.fromEntries([...Array(PARTITIONS).keys()].map((p) => [p, N])));
    const { groups } = await admin.listGroups();
    assert.ok(groups.some((grp) => grp.groupId === groupId && grp.protocolType === 'consumer'),
      JSON.stringify(groups));

    assert.deepEqual(g.gateway.lines.slice(mark).filter((l) => LOGIN_PROBLEM.test(l)), [],
      diag(g)());
    const stray = dialled.filter(({ host, port }) => host !== '127.0.0.1' ||
      !(g.ports.has(port) || gateways.lifetime.ports.has(port)));
    assert.deepEqual(stray, [], `gateway ports ${[...g.ports]}`);
    assert.ok(dialled.some(({ port }) => port === [...g.ports][0]), JSON.stringify(dialled));
  });

test('kafkajs re-authenticates before its SASL sessions end (KIP-368)',
  { timeout: 120000 }, async (t) => {
    const g = gateways.lifetime;
    const mark = g.gateway.mark();
    // Re-authenticate once less than a second of the session is left.
    const kafka = makeKafka(g, 'kafkajs-reauth', { reauthenticationThreshold: 1000 });
    const producer = kafka.producer();
    const values = [];
    let consumer;
    t.after(async () => {
      await consumer?.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
    });
    await producer.connect();
    consumer = await startConsumer(kafka, 'kafkajs-reauth-group', 'lifetime', values);
    // One record at a time, each consumed before the next is produced, for 2.3 lifetimes.
    const sent = [];
    const end = Date.now() + 2.3 * LIFETIME_MS;
    while (Date.now() < end) {
      sent.push(`r${sent.length}`);
      await producer.send({ topic: 'lifetime', acks: -1, messages: [{ value: sent.at(-1) }] });
      await waitUntil(cluster, () => values.includes(sent.at(-1)), `record ${sent.at(-1)}`,
        diag(g), DEADLINE_MS);
    }
    assert.deepEqual(values, sent, diag(g)());
    assert.ok(sent.length > 3, `only ${sent.length} records in ${2.3 * LIFETIME_MS} ms`);
    // No session ended: kafkajs re-authenticated on every connection in time.
    assert.deepEqual(g.gateway.lines.slice(mark).filter((l) => LOGIN_PROBLEM.test(l)), [],
      diag(g)());
  });
