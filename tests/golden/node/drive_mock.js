// Drives @platformatic/kafka's low-level API functions against a running
// librdkafka mock cluster (tests/golden/mock_broker.c), so that the mock
// encodes real flexible-version responses while capture.sh records the
// traffic. Usage: node drive_mock.js HOST:PORT
// Only APIs whose flexible versions the librdkafka 2.15.1 mock parses and
// encodes correctly are used: Metadata v9-12, Heartbeat v4 and OffsetCommit
// v8/v9. (Its JoinGroup v6 and SyncGroup v4 handlers read the compact
// protocols/assignments array count as an int32 and drop the connection; its
// LeaveGroup v4 handler reads the v0-2 single MemberId layout; its
// FindCoordinator max is v3 and platformatic starts at v4.)
// Each call uses its own connection so one failure cannot hide the others.
'use strict'

const GROUP = 'golden-group-p'
const TOPIC = 'golden-topic'
const TOPIC2 = 'golden-topic-b'

async function main () {
  const [host, port] = process.argv[2].split(':')
  const pk = await import('@platformatic/kafka')
  const call = async (mod, ...args) => {
    const conn = new pk.Connection('golden-client', { requestTimeout: 10000 })
    try {
      await conn.connect(host, Number(port))
      const r = await pk[mod].api.async(conn, ...args)
      console.log(`drive_mock: ${mod} ok`)
      return r
    } catch (e) {
      // error responses are vectors too
      console.log(`drive_mock: ${mod} -> ${e.response ? 'error response' : e.message}`)
      return e.response
    } finally {
      await conn.close().catch(() => {})
    }
  }

  for (const v of [9, 10, 11, 12]) {
    // allow_auto_topic_creation false; include_topic_authorized_operations false
    await call(`metadataV${v}`, [TOPIC, TOPIC2], false, false)
  }
  // Group unknown to the mock: a real error response (no member state needed).
  await call('heartbeatV4', GROUP, 7, 'golden-member-1', null)
  // Simple (non-member) commits: generation -1, empty member id.
  const topics = [
    { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 2n, committedLeaderEpoch: -1, committedMetadata: 'golden-meta' }, { partitionIndex: 2, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: null }] },
    { name: TOPIC2, partitions: [{ partitionIndex: 1, committedOffset: 9n, committedLeaderEpoch: -1, committedMetadata: '' }] }
  ]
  await call('offsetCommitV8', GROUP, -1, '', null, topics)
  await call('offsetCommitV9', GROUP, -1, '', null, topics)
}

main().catch((e) => { console.error(e); process.exit(1) })
