// Starts a groupwire-coordinator and a groupwire-gateway pointed at it, both on port 0, for the
// kafkajs group tests. Each process's stderr is read line by line for its whole life (so the
// pipe never fills) and tests can wait for a log line instead of sleeping.
'use strict';

const { spawn } = require('node:child_process');
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

async function startCluster(topics, coordinatorFlags = FAST_GROUPS) {
  const coordinator = new LoggedProcess('coordinator', coordinatorBinary, [
    '--listen', '127.0.0.1:0', ...coordinatorFlags,
  ]);
  const [, coordinatorAddress] = await coordinator.waitForLine(
    /listening on (\S+:\d+)/, STARTUP_TIMEOUT_MS);
  const topicArgs = Object.entries(topics).flatMap(([name, n]) => ['--topic', `${name}:${n}`]);
  const gateway = new LoggedProcess('gateway', gatewayBinary, [
    '--listen', '127.0.0.1:0', '--coordinator', coordinatorAddress, ...topicArgs,
  ]);
  let m;
  try {
    m = await gateway.waitForLine(
      /listening on ([^\s:]+):(\d+) \(advertised as ([^\s:]+):(\d+), node id (-?\d+)\)/,
      STARTUP_TIMEOUT_MS);
  } catch (err) {
    await coordinator.stop();
    throw err;
  }
  return {
    coordinator,
    gateway,
    bootstrap: `${m[1]}:${m[2]}`,
    nodeId: Number(m[5]),
    logs: () => `${coordinator.log()}\n${gateway.log()}`,
    // Both must exit 0 on SIGTERM: a crash, a hang or a sanitizer report would not.
    stop: async () => ({ gateway: await gateway.stop(), coordinator: await coordinator.stop() }),
  };
}

module.exports = {
  startCluster, FAST_GROUPS, LoggedProcess, coordinatorBinary, gatewayBinary, STARTUP_TIMEOUT_MS,
};
