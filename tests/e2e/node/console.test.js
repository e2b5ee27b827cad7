// The operators' console (issue 19) in Chromium, against real processes: librdkafka's mock
// cluster (groupwire-dev-upstream), a coordinator serving the console (--console-listen, lag
// from --lag-bootstrap at the mock) and a gateway in upstream mode, with kafkajs clients:
//   - the lag on a group's page is what `groupwire offsets show --bootstrap` prints, partition
//     by partition, and its total is the group's lag on the groups page;
//   - a member that leaves disappears from its group's page and a MEMBER_LEFT entry shows in
//     the timeline, without a reload;
//   - a new group is on the (already open) groups page within a second of its first join;
//   - a group id and a client id made of markup show as text on both pages: nothing runs and
//     no element is injected;
//   - the cluster page shows the coordinator and the group partitions it serves.
// Every page must log no error (a Content-Security-Policy violation would be one). Screenshots
// of each page go to $GROUPWIRE_ARTIFACTS (default build/test-artifacts/console).
// Run with `node --test console.test.js` in this directory, with GROUPWIRE_DEV_UPSTREAM,
// GROUPWIRE_GATEWAY, GROUPWIRE_COORDINATOR and GROUPWIRE_CLI set (ctest does).
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const path = require('node:path');
const { promisify } = require('node:util');

const { waitUntil } = require('./group_processes');
const { useUpstreamCluster, startTwoMembers, same } = require('./upstream_processes');
const { kafkaFactory, startTrackedConsumer } = require('./kafkajs_client');
const { launchBrowser, openPage, screenshot, consoleUrl, RENDERED_MARK } =
  require('./console_browser');

const cliBinary = process.env.GROUPWIRE_CLI ||
  path.resolve(__dirname, '..', '..', '..', 'build', 'coordinator-service', 'cli', 'groupwire');

const TOPIC = 'console-orders';
const PARTITIONS = 3;
const ALL = [...Array(PARTITIONS).keys()];
const GROUP_PARTITIONS = 7; // not the default (50): the cluster page must show this one
const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">';
const DEADLINE_MS = 45000; // for clients on a loaded machine
const PAGE_TIMEOUT_MS = 15000; // for the page to show what happened; expected well under 1 s
const NEW_GROUP_DEADLINE_MS = 1000;

let cluster;
let base;
let browser;
const kafkaLog = [];

useUpstreamCluster({ [TOPIC]: PARTITIONS }, async (c) => {
  cluster = c;
  base = await consoleUrl(c.coordinator);
  browser = await launchBrowser();
}, async () => {}, {
  coordinatorFlags: (upstreamBootstrap) => ['--group-partitions', String(GROUP_PARTITIONS),
    '--console-listen', '127.0.0.1:0', '--lag-bootstrap', upstreamBootstrap,
    '--lag-interval-ms', '500'],
});
after(() => browser?.close());

const makeKafka = kafkaFactory(() => cluster.bootstrap, kafkaLog);
const diag = () => `-- kafkajs log:\n${kafkaLog.slice(-40).join('\n')}\n${cluster.logs()}`;
const until = (condition, what, timeoutMs = DEADLINE_MS) =>
  waitUntil(cluster, condition, what, diag, timeoutMs);

// A kafkajs member of `groupId` that commits only when told to.
const startMember = (clientId, groupId) => startTrackedConsumer(makeKafka(clientId),
  { name: clientId, records: [] }, { groupId, topic: TOPIC, sessionTimeout: 6000 },
  { autoCommit: false, eachMessage: async () => {} });
const latest = (m) => m.joins[m.joins.length - 1];
const assigned = (m) => [...(latest(m)?.memberAssignment?.[TOPIC] ?? [])].sort((a, b) => a - b);

// `promise`, or a failure after timeoutMs.
function within(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(
      `timed out after ${timeoutMs} ms waiting for ${what}\n${diag()}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function disconnectAfter(t, members) {
  t.after(async () => {
    for (const m of members) await m.consumer.disconnect().catch(() => {});
  });
}

// Opens the console at `hash` in a fresh context and waits for the page's first render and for
// its event stream to be open. The page is closed after the test, which must have seen no error.
async function openConsole(t, hash) {
  const opened = await openPage(browser);
  t.after(() => opened.close());
  const { page } = opened;
  await page.goto(base + hash);
  await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0,
    RENDERED_MARK, { timeout: PAGE_TIMEOUT_MS });
  await page.waitForSelector('#live.live-on', { timeout: PAGE_TIMEOUT_MS });
  // Survives only as long as the document: a reload would lose it.
  await page.evaluate(() => { window.__sameDocument = true; });
  return opened;
}

async function assertSameDocumentAndNoErrors({ page, problems }) {
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was reloaded');
  assert.deepEqual(problems, [], 'errors in the page');
}

// `groupwire offsets show` as printed: {topic/partition: lag} from its table.
async function cliLags(groupId) {
  const args = ['offsets', 'show', groupId, '--bootstrap', cluster.bootstrap,
    '--coordinator', cluster.coordinatorAddress];
  const { stdout } = await promisify(execFile)(cliBinary, args);
  const [header, ...rows] = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
  assert.deepEqual(header.slice(0, 5), ['TOPIC', 'PARTITION', 'OFFSET', 'END-OFFSET', 'LAG'],
    `groupwire ${args.join(' ')} printed:\n${stdout}`);
  return Object.fromEntries(rows.map(([topic, partition, , , lag]) => [`${topic}/${partition}`, lag]));
}

const groupRowSelector = (groupId) => `table.groups tbody tr[data-group-id="${groupId}"]`;

test('the lag on the group page is what `groupwire offsets show --bootstrap` prints',
  { timeout: 120000 }, async (t) => {
    const groupId = 'console-lag-group';
    const producer = makeKafka('console-producer').producer();
    await producer.connect();
    t.after(() => producer.disconnect());
    for (const partition of ALL) {
      await producer.send({ topic: TOPIC, acks: -1, messages: [...Array(10).keys()].map((i) =>
        ({ partition, value: `console-p${partition}-r${i}` })) });
    }
    const member = await startMember('console-lag', groupId);
    disconnectAfter(t, [member]);
    await until(() => same(assigned(member), ALL), 'the member to get every partition');
    // Lags 7, 5 and 3 of 10 records per partition.
    await member.consumer.commitOffsets(ALL.map((partition) =>
      ({ topic: TOPIC, partition, offset: String(3 + 2 * partition) })));

    const printed = await cliLags(groupId);
    assert.deepEqual(printed, { [`${TOPIC}/0`]: '7', [`${TOPIC}/1`]: '5', [`${TOPIC}/2`]: '3' },
      `the CLI's lags\n${diag()}`);
    const total = String(Object.values(printed).reduce((sum, lag) => sum + Number(lag), 0));

    const groupPage = await openConsole(t, `#/group/${encodeURIComponent(groupId)}`);
    const { page } = groupPage;
    // The page may have read the offsets before the commit: it catches up on the event.
    const shown = await page.waitForFunction((expected) => {
      const lags = {};
      for (const tr of document.querySelectorAll('table.offsets tbody tr[data-topic]')) {
        lags[`${tr.dataset.topic}/${tr.dataset.partition}`] =
          tr.querySelector('td.lag').firstChild.textContent.replaceAll(',', '');
      }
      const total = document.querySelector('table.offsets .total-lag')?.textContent;
      const keys = Object.keys(expected);
      return keys.length === Object.keys(lags).length &&
        keys.every((k) => lags[k] === expected[k]) && { lags, total: total.replaceAll(',', '') };
    }, printed, { timeout: PAGE_TIMEOUT_MS }).then((handle) => handle.jsonValue(), async (err) => {
      throw new Error(`the group page does not show the lags ${JSON.stringify(printed)}: ` +
        `${err.message}\n${await page.textContent('main')}`);
    });
    assert.deepEqual(shown, { lags: printed, total });
    await page.waitForFunction((id) => [...document.querySelectorAll('table.members tbody tr')]
      .some((tr) => tr.dataset.memberId === id), latest(member).memberId,
    { timeout: PAGE_TIMEOUT_MS });
    await screenshot(page, 'group');
    await assertSameDocumentAndNoErrors(groupPage);

    // The groups page shows the lag the coordinator sampled last (every 500 ms here).
    const groupsPage = await openConsole(t, '#/');
    await groupsPage.page.waitForFunction(([selector, expected]) =>
      document.querySelector(selector)?.textContent.replaceAll(',', '') === expected,
    [`${groupRowSelector(groupId)} td:nth-child(6)`, total], { timeout: PAGE_TIMEOUT_MS })
      .catch(async (err) => {
        throw new Error(`the groups page does not show the lag ${total} of ${groupId}: ` +
          `${err.message}\n${await groupsPage.page.textContent('main')}`);
      });
    await assertSameDocumentAndNoErrors(groupsPage);
  });

test('a member that leaves disappears from the group page live, MEMBER_LEFT in the timeline',
  { timeout: 120000 }, async (t) => {
    const groupId = 'console-leave-group';
    const started = [];
    disconnectAfter(t, started);
    const [stayer, leaver] = await startTwoMembers({
      startMember: (name, g) => startMember(`console-${name}`, g), assigned,
      generation: (m) => latest(m).generationId, groupId, partitions: PARTITIONS, started, until,
      diag,
    });
    const [stayerId, leaverId] = [latest(stayer).memberId, latest(leaver).memberId];

    const opened = await openConsole(t, `#/group/${encodeURIComponent(groupId)}`);
    const { page } = opened;
    const memberIds = () => page.evaluate(() =>
      [...document.querySelectorAll('table.members tbody tr')].map((tr) => tr.dataset.memberId));
    await page.waitForFunction((ids) => {
      const shown = [...document.querySelectorAll('table.members tbody tr')]
        .map((tr) => tr.dataset.memberId);
      return ids.every((id) => shown.includes(id));
    }, [stayerId, leaverId], { timeout: PAGE_TIMEOUT_MS }).catch(async (err) => {
      throw new Error(`members ${stayerId} and ${leaverId} not on the page (it shows ` +
        `${JSON.stringify(await memberIds())}): ${err.message}\n${diag()}`);
    });

    await leaver.consumer.disconnect(); // LeaveGroup
    started.splice(started.indexOf(leaver), 1);
    await page.waitForFunction((id) =>
      ![...document.querySelectorAll('table.members tbody tr')].some((tr) => tr.dataset.memberId === id) &&
      [...document.querySelectorAll('.timeline li[data-type="MEMBER_LEFT"]')]
        .some((li) => li.textContent.includes(id)),
    leaverId, { timeout: PAGE_TIMEOUT_MS }).catch(async (err) => {
      throw new Error(`the leave of ${leaverId} did not show (members ` +
        `${JSON.stringify(await memberIds())}; timeline: ` +
        `${await page.textContent('.timeline')}): ${err.message}\n${diag()}`);
    });
    assert.ok((await memberIds()).includes(stayerId), 'the member that stayed is still shown');
    await assertSameDocumentAndNoErrors(opened);
  });

test('a new group is on the groups page within a second of its first join',
  { timeout: 120000 }, async (t) => {
    const opened = await openConsole(t, '#/');
    const { page } = opened;
    const groupId = 'console-new-group';
    const consumer = makeKafka('console-new').consumer({ groupId, sessionTimeout: 6000,
      heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    t.after(() => consumer.disconnect().catch(() => {}));
    // kafkajs stamps each instrumentation event as it emits it: GROUP_JOIN's is the join's time.
    const joined = new Promise((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, (e) => resolve(e.timestamp)));
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC] });
    await consumer.run({ eachMessage: async () => {} });
    const joinedAt = await within(joined, DEADLINE_MS, 'the consumer to join');

    const remaining = joinedAt + NEW_GROUP_DEADLINE_MS - Date.now();
    await page.waitForSelector(groupRowSelector(groupId), { timeout: Math.max(remaining, 1) })
      .catch((err) => {
        throw new Error(`${groupId} not on the groups page within ${NEW_GROUP_DEADLINE_MS} ms ` +
          `of its join: ${err.message}\n${diag()}`);
      });
    await page.waitForFunction((selector) =>
      document.querySelector(`${selector} td:nth-child(5)`)?.textContent === '1',
    groupRowSelector(groupId), { timeout: PAGE_TIMEOUT_MS });
    await screenshot(page, 'groups');
    await assertSameDocumentAndNoErrors(opened);
  });

// Whether anything of HOSTILE ran or became an element anywhere in the page.
const injected = (page) => page.evaluate(() => ({
  pwned: typeof window.__pwned,
  elements: document.querySelectorAll('body img, body script, body iframe, body object').length,
}));
const CLEAN = { pwned: 'undefined', elements: 0 };

test('a group id and a client id made of markup show as text and run nothing',
  { timeout: 120000 }, async (t) => {
    const member = await startMember(HOSTILE, HOSTILE);
    disconnectAfter(t, [member]);
    await until(() => member.joins.length > 0, 'the member with a hostile group id to join');

    const opened = await openConsole(t, '#/');
    const { page } = opened;
    const linkText = await page.waitForFunction((id) =>
      [...document.querySelectorAll('table.groups tbody tr')]
        .find((tr) => tr.dataset.groupId === id)?.querySelector('a').textContent,
    HOSTILE, { timeout: PAGE_TIMEOUT_MS });
    assert.equal(await linkText.jsonValue(), HOSTILE);
    assert.deepEqual(await injected(page), CLEAN, 'on the groups page');
    // Filtered down to its row, which is then the only link in the table.
    await page.fill('input.search', '<script>');
    await page.waitForFunction(() => document.querySelectorAll('table.groups tbody tr').length === 1,
      null, { timeout: PAGE_TIMEOUT_MS });
    await screenshot(page, 'hostile-groups');

    await page.click('table.groups tbody tr a');
    await page.waitForFunction((id) =>
      document.querySelector('h1.group-title')?.textContent === id &&
      document.querySelector('table.members tbody tr td:nth-child(3)')?.textContent === id,
    HOSTILE, { timeout: PAGE_TIMEOUT_MS }).catch(async (err) => {
      throw new Error(`the group page does not show the id and client id as text: ${err.message}` +
        `\n${await page.textContent('main')}`);
    });
    assert.equal(await page.evaluate(() => location.hash),
      `#/group/${encodeURIComponent(HOSTILE)}`);
    // The timeline names the members, whose ids start with the client id.
    await page.waitForSelector('.timeline li[data-type="MEMBER_JOINED"]',
      { timeout: PAGE_TIMEOUT_MS });
    assert.deepEqual(await injected(page), CLEAN, 'on the group page');
    await screenshot(page, 'hostile');
    await assertSameDocumentAndNoErrors(opened);
  });

test('the cluster page shows the coordinator and the group partitions it serves',
  { timeout: 60000 }, async (t) => {
    const opened = await openConsole(t, '#/cluster');
    const { page } = opened;
    const rows = await page.$$eval('table.coordinators tbody tr', (trs) => trs.map((tr) => [
      tr.dataset.coordinator, tr.querySelector('.partition-count').textContent,
      tr.querySelectorAll('.chip').length]));
    assert.deepEqual(rows,
      [[cluster.coordinatorAddress, String(GROUP_PARTITIONS), GROUP_PARTITIONS]], diag());
    const figures = await page.$$eval('.stat', (stats) => Object.fromEntries(stats.map((s) =>
      [s.querySelector('.stat-label').textContent, s.querySelector('.stat-value').textContent])));
    assert.deepEqual(figures, { 'group partitions': String(GROUP_PARTITIONS), coordinators: '1',
      owned: String(GROUP_PARTITIONS), unowned: '0' });
    await screenshot(page, 'cluster');
    await assertSameDocumentAndNoErrors(opened);
  });
