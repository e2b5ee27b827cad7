// Gateways in upstream mode for the Node end-to-end tests: librdkafka's mock cluster
// (groupwire-dev-upstream) holds the records, a groupwire-coordinator the groups, and one or more
// groupwire-gateways started with --upstream and --broker-port-base 0 sit in front of both.
// Every process starts on free ports and is waited for through what it prints (the mock's
// "bootstrap ..." line on stdout, the "listening on" log lines), never with sleeps.
//
// watchConnections() records the address of every TCP connection this process opens (through
// node's 'net.client.socket' diagnostics channel, which sees the sockets of kafkajs and
// @platformatic/kafka alike), so a test can assert that a client talked to gateway ports only.
'use strict';

const assert = require('node:assert/strict');
const dc = require('node:diagnostics_channel');
const { before, after } = require('node:test');
const path = require('node:path');
const readline = require('node:readline');

const {
  LoggedProcess, coordinatorArgs, coordinatorBinary, startGateway, stopClusterCleanly, topicFlags,
  STARTUP_TIMEOUT_MS,
} = require('./group_processes');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const devUpstreamBinary = process.env.GROUPWIRE_DEV_UPSTREAM ||
  path.join(REPO_ROOT, 'build', 'deploy', 'dev-upstream', 'groupwire-dev-upstream');

// No initial rebalance delay, and session timeouts down to 1 s allowed.
const UPSTREAM_GROUPS = ['--initial-rebalance-delay-ms', '0', '--min-session-timeout-ms', '1000'];

const BROKER_LISTENER = /upstream broker (-?\d+) \(([^)]+)\) is reached through (\S+:\d+)/;
const UPSTREAM_MODE =
  /listening on ([^\s:]+):(\d+) \(advertised as \S+, node id -?\d+\), coordinator \S+, upstream mode$/;
// The gateway closed a client connection over a request it does not serve or cannot decode.
const REFUSED_REQUEST = /closing connection from .*: (unknown API key|API key \d+ )/;

const portOf = (address) => Number(address.slice(address.lastIndexOf(':') + 1));

// The first line `p` prints on stdout.
function firstStdoutLine(p, timeoutMs) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: p.proc.stdout });
    const timer = setTimeout(() => done(new Error(
      `${p.name} printed nothing on stdout within ${timeoutMs} ms:\n${p.log()}`)), timeoutMs);
    const onExit = () => done(new Error(`${p.name} exited before printing a line:\n${p.log()}`));
    const done = (err, line) => {
      clearTimeout(timer);
      p.proc.off('exit', onExit);
      lines.removeAllListeners('line');
      if (err) reject(err);
      else resolve(line);
    };
    lines.once('line', (line) => done(null, line));
    p.proc.once('exit', onExit);
    if (p.exited) onExit();
  });
}

// Starts the mock, the coordinator (UPSTREAM_GROUPS, then `coordinatorFlags`: an array, or a
// function of the mock's bootstrap giving one) and `gateways` gateways sharing both. The first gateway is `gateway` (its bootstrap `bootstrap`); all are in
// `gateways` and `bootstraps`, named "gateway", "gateway 2", ...
async function startUpstreamCluster(topics,
  { brokers = 3, gateways = 1, coordinatorFlags = [] } = {}) {
  const started = [];
  const stopAll = async () => {
    for (const p of started.slice().reverse()) await p.stop();
  };
  try {
    const upstream = new LoggedProcess('dev-upstream', devUpstreamBinary,
      ['--brokers', String(brokers), ...topicFlags(topics)], { stdout: 'pipe' });
    started.push(upstream);
    const line = await firstStdoutLine(upstream, STARTUP_TIMEOUT_MS);
    if (!line.startsWith('bootstrap ')) {
      throw new Error(`groupwire-dev-upstream printed ${JSON.stringify(line)}, not "bootstrap ..."`);
    }
    const upstreamBootstrap = line.slice('bootstrap '.length).trim();
    const upstreamBrokers = upstreamBootstrap.split(',');

    const flags = typeof coordinatorFlags === 'function' ?
      coordinatorFlags(upstreamBootstrap) : coordinatorFlags;
    const coordinator = new LoggedProcess('coordinator', coordinatorBinary,
      coordinatorArgs([...UPSTREAM_GROUPS, ...flags]));
    started.push(coordinator);
    const [, coordinatorAddress] =
      await coordinator.waitForLine(/listening on (\S+:\d+)/, STARTUP_TIMEOUT_MS);

    const fronts = [];
    for (let i = 0; i < gateways; i++) {
      const { gateway, match: m } = await startGateway([
        '--coordinator', coordinatorAddress, '--upstream', upstreamBootstrap,
        '--broker-port-base', '0',
      ], UPSTREAM_MODE);
      started.push(gateway);
      if (i > 0) gateway.name = `gateway ${i + 1}`;
      const brokerListeners = {};
      const upstreamByNode = {};
      for (const l of gateway.lines) {
        const b = BROKER_LISTENER.exec(l);
        if (b) {
          brokerListeners[Number(b[1])] = b[3];
          upstreamByNode[Number(b[1])] = b[2];
        }
      }
      if (JSON.stringify(Object.values(upstreamByNode).sort()) !==
          JSON.stringify(upstreamBrokers.slice().sort())) {
        throw new Error(`${gateway.name} maps ${JSON.stringify(upstreamByNode)}, the mock is at ` +
          `${upstreamBootstrap}:\n${gateway.log()}`);
      }
      fronts.push({ gateway, bootstrap: `${m[1]}:${m[2]}`, brokerListeners });
    }
    const all = fronts.map((f) => f.gateway);
    return {
      upstream,
      upstreamBootstrap,
      coordinator,
      coordinatorAddress,
      gateway: fronts[0].gateway,
      gateways: all,
      processes: [...all, coordinator, upstream],
      bootstrap: fronts[0].bootstrap,
      bootstraps: fronts.map((f) => f.bootstrap),
      // {node id: "127.0.0.1:PORT"}: the first gateway's per-broker listeners
      brokerListeners: fronts[0].brokerListeners,
      upstreamBrokers, // the mock's own addresses: no client may reach them
      gatewayPorts: new Set(fronts.flatMap((f) =>
        [portOf(f.bootstrap), ...Object.values(f.brokerListeners).map(portOf)])),
      upstreamPorts: new Set(upstreamBrokers.map(portOf)),
      refusedRequests: () => all.flatMap((g) => g.lines.filter((l) => REFUSED_REQUEST.test(l))),
      logs: () => `${coordinator.log()}\n${all.map((g) => g.log()).join('\n')}\n` +
        `== dev-upstream (last lines) ==\n${upstream.lines.slice(-30).join('\n')}`,
      // The gateways and the coordinator must exit 0 on SIGTERM: a crash, a hang or a sanitizer
      // report would not.
      stop: async () => {
        const codes = {};
        for (const g of all) codes[g.name] = await g.stop();
        codes.coordinator = await coordinator.stop();
        await upstream.stop();
        return codes;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

// Records {host, port} of every TCP connection this process establishes from now on.
function watchConnections() {
  const seen = [];
  const onSocket = ({ socket }) => {
    socket.once('connect', () => seen.push({ host: socket.remoteAddress, port: socket.remotePort }));
  };
  dc.subscribe('net.client.socket', onSocket);
  return { seen, stop: () => dc.unsubscribe('net.client.socket', onSocket) };
}

// Problems with the connections seen: each must go to one of the gateway's ports, never to an
// upstream broker.
function connectionProblems(cluster, seen) {
  const problems = [];
  for (const { host, port } of seen) {
    if (cluster.upstreamPorts.has(port)) {
      problems.push(`connected to upstream broker ${host}:${port}`);
    } else if (host !== '127.0.0.1' || !cluster.gatewayPorts.has(port)) {
      problems.push(`connected to ${host}:${port}, not a gateway listener ` +
        `(${[...cluster.gatewayPorts].join(', ')})`);
    }
  }
  return [...new Set(problems)];
}

// Registers the test file's before() and after() hooks: before, `setup()` (e.g. loading the
// client), then watchConnections() and startUpstreamCluster(topics, options), handed to
// onStarted(cluster, watch) (awaited); after, both are stopped and the gateways and the
// coordinator must have exited 0.
function useUpstreamCluster(topics, onStarted, setup = async () => {}, options = {}) {
  let cluster;
  let watch;
  before(async () => {
    await setup();
    watch = watchConnections();
    cluster = await startUpstreamCluster(topics, options);
    await onStarted(cluster, watch);
  });
  after(async () => {
    watch?.stop();
    await stopClusterCleanly(cluster);
  });
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// A record's identity: topic/partition/offset.
const key = (r) => `${r.topic}/${r.partition}/${r.offset}`;

// Records consumed by `members` (each [tracked, index to count from]), as {member, record}.
const consumedBy = (members) => members.flatMap(([t, from]) =>
  t.records.slice(from).map((r) => ({ member: t, record: r })));

// Waits, with until(condition, what, diag), for `members` to have consumed every record of
// `expected` (key -> value); returns what they consumed.
async function waitForRecords(until, members, expected, what, diag) {
  return until(() => {
    const pairs = consumedBy(members);
    const got = Object.fromEntries(pairs.map(({ record }) => [key(record), record.value]));
    return Object.entries(expected).every(([k, v]) => got[k] === v) ? pairs : null;
  }, what, diag);
}

// The records consumed are exactly `expected`, each once.
function assertExactly(pairs, expected, what, diag) {
  const keys = pairs.map(({ record }) => key(record));
  const duplicates = keys.filter((k, i) => keys.indexOf(k) !== i);
  assert.deepEqual(duplicates, [], `${what}: records consumed more than once\n${diag()}`);
  assert.deepEqual(Object.fromEntries(pairs.map(({ record }) => [key(record), record.value])),
    expected, `${what}: records consumed other than those expected\n${diag()}`);
}

// Starts member 'first' and waits for it to hold all `partitions`, then member 'second' and waits
// for the two to split the topic between them (and, given `generation`, to agree on it). Both go
// into `started` as they start, for diagnostics and clean-up. Returns [first, second, their
// partitions].
async function startTwoMembers({ startMember, assigned, generation = () => 0, groupId, partitions,
  started, until, diag }) {
  const all = [...Array(partitions).keys()];
  const first = await startMember('first', groupId);
  started.push(first);
  await until(() => same(assigned(first), all), 'the first member alone to get every partition',
    diag);
  const second = await startMember('second', groupId);
  started.push(second);
  const [pa, pb] = await until(() => {
    const [a, b] = [assigned(first), assigned(second)];
    const union = [...new Set([...a, ...b])].sort((x, y) => x - y);
    return a.length && b.length && a.length + b.length === partitions && same(union, all) &&
      generation(first) === generation(second) ? [a, b] : null;
  }, 'the two members to hold disjoint partitions covering the topic', diag);
  return [first, second, pa, pb];
}

module.exports = {
  startUpstreamCluster, useUpstreamCluster, watchConnections, connectionProblems, same, key,
  waitForRecords, assertExactly, startTwoMembers, UPSTREAM_GROUPS,
};
