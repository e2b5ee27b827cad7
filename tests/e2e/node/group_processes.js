// Starts a groupwire-coordinator and a groupwire-gateway pointed at it, both on port 0, for the
// kafkajs group tests (startGateway alone for kafkajs_connect.test.js; upstream_processes.js
// builds on LoggedProcess too). Each process's stderr is read line by line for its whole life
// (so the pipe never fills) and tests can wait for a log line instead of sleeping.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const STARTUP_TIMEOUT_MS = 15000;

const coordinatorBinary =
  process.env.GROUPWIRE_COORDINATOR ||
  path.join(REPO_ROOT, 'build', 'coordinator-service', 'groupwire-coordinator');
const gatewayBinary =
  process.env.GROUPWIRE_GATEWAY || path.join(REPO_ROOT, 'build', 'gateway', 'groupwire-gateway');

// No initial rebalance delay and short session timeouts allowed, so tests run fast.
const FAST_GROUPS = ['--initial-rebalance-delay-ms', '0', '--min-session-timeout-ms', '500'];

// A coordinator's command line on a free port with a database of its own (removed at exit).
function coordinatorArgs(flags) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'groupwire-coordinator-'));
  process.once('exit', () => fs.rmSync(dataDir, { recursive: true, force: true }));
  return ['--listen', '127.0.0.1:0', '--data-dir', dataDir, ...flags];
}

class LoggedProcess {
  // stdout: 'ignore', or 'pipe' for a process that reports on it (read this.proc.stdout).
  constructor(name, binary, args, { stdout = 'ignore' } = {}) {
    this.name = name;
    this.lines = [];
    this.waiters = new Set();
    this.exited = false;
    this.proc = spawn(binary, args, { stdio: ['ignore', stdout, 'pipe'] });
    this.exit = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        for (const w of this.waiters) w.check();
        resolve(code ?? signal);
      });
    });
    this.spawnError = null;
    this.proc.on('error', (err) => {
      this.spawnError = err;
      this.exited = true;
      for (const w of this.waiters) w.check();
    });
    readline.createInterface({ input: this.proc.stderr }).on('line', (line) => {
      this.lines.push(line);
      for (const w of this.waiters) w.check();
    });
  }

  mark() {
    return this.lines.length;
  }

  log() {
    return `== ${this.name} ==\n${this.lines.join('\n')}`;
  }

  // Resolves with the match of the first line (from index `after` on) matching `regex`.
  waitForLine(regex, timeoutMs, after = 0) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          for (let i = after; i < this.lines.length; i++) {
            const m = regex.exec(this.lines[i]);
            if (m) {
              finish();
              resolve(m);
              return;
            }
          }
          if (this.exited) {
            finish();
            const why = this.spawnError ? `cannot run: ${this.spawnError.message}` : 'exited';
            reject(new Error(`${this.name} ${why} before logging ${regex}:\n${this.log()}`));
          }
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no ${this.name} log line matching ${regex} in ${timeoutMs} ms:\n` +
          this.log()));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  // SIGTERM, then SIGKILL after 5 s. Resolves to the exit code (a signal name if killed).
  stop() {
    if (this.exited) return this.exit;
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    this.proc.kill('SIGTERM');
    return this.exit.finally(() => clearTimeout(killer));
  }
}

const GATEWAY_LISTENING =
  /listening on ([^\s:]+):(\d+) \(advertised as ([^\s:]+):(\d+), node id (-?\d+)\)/;

// The "--topic NAME:PARTITIONS" flags for a {name: partitions} catalog.
const topicFlags = (topics) =>
  Object.entries(topics).flatMap(([name, n]) => ['--topic', `${name}:${n}`]);

// Starts a gateway on port 0 with `args` and resolves once it logs the port it bound (a
// `listening` regex with more to match, e.g. upstream mode, may be given). On failure the
// gateway is stopped and the error rethrown.
async function startGateway(args, listening = GATEWAY_LISTENING) {
  const gateway = new LoggedProcess('gateway', gatewayBinary, ['--listen', '127.0.0.1:0', ...args]);
  try {
    return { gateway, match: await gateway.waitForLine(listening, STARTUP_TIMEOUT_MS) };
  } catch (err) {
    await gateway.stop();
    throw err;
  }
}

async function startCluster(topics, coordinatorFlags = FAST_GROUPS) {
  const coordinator =
    new LoggedProcess('coordinator', coordinatorBinary, coordinatorArgs(coordinatorFlags));
  const [, coordinatorAddress] = await coordinator.waitForLine(
    /listening on (\S+:\d+)/, STARTUP_TIMEOUT_MS);
  let gateway;
  let m;
  try {
    ({ gateway, match: m } = await startGateway(
      ['--coordinator', coordinatorAddress, ...topicFlags(topics)]));
  } catch (err) {
    await coordinator.stop();
    throw err;
  }
  return {
    coordinator,
    gateway,
    processes: [gateway, coordinator],
    bootstrap: `${m[1]}:${m[2]}`,
    nodeId: Number(m[5]),
    logs: () => `${coordinator.log()}\n${gateway.log()}`,
    // Both must exit 0 on SIGTERM: a crash, a hang or a sanitizer report would not.
    stop: async () => ({ gateway: await gateway.stop(), coordinator: await coordinator.stop() }),
  };
}

// Polls `condition` (may be async) until it returns something truthy (returned), failing after
// timeoutMs, or at once if one of cluster.processes died (it will not bring the condition).
// `diag()` gives the text for the failure.
async function waitUntil(cluster, condition, what, diag, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    for (const p of cluster.processes) {
      if (p.exited) throw new Error(`${p.name} died while waiting for ${what}\n${diag()}`);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${diag()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// For after(): stops the cluster (if it started) and asserts that each process whose exit code
// its stop() reports (the gateways and the coordinator) exited 0 on SIGTERM.
async function stopClusterCleanly(cluster) {
  if (!cluster) return;
  const codes = await cluster.stop();
  assert.deepEqual(codes, Object.fromEntries(Object.keys(codes).map((name) => [name, 0])),
    `exit codes; logs:\n${cluster.logs()}`);
}

// The error for a client library that is not installed: a missing install must fail loudly,
// not look like a pass. tests/run-all.sh installs them so.
const notInstalled = (library, err) => new Error(`${library} is not installed: run ` +
  '`CKJS_LINKING=dynamic npm_config_nodedir=/usr npm ci --prefix tests/e2e/node` from the repo ' +
  `root (${err.message})`);

module.exports = {
  notInstalled, startCluster, startGateway, waitUntil, stopClusterCleanly, topicFlags, FAST_GROUPS,
  LoggedProcess, coordinatorArgs, coordinatorBinary, gatewayBinary, STARTUP_TIMEOUT_MS,
};
