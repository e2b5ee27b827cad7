// kafkajs for the Node end-to-end tests: loading it (failing loudly when it is not installed)
// and the client settings the group tests share.
'use strict';

const { notInstalled } = require('./group_processes');

let kafkajs;
try {
  kafkajs = require('kafkajs');
} catch (err) {
  throw notInstalled('kafkajs', err);
}

// A makeKafka(clientId) for a cluster started later: `bootstrap()` gives its address when a
// client is made. Every client logs WARN and above into `kafkaLog` (for diagnostics).
function kafkaFactory(bootstrap, kafkaLog) {
  return (clientId) => new kafkajs.Kafka({
    clientId,
    brokers: [bootstrap()],
    connectionTimeout: 5000,
    requestTimeout: 30000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    logLevel: kafkajs.logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      kafkaLog.push(`${clientId} ${kafkajs.logLevel[level] ?? level} ${namespace}: ` +
        `${log.message} ${JSON.stringify({ ...log, message: undefined, timestamp: undefined })}`);
    },
  });
}

// Starts a consumer of `topic` in `groupId` (fromBeginning) whose GROUP_JOIN and CRASH events
// are recorded, and runs it with `runOptions` (eachMessage, autoCommit, ...).
async function startTrackedConsumer(kafka, tracked, { groupId, topic, sessionTimeout },
  runOptions) {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout,
    heartbeatInterval: 300,
    rebalanceTimeout: 10000,
    maxWaitTimeInMs: 100, // empty Fetches come back after this; heartbeats run between them
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  Object.assign(tracked, { consumer, joins: [], crashes: [] });
  consumer.on(consumer.events.GROUP_JOIN, (e) => tracked.joins.push(e.payload));
  consumer.on(consumer.events.CRASH, (e) => tracked.crashes.push(e.payload));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run(runOptions);
  return tracked;
}

module.exports = { kafkajs, kafkaFactory, startTrackedConsumer };
