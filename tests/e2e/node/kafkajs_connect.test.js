// kafkajs against a real groupwire-gateway process. kafkajs opens with ApiVersions v2 (and would
// fall back on UNSUPPORTED_VERSION), then reads Metadata: it must see this gateway as the only
// broker and the --topic catalog. Run with `node --test` in this directory.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

let kafkajs;
try {
  kafkajs = require('kafkajs');
} catch (err) {
  // Fail loudly rather than skip: a missing install must not look like a pass.
  throw new Error(
    'kafkajs is not installed: run `npm ci --prefix tests/e2e/node` from the repo root ' +
      `(${err.message})`,
  );
}

const CATALOG = { orders: 3, events: 1, 'audit.log-v2': 12 };
const STARTUP_TIMEOUT_MS = 10000;
const LISTENING = /listening on ([^\s:]+):(\d+) \(advertised as ([^\s:]+):(\d+), node id (-?\d+)\)/;

// $GROUPWIRE_GATEWAY wins; otherwise the in-tree build next to tests/e2e/node.
const gatewayBinary =
  process.env.GROUPWIRE_GATEWAY ||
  path.resolve(__dirname, '..', '..', '..', 'build', 'gateway', 'groupwire-gateway');

// Starts the gateway on port 0 and resolves once it logs the port it bound.
function startGateway(args) {
  const proc = spawn(gatewayBinary, ['--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = [];
  const lines = readline.createInterface({ input: proc.stderr });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line in ${STARTUP_TIMEOUT_MS} ms:\n${log.join('\n')}`)),
      STARTUP_TIMEOUT_MS,
    );
    proc.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${gatewayBinary}: ${err.message}`));
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal}) before listening:\n${log.join('\n')}`));
    });
    lines.on('line', (line) => {
      log.push(line); // keep reading for the process's whole life so the pipe never fills
      const m = LISTENING.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({
          proc,
          log,
          bootstrap: `${m[1]}:${m[2]}`,
          advertisedHost: m[3],
          advertisedPort: Number(m[4]),
          nodeId: Number(m[5]),
        });
      }
    });
  });
  return ready;
}

// SIGTERM, then SIGKILL if it has not exited within 5 s. Resolves to the exit code (null when
// it had to be killed).
function stopGateway(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    proc.kill('SIGTERM');
  });
}

let gateway;
let admin;

before(async () => {
  const args = Object.entries(CATALOG).flatMap(([name, n]) => ['--topic', `${name}:${n}`]);
  gateway = await startGateway(args);
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
    const code = await stopGateway(gateway.proc);
    assert.equal(code, 0, `gateway exit code after SIGTERM; log:\n${gateway.log.join('\n')}`);
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
