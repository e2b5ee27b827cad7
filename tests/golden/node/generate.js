// Golden Kafka request vectors from two third-party node clients:
//
//  * kafkajs 2.2.4: src/protocol/requests/<api>/index.js picks the v<N>
//    request encoder, src/protocol/request.js adds the request header (v1)
//    and the size; the vector is that buffer without its 4-byte size.
//    Embedded consumer-protocol blobs: src/consumer/assignerProtocol.js.
//  * @platformatic/kafka: its low-level API functions (joinGroupV9.api(...)
//    and so on) are called on a real network Connection pointed at a local
//    TCP sink, which records the bytes the library writes (header + body).
//    The sink never answers; correlation ids are the Connection's own
//    counter (1, 2, 3, ... in call order).
//
// Usage: cd tests/golden/node && npm ci && node generate.js
'use strict'
const net = require('net')
const { Uuid, flatten, writeGolden } = require('./golden')

const CLIENT_ID = 'golden-client'
const GROUP = 'golden-group'
const GROUP2 = 'golden-group-2'
const MEMBER = 'golden-member-1'
const MEMBER2 = 'golden-member-2'
const INSTANCE = 'golden-instance-1'
const TOPIC = 'golden-topic'
const TOPIC2 = 'golden-topic-b'

const kafkajsVersion = require('kafkajs/package.json').version
const platformaticVersion = JSON.parse(require('fs').readFileSync(require('path').join(__dirname, 'node_modules/@platformatic/kafka/package.json'))).version

// ---------------------------------------------------------------- kafkajs --
const requestWithHeader = require('kafkajs/src/protocol/request')
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol')

const KJS_SUB_USER_DATA = Buffer.from('kafkajs-user-data')
const KJS_SUB = MemberMetadata.encode({ version: 0, topics: [TOPIC, TOPIC2], userData: KJS_SUB_USER_DATA })
const KJS_SUB_B = MemberMetadata.encode({ version: 0, topics: [TOPIC], userData: KJS_SUB_USER_DATA })
const KJS_ASSIGN = MemberAssignment.encode({
  version: 0,
  assignment: { [TOPIC]: [0, 2], [TOPIC2]: [1] },
  userData: Buffer.from([0xbe, 0xef])
})
const KJS_ASSIGN_B = MemberAssignment.encode({ version: 0, assignment: { [TOPIC]: [1] }, userData: Buffer.alloc(0) })

const kjsCid = (apiKey, version) => 0x4a530000 + apiKey * 100 + version // "JS"

// spec: { api, dir, versions: [...], args(v) -> kafkajs protocol args, expects(v) -> nested data }
const KAFKAJS = [
  { api: 'ApiVersions', dir: 'apiVersions', args: () => ({}), expects: () => ({}) },
  {
    api: 'Metadata',
    dir: 'metadata',
    args: (v) => ({ topics: [TOPIC, TOPIC2], allowAutoTopicCreation: false }),
    expects: (v) => Object.assign({ topics: [{ name: TOPIC }, { name: TOPIC2 }] },
      v >= 4 ? { allow_auto_topic_creation: false } : {})
  },
  {
    api: 'FindCoordinator',
    dir: 'findCoordinator',
    args: (v) => ({ groupId: GROUP, coordinatorKey: GROUP, coordinatorType: 0 }),
    expects: (v) => Object.assign({ key: GROUP }, v >= 1 ? { key_type: 0 } : {})
  },
  {
    api: 'JoinGroup',
    dir: 'joinGroup',
    args: (v) => ({
      groupId: GROUP,
      sessionTimeout: 45000,
      rebalanceTimeout: 300000,
      memberId: MEMBER,
      groupInstanceId: INSTANCE,
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: KJS_SUB }, { name: 'range', metadata: KJS_SUB_B }]
    }),
    expects: (v) => {
      const d = { group_id: GROUP, session_timeout_ms: 45000 }
      if (v >= 1) d.rebalance_timeout_ms = 300000
      d.member_id = MEMBER
      if (v >= 5) d.group_instance_id = INSTANCE
      d.protocol_type = 'consumer'
      d.protocols = [{ name: 'RoundRobinAssigner', metadata: KJS_SUB }, { name: 'range', metadata: KJS_SUB_B }]
      return d
    }
  },
  {
    api: 'SyncGroup',
    dir: 'syncGroup',
    args: (v) => ({
      groupId: GROUP,
      generationId: 7,
      memberId: MEMBER,
      groupInstanceId: INSTANCE,
      groupAssignment: [{ memberId: MEMBER, memberAssignment: KJS_ASSIGN }, { memberId: MEMBER2, memberAssignment: KJS_ASSIGN_B }]
    }),
    expects: (v) => {
      const d = { group_id: GROUP, generation_id: 7, member_id: MEMBER }
      if (v >= 3) d.group_instance_id = INSTANCE
      d.assignments = [{ member_id: MEMBER, assignment: KJS_ASSIGN }, { member_id: MEMBER2, assignment: KJS_ASSIGN_B }]
      return d
    }
  },
  {
    api: 'Heartbeat',
    dir: 'heartbeat',
    args: (v) => ({ groupId: GROUP, groupGenerationId: 7, memberId: MEMBER, groupInstanceId: INSTANCE }),
    expects: (v) => Object.assign({ group_id: GROUP, generation_id: 7, member_id: MEMBER },
      v >= 3 ? { group_instance_id: INSTANCE } : {})
  },
  {
    api: 'LeaveGroup',
    dir: 'leaveGroup',
    // index.js v3 wraps memberId/groupInstanceId into a one-element Members array
    args: (v) => ({ groupId: GROUP, memberId: MEMBER, groupInstanceId: INSTANCE }),
    expects: (v) => v >= 3
      ? { group_id: GROUP, members: [{ member_id: MEMBER, group_instance_id: INSTANCE }] }
      : { group_id: GROUP, member_id: MEMBER }
  },
  {
    api: 'OffsetCommit',
    dir: 'offsetCommit',
    args: (v) => ({
      groupId: GROUP,
      groupGenerationId: 7,
      memberId: MEMBER,
      retentionTime: 86400000,
      topics: [
        { topic: TOPIC, partitions: [{ partition: 0, offset: '1234567890123', timestamp: '1700000000000', metadata: 'golden-meta' }, { partition: 2, offset: '42', timestamp: '1700000000000' }] },
        { topic: TOPIC2, partitions: [{ partition: 1, offset: '0', timestamp: '1700000000000', metadata: '' }] }
      ]
    }),
    expects: (v) => {
      const d = { group_id: GROUP }
      if (v >= 1) { d.generation_id_or_member_epoch = 7; d.member_id = MEMBER }
      if (v >= 2 && v <= 4) d.retention_time_ms = 86400000
      const p = (idx, off, md) => Object.assign({ partition_index: idx, committed_offset: off },
        v === 1 ? { commit_timestamp: 1700000000000 } : {}, { committed_metadata: md })
      d.topics = [
        { name: TOPIC, partitions: [p(0, 1234567890123, 'golden-meta'), p(2, 42, null)] },
        { name: TOPIC2, partitions: [p(1, 0, '')] }
      ]
      return d
    }
  },
  {
    api: 'OffsetFetch',
    dir: 'offsetFetch',
    args: (v) => ({ groupId: GROUP, topics: [{ topic: TOPIC, partitions: [{ partition: 0 }, { partition: 2 }] }, { topic: TOPIC2, partitions: [{ partition: 1 }] }] }),
    expects: (v) => ({ group_id: GROUP, topics: [{ name: TOPIC, partition_indexes: [0, 2] }, { name: TOPIC2, partition_indexes: [1] }] })
  },
  {
    api: 'DescribeGroups',
    dir: 'describeGroups',
    args: (v) => ({ groupIds: [GROUP, GROUP2] }),
    expects: (v) => ({ groups: [GROUP, GROUP2] })
  },
  { api: 'ListGroups', dir: 'listGroups', args: () => ({}), expects: () => ({}) },
  {
    api: 'DeleteGroups',
    dir: 'deleteGroups',
    args: (v) => [GROUP, GROUP2], // this encoder takes the array itself
    expects: (v) => ({ groups_names: [GROUP, GROUP2] })
  }
]

async function generateKafkajs () {
  let n = 0
  for (const spec of KAFKAJS) {
    const mod = require(`kafkajs/src/protocol/requests/${spec.dir}`)
    for (const vs of mod.versions) {
      const v = Number(vs)
      const { request } = mod.protocol({ version: v })(spec.args(v))
      if (request.apiVersion !== v) throw new Error(`${spec.api} v${v}: encoder says v${request.apiVersion}`)
      const correlationId = kjsCid(request.apiKey, v)
      const sized = (await requestWithHeader({ correlationId, clientId: CLIENT_ID, request })).buffer
      if (sized.readInt32BE(0) !== sized.length - 4) throw new Error('size mismatch')
      const frame = sized.subarray(4)
      const expects = [['header.correlation_id', correlationId], ['header.client_id', CLIENT_ID], ...flatten('', spec.expects(v))]
      writeGolden(`${spec.api}_request_v${v}_kafkajs`, {
        source: `kafkajs ${kafkajsVersion}, src/protocol/requests/${spec.dir}/v${v}/request.js via src/protocol/request.js (header), size prefix removed`,
        api: spec.api,
        direction: 'request',
        version: v,
        frame,
        expects
      })
      n++
    }
  }
  writeGolden('ConsumerProtocolSubscription_embedded_v0_kafkajs', {
    source: `kafkajs ${kafkajsVersion}, src/consumer/assignerProtocol.js MemberMetadata.encode({version: 0})`,
    api: 'ConsumerProtocolSubscription',
    direction: 'embedded',
    version: 0,
    frame: KJS_SUB,
    expects: flatten('', { topics: [TOPIC, TOPIC2], user_data: KJS_SUB_USER_DATA })
  })
  writeGolden('ConsumerProtocolAssignment_embedded_v0_kafkajs', {
    source: `kafkajs ${kafkajsVersion}, src/consumer/assignerProtocol.js MemberAssignment.encode({version: 0})`,
    api: 'ConsumerProtocolAssignment',
    direction: 'embedded',
    version: 0,
    frame: KJS_ASSIGN,
    expects: flatten('', {
      assigned_partitions: [{ topic: TOPIC, partitions: [0, 2] }, { topic: TOPIC2, partitions: [1] }],
      user_data: Buffer.from([0xbe, 0xef])
    })
  })
  return n + 2
}

// ------------------------------------------------------- @platformatic/kafka --
const ZERO_UUID = new Uuid(Buffer.alloc(16))
const PLAT_SUB = KJS_SUB // opaque protocol metadata; any bytes do

const TOPIC_ID = new Uuid(Buffer.from('0123456789abcdef0123456789abcdef', 'hex'))
const TOPIC_ID2 = new Uuid(Buffer.from('fedcba9876543210fedcba9876543210', 'hex'))

// Each entry: [api, versionedModuleName, args, expects(nested), note]
function platformaticSpecs (pk) {
  // Fetch: maxWaitMs, minBytes, maxBytes, isolationLevel, sessionId, sessionEpoch.
  const fetchArgs = [500, 1, 52428800, 1, 0, -1]
  const fetchExp = { replica_id: -1, max_wait_ms: 500, min_bytes: 1, max_bytes: 52428800, isolation_level: 1, session_id: 0, session_epoch: -1 }
  const fetchPartitions = [
    { partition: 0, currentLeaderEpoch: 5, fetchOffset: 1234567890123n, lastFetchedEpoch: 4, partitionMaxBytes: 1048576 },
    { partition: 2, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 65536 }
  ]
  const fetchPartitionsExp = fetchPartitions.map(p => ({
    partition: p.partition,
    current_leader_epoch: p.currentLeaderEpoch,
    fetch_offset: p.fetchOffset,
    last_fetched_epoch: p.lastFetchedEpoch,
    log_start_offset: -1,
    partition_max_bytes: p.partitionMaxBytes
  }))
  const protocols = [{ name: 'cooperative-sticky', metadata: PLAT_SUB }, { name: 'range', metadata: KJS_SUB_B }]
  const protoExp = protocols.map(p => ({ name: p.name, metadata: p.metadata }))
  const assignments = [{ memberId: MEMBER, assignment: KJS_ASSIGN }, { memberId: MEMBER2, assignment: KJS_ASSIGN_B }]
  const assignExp = [{ member_id: MEMBER, assignment: KJS_ASSIGN }, { member_id: MEMBER2, assignment: KJS_ASSIGN_B }]
  const commitTopics = [
    { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1234567890123n, committedLeaderEpoch: 5, committedMetadata: 'golden-meta' }, { partitionIndex: 2, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: null }] },
    { name: TOPIC2, partitions: [{ partitionIndex: 1, committedOffset: 0n, committedLeaderEpoch: 3, committedMetadata: '' }] }
  ]
  const commitExp = commitTopics.map(t => ({
    name: t.name,
    partitions: t.partitions.map(p => ({
      partition_index: p.partitionIndex,
      committed_offset: p.committedOffset,
      committed_leader_epoch: p.committedLeaderEpoch,
      committed_metadata: p.committedMetadata
    }))
  }))
  // Produce: fixed timestamps keep the record batches (and their CRCs) deterministic.
  const produceMessages = () => [
    { topic: TOPIC, partition: 0, key: Buffer.from('golden-key'), value: Buffer.from('golden-value'), headers: new Map([[Buffer.from('h'), Buffer.from('v')]]), timestamp: 1700000000000n },
    { topic: TOPIC, partition: 0, key: null, value: Buffer.from('second'), timestamp: 1700000000007n },
    { topic: TOPIC, partition: 2, key: null, value: Buffer.from('p2'), timestamp: 1700000000100n },
    { topic: TOPIC2, partition: 1, key: Buffer.from('k'), value: null, timestamp: 1700000000200n }
  ]
  // The record batch of one partition, as the library's own batch writer builds it.
  const batch = (topic, partition, options) => pk.createRecordsBatch(
    produceMessages().filter(m => m.topic === topic && m.partition === partition), options).buffer
  const produce = (v, transactionalId) => {
    const options = transactionalId ? { transactionalId } : {}
    return ['Produce', v, `produceV${v}`, [-1, 30000, produceMessages(), options], {
      transactional_id: transactionalId,
      acks: -1,
      timeout_ms: 30000,
      topic_data: [
        { name: TOPIC, partition_data: [{ index: 0, records: batch(TOPIC, 0, options) }, { index: 2, records: batch(TOPIC, 2, options) }] },
        { name: TOPIC2, partition_data: [{ index: 1, records: batch(TOPIC2, 1, options) }] }
      ]
    }]
  }
  const join = (v) => {
    const d = { group_id: GROUP, session_timeout_ms: 45000, rebalance_timeout_ms: 300000, member_id: MEMBER, group_instance_id: INSTANCE, protocol_type: 'consumer', protocols: protoExp }
    if (v >= 8) d.reason = 'golden rejoin reason'
    return d
  }
  const specs = [
    ['ApiVersions', 3, 'apiVersionsV3', ['golden-software', '1.2.3-golden'], { client_software_name: 'golden-software', client_software_version: '1.2.3-golden' }],
    ['ApiVersions', 4, 'apiVersionsV4', ['golden-software', '1.2.3-golden'], { client_software_name: 'golden-software', client_software_version: '1.2.3-golden' }],
    ['Metadata', 9, 'metadataV9', [[TOPIC, TOPIC2], true, true], { topics: [{ name: TOPIC }, { name: TOPIC2 }], allow_auto_topic_creation: true, include_cluster_authorized_operations: false, include_topic_authorized_operations: true }],
    ['Metadata', 10, 'metadataV10', [[TOPIC, TOPIC2], true, true], { topics: [{ topic_id: ZERO_UUID, name: TOPIC }, { topic_id: ZERO_UUID, name: TOPIC2 }], allow_auto_topic_creation: true, include_cluster_authorized_operations: false, include_topic_authorized_operations: true }],
    // v11 has no IncludeClusterAuthorizedOperations, but this encoder still writes
    // it: the request carries one extra byte. With includeTopicAuthorizedOperations
    // = false a Kafka parser reads the stray false byte as that field, and the
    // last byte (the real empty tag buffer) is left over after the body.
    ['Metadata', 11, 'metadataV11', [[TOPIC, TOPIC2], true, false], { topics: [{ topic_id: ZERO_UUID, name: TOPIC }, { topic_id: ZERO_UUID, name: TOPIC2 }], allow_auto_topic_creation: true, include_topic_authorized_operations: false },
      'NOTE: this encoder writes a stray IncludeClusterAuthorizedOperations byte (v8-10 only), so 1 byte (0x00) trails the v11 body; Kafka ignores trailing bytes'],
    ['Metadata', 12, 'metadataV12', [[TOPIC, TOPIC2], true, true], { topics: [{ topic_id: ZERO_UUID, name: TOPIC }, { topic_id: ZERO_UUID, name: TOPIC2 }], allow_auto_topic_creation: true, include_topic_authorized_operations: true }],
    ['FindCoordinator', 4, 'findCoordinatorV4', [0, [GROUP, GROUP2]], { key_type: 0, coordinator_keys: [GROUP, GROUP2] }],
    ['FindCoordinator', 5, 'findCoordinatorV5', [0, [GROUP, GROUP2]], { key_type: 0, coordinator_keys: [GROUP, GROUP2] }],
    ['FindCoordinator', 6, 'findCoordinatorV6', [1, ['golden-txn']], { key_type: 1, coordinator_keys: ['golden-txn'] }],
    ...[6, 7, 8, 9].map(v => ['JoinGroup', v, `joinGroupV${v}`, [GROUP, 45000, 300000, MEMBER, INSTANCE, 'consumer', protocols, 'golden rejoin reason'], join(v)]),
    ['SyncGroup', 4, 'syncGroupV4', [GROUP, 7, MEMBER, INSTANCE, 'consumer', 'range', assignments], { group_id: GROUP, generation_id: 7, member_id: MEMBER, group_instance_id: INSTANCE, assignments: assignExp }],
    ['SyncGroup', 5, 'syncGroupV5', [GROUP, 7, MEMBER, INSTANCE, 'consumer', 'range', assignments], { group_id: GROUP, generation_id: 7, member_id: MEMBER, group_instance_id: INSTANCE, protocol_type: 'consumer', protocol_name: 'range', assignments: assignExp }],
    ['Heartbeat', 4, 'heartbeatV4', [GROUP, 7, MEMBER, INSTANCE], { group_id: GROUP, generation_id: 7, member_id: MEMBER, group_instance_id: INSTANCE }],
    ['LeaveGroup', 4, 'leaveGroupV4', [GROUP, [{ memberId: MEMBER, groupInstanceId: INSTANCE }, { memberId: '', groupInstanceId: 'golden-instance-2' }]],
      { group_id: GROUP, members: [{ member_id: MEMBER, group_instance_id: INSTANCE }, { member_id: '', group_instance_id: 'golden-instance-2' }] }],
    ['LeaveGroup', 5, 'leaveGroupV5', [GROUP, [{ memberId: MEMBER, groupInstanceId: INSTANCE, reason: 'golden leave reason' }, { memberId: MEMBER2, groupInstanceId: null, reason: null }]],
      { group_id: GROUP, members: [{ member_id: MEMBER, group_instance_id: INSTANCE, reason: 'golden leave reason' }, { member_id: MEMBER2, group_instance_id: null, reason: null }] }],
    ['OffsetCommit', 8, 'offsetCommitV8', [GROUP, 7, MEMBER, INSTANCE, commitTopics], { group_id: GROUP, generation_id_or_member_epoch: 7, member_id: MEMBER, group_instance_id: INSTANCE, topics: commitExp }],
    ['OffsetCommit', 9, 'offsetCommitV9', [GROUP, 7, MEMBER, null, commitTopics], { group_id: GROUP, generation_id_or_member_epoch: 7, member_id: MEMBER, group_instance_id: null, topics: commitExp }],
    ['OffsetFetch', 8, 'offsetFetchV8', [[{ groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0, 2] }, { name: TOPIC2, partitionIndexes: [1] }] }, { groupId: GROUP2, topics: null }], true],
      { groups: [{ group_id: GROUP, topics: [{ name: TOPIC, partition_indexes: [0, 2] }, { name: TOPIC2, partition_indexes: [1] }] }, { group_id: GROUP2, topics: null }], require_stable: true }],
    ['OffsetFetch', 9, 'offsetFetchV9', [[{ groupId: GROUP, memberId: MEMBER, memberEpoch: 12, topics: [{ name: TOPIC, partitionIndexes: [0, 2] }] }, { groupId: GROUP2, memberId: null, memberEpoch: -1, topics: null }], false],
      { groups: [{ group_id: GROUP, member_id: MEMBER, member_epoch: 12, topics: [{ name: TOPIC, partition_indexes: [0, 2] }] }, { group_id: GROUP2, member_id: null, member_epoch: -1, topics: null }], require_stable: false }],
    ['DescribeGroups', 5, 'describeGroupsV5', [[GROUP, GROUP2], true], { groups: [GROUP, GROUP2], include_authorized_operations: true }],
    ['ListGroups', 4, 'listGroupsV4', [['stable', 'empty'], ['consumer']], { states_filter: ['Stable', 'Empty'] }],
    ['ListGroups', 5, 'listGroupsV5', [['Stable', 'Empty'], ['classic', 'consumer']], { states_filter: ['Stable', 'Empty'], types_filter: ['classic', 'consumer'] }],
    ['DeleteGroups', 2, 'deleteGroupsV2', [[GROUP, GROUP2]], { groups_names: [GROUP, GROUP2] }],
    ['OffsetDelete', 0, 'offsetDeleteV0', [GROUP, [{ name: TOPIC, partitions: [{ partitionIndex: 0 }, { partitionIndex: 2 }] }, { name: TOPIC2, partitions: [{ partitionIndex: 1 }] }]],
      { group_id: GROUP, topics: [{ name: TOPIC, partitions: [{ partition_index: 0 }, { partition_index: 2 }] }, { name: TOPIC2, partitions: [{ partition_index: 1 }] }] }],
    // v12's encoder writes `topicId` where the topic name goes: given the name, the bytes are a
    // v12 request. It writes forgotten topics as uuids (a v13 layout), so none are given here.
    ['Fetch', 12, 'fetchV12', [...fetchArgs, [{ topicId: TOPIC, partitions: fetchPartitions }], [], 'golden-rack'],
      { ...fetchExp, topics: [{ topic: TOPIC, partitions: fetchPartitionsExp }], rack_id: 'golden-rack' }],
    ['Fetch', 13, 'fetchV13', [...fetchArgs, [{ topicId: TOPIC_ID.dashed(), partitions: fetchPartitions }], [{ topic: TOPIC_ID2.dashed(), partitions: [0, 3] }], 'golden-rack'],
      { ...fetchExp, topics: [{ topic_id: TOPIC_ID, partitions: fetchPartitionsExp }], forgotten_topics_data: [{ topic_id: TOPIC_ID2, partitions: [0, 3] }], rack_id: 'golden-rack' }],
    ['ListOffsets', 5, 'listOffsetsV5', [-1, 1, [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -1n }, { partitionIndex: 2, currentLeaderEpoch: -1, timestamp: 1700000000000n }] }]],
      { replica_id: -1, isolation_level: 1, topics: [{ name: TOPIC, partitions: [{ partition_index: 0, current_leader_epoch: 5, timestamp: -1n }, { partition_index: 2, current_leader_epoch: -1, timestamp: 1700000000000n }] }] }],
    ['SaslHandshake', 1, 'saslHandshakeV1', ['SCRAM-SHA-512'], { mechanism: 'SCRAM-SHA-512' }],
    ['SaslAuthenticate', 2, 'saslAuthenticateV2', [Buffer.from('\0golden-user\0golden-password')], { auth_bytes: Buffer.from('\0golden-user\0golden-password') }],
    produce(9, null),
    produce(10, 'golden-txn'),
    produce(11, null),
    ['ConsumerGroupHeartbeat', 0, 'consumerGroupHeartbeatV0', [GROUP, '', 0, INSTANCE, 'golden-rack', 300000, [TOPIC, TOPIC2], null, 'uniform', []],
      { group_id: GROUP, member_id: '', member_epoch: 0, instance_id: INSTANCE, rack_id: 'golden-rack', rebalance_timeout_ms: 300000, subscribed_topic_names: [TOPIC, TOPIC2], server_assignor: 'uniform' }],
    ['ConsumerGroupHeartbeat', 1, 'consumerGroupHeartbeatV1', [GROUP, MEMBER, 7, null, null, -1, null, 'golden-.*', null, [{ topicId: TOPIC_ID.dashed(), partitions: [0, 2] }]],
      { group_id: GROUP, member_id: MEMBER, member_epoch: 7, instance_id: null, rack_id: null, rebalance_timeout_ms: -1, subscribed_topic_names: null, subscribed_topic_regex: 'golden-.*', server_assignor: null, topic_partitions: [{ topic_id: TOPIC_ID, partitions: [0, 2] }] }],
    ['ConsumerGroupDescribe', 0, 'consumerGroupDescribeV0', [[GROUP, GROUP2], true], { group_ids: [GROUP, GROUP2], include_authorized_operations: true }]
  ]
  return specs
}

// A TCP sink: collects everything written to it.
function startSink () {
  return new Promise((resolve) => {
    const chunks = []
    const sockets = []
    const server = net.createServer((s) => {
      sockets.push(s)
      s.on('data', (d) => chunks.push(d))
      s.on('error', () => {})
    })
    server.listen(0, '127.0.0.1', () => resolve({ server, chunks, sockets }))
  })
}

function splitFrames (buf) {
  const frames = []
  let i = 0
  while (i + 4 <= buf.length) {
    const n = buf.readInt32BE(i)
    frames.push(buf.subarray(i + 4, i + 4 + n))
    i += 4 + n
  }
  if (i !== buf.length) throw new Error('partial frame in sink')
  return frames
}

async function generatePlatformatic () {
  const pk = await import('@platformatic/kafka')
  const specs = platformaticSpecs(pk)
  const sink = await startSink()
  const conn = new pk.Connection(CLIENT_ID, { requestTimeout: 60000, maxInflights: 1000 })
  await conn.connect('127.0.0.1', sink.server.address().port)
  for (const [,, mod, args] of specs) {
    const api = pk[mod].api
    api(conn, ...args, () => {}) // no response will come; callback ignored
  }
  // wait for all frames to arrive
  for (let t = 0; t < 100; t++) {
    const got = Buffer.concat(sink.chunks)
    try { if (splitFrames(got).length === specs.length) break } catch (e) {}
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const frames = splitFrames(Buffer.concat(sink.chunks))
  if (frames.length !== specs.length) throw new Error(`got ${frames.length} frames, want ${specs.length}`)
  specs.forEach(([apiName, v, mod, args, exp, note], i) => {
    const frame = frames[i]
    const api = pk[mod].api
    if (frame.readInt16BE(0) !== api.key || frame.readInt16BE(2) !== v || api.version !== v) throw new Error(`frame ${i} is not ${mod}`)
    const correlationId = frame.readInt32BE(4)
    const expects = [['header.correlation_id', correlationId], ['header.client_id', CLIENT_ID], ...flatten('', exp)]
    // a vector whose bytes carry a quirk (see note) gets a telling file name
    writeGolden(`${apiName}_request_v${v}_platformatic${note ? '-trailing-byte' : ''}`, {
      source: `@platformatic/kafka ${platformaticVersion}, ${mod}.api() (dist/apis/*/${mod.replace(/V(\d+)$/, '-v$1').replace(/[A-Z]/g, c => '-' + c.toLowerCase())}.js createRequest) sent on a network Connection to a local sink` + (note ? `; ${note}` : ''),
      api: apiName,
      direction: 'request',
      version: v,
      trailing: note ? 1 : 0,
      frame,
      expects
    })
  })
  conn.close(() => {})
  for (const s of sink.sockets) s.destroy()
  sink.server.close()
  return specs.length
}

async function main () {
  const a = await generateKafkajs()
  const b = await generatePlatformatic()
  console.log(`kafkajs: ${a} vectors, @platformatic/kafka: ${b} vectors`)
  process.exit(0)
}

main().catch((e) => { console.error(e); process.exit(1) })
