// What librdkafka clients (@confluentinc/kafka-javascript) log, kept for the tests: a logger that
// collects every line into one list, and what the tests read from it.
'use strict';

// Keeps every line a client logs into `log` as {clientId, level, fac, message}; librdkafka's
// `debug` setting decides what comes.
function collectingLogger(log, clientId) {
  const at = (level) => (message, extra) =>
    log.push({ clientId, level, fac: extra?.fac, message });
  const logger = {
    error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'),
    setLogLevel: () => {},
    namespace: () => logger,
  };
  return logger;
}

const logText = (l) => `${l.clientId} ${l.level} ${l.fac}: ${l.message}`;

// Every connection the clients opened (librdkafka's `broker` debug lines).
const CONNECTING = /Connecting to ipv4#([\d.]+):(\d+)/;
const loggedConnections = (log) => log.map((l) => CONNECTING.exec(l.message)).filter(Boolean)
  .map(([, host, port]) => ({ host, port: Number(port) }));

module.exports = { collectingLogger, logText, loggedConnections };
