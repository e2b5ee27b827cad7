#!/usr/bin/env node
// The web console's first render under load: the groups page with 1,000 groups and the page of a
// 500-member group, each against a baseline measured in the same run on the same processes (the
// groups page with 1 group, the page of a 1-member group), in Debian's Chromium.
//
// A coordinator (serving the console) and a gateway (catalog mode) start on free ports;
// groupwire-bench-groups holds the groups' members (classic protocol, one connection each) until
// this script is done. The groups page's baseline is measured before the other groups exist; the
// two group pages are measured in alternation once all exist. First render: from the navigation's start to the moment app.js marks the
// table filled (performance mark "groupwire:rendered", whose detail says how many rows it held,
// checked here) in a fresh browser context each time; the API call is the page's fetch of
// /api/groups or /api/group (Resource Timing), and what follows its response the page's own work.
// Median of --loads loads per case; prints a Markdown table, or with --json one JSON object with
// the runs and that table (run_benchmarks.py --only console reads it).
//
//   GROUPWIRE_GATEWAY=... GROUPWIRE_COORDINATOR=... GROUPWIRE_BENCH_GROUPS=...
//   node tests/bench/console_render.js [--loads 5] [--groups 1000] [--members 500] [--json]
//
// playwright-core comes from tests/e2e/node/node_modules (npm ci there).
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { parseArgs } = require('node:util');

const E2E_NODE = path.resolve(__dirname, '..', 'e2e', 'node');
const { startCluster, FAST_GROUPS } = require(path.join(E2E_NODE, 'group_processes'));
const { launchBrowser, openPage, consoleUrl, RENDERED_MARK } =
  require(path.join(E2E_NODE, 'console_browser'));

const benchGroupsBinary = process.env.GROUPWIRE_BENCH_GROUPS ||
  path.resolve(__dirname, '..', '..', 'build', 'tests', 'bench', 'groupwire-bench-groups');

const JOIN_TIMEOUT_MS = 120000;
const RENDER_TIMEOUT_MS = 60000;

// Members of `groups` groups of `members` each, Stable and held until release() (then they
// leave). Slow heartbeats: the load measured is the page's, not the members'.
async function holdGroups(bootstrap, prefix, groups, members) {
  const args = ['--bootstrap', bootstrap, '--groups', String(groups), '--members',
    String(members), '--group-prefix', prefix, '--hold-stable', '--session-timeout-ms', '30000',
    '--join-heartbeat-ms', '3000', '--join-timeout-ms', String(JOIN_TIMEOUT_MS),
    '--warmup-ms', '0', '--duration-ms', '0', '--connect-concurrency', '32'];
  const proc = spawn(benchGroupsBinary, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  const lines = [];
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  await new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`groupwire-bench-groups ${args.join(' ')} ${why}:\n` +
      lines.slice(-20).join('\n')));
    proc.on('error', (err) => fail(`cannot run: ${err.message}`));
    exited.then((code) => fail(`exited (${code}) before every group was Stable`));
    readline.createInterface({ input: proc.stderr }).on('line', (line) => {
      lines.push(line);
      if (line === 'stable') resolve();
    });
  });
  return {
    release: async () => {
      proc.stdin.end();
      await exited;
    },
  };
}

// One load of `url` in a fresh context: {renderMs, apiMs}.
async function loadOnce(browser, url, apiPath, rows) {
  const { page, problems, close } = await openPage(browser);
  try {
    await page.goto(url);
    const handle = await page.waitForFunction(([mark, api]) => {
      const [rendered] = performance.getEntriesByName(mark);
      if (!rendered) return null;
      const fetched = performance.getEntriesByType('resource')
        .find((e) => new URL(e.name).pathname + new URL(e.name).search === api);
      return { renderMs: rendered.startTime, rows: rendered.detail.rows,
        apiMs: fetched.responseEnd - fetched.startTime,
        afterApiMs: rendered.startTime - fetched.responseEnd };
    }, [RENDERED_MARK, apiPath], { timeout: RENDER_TIMEOUT_MS });
    const load = await handle.jsonValue();
    if (load.rows !== rows) throw new Error(`${url} rendered ${load.rows} rows, not ${rows}`);
    if (problems.length) throw new Error(`${url}: ${problems.join('\n')}`);
    return load;
  } finally {
    await close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// `loads` loads of each case, in rounds of one per case so that drift of a busy machine hits
// them alike; the medians of each.
async function measure(browser, loads, ...cases) {
  const runs = cases.map(() => []);
  for (let i = 0; i < loads; i++) {
    for (const [c, { url, api, rows }] of cases.entries()) {
      runs[c].push(await loadOnce(browser, url, api, rows));
    }
  }
  return cases.map(({ rows }, c) => {
    const of = (key) => median(runs[c].map((r) => r[key]));
    return { rows, runs: runs[c], renderMs: of('renderMs'), apiMs: of('apiMs'),
      afterApiMs: of('afterApiMs') };
  });
}

const groupPage = (base, id) => ({ url: `${base}#/group/${encodeURIComponent(id)}`,
  api: `/api/group?id=${encodeURIComponent(id)}`, rows: 1 });

function table(results, loads) {
  const ms = (x) => x.toFixed(1);
  const lines = ['| page | rows | first render ms | API call ms | after the API ms | ' +
    'ratio to baseline |', '|---|---:|---:|---:|---:|---:|'];
  const row = (label, r, ratio) => lines.push(`| ${label} | ${r.rows.toLocaleString('en-US')} | ` +
    `${ms(r.renderMs)} | ${ms(r.apiMs)} | ${ms(r.afterApiMs)} | ${ratio} |`);
  for (const { label, baseline, loaded } of results) {
    row(`${label}: baseline`, baseline, '1.00');
    row(label, loaded, (loaded.renderMs / baseline.renderMs).toFixed(2));
  }
  lines.push('', `Median of ${loads} loads each, a fresh browser context per load (Chromium ` +
    'headless). First render: from navigation start to the table holding every row; API call: ' +
    'the fetch of /api/groups or /api/group by the page; after the API: from its response to ' +
    'the rows (parsing the JSON, building the DOM, and waiting for the main thread).');
  return lines.join('\n');
}

async function main() {
  const { values } = parseArgs({ options: {
    loads: { type: 'string', default: '5' }, groups: { type: 'string', default: '1000' },
    members: { type: 'string', default: '500' }, json: { type: 'boolean', default: false },
  } });
  const [loads, groups, members] = [values.loads, values.groups, values.members].map(Number);
  const cluster = await startCluster({ bench: 1 },
    [...FAST_GROUPS, '--console-listen', '127.0.0.1:0']);
  const held = [];
  let browser;
  try {
    const base = await consoleUrl(cluster.coordinator);
    browser = await launchBrowser();
    const groupsPage = (rows) => ({ url: `${base}#/`, api: '/api/groups', rows });

    held.push(await holdGroups(cluster.bootstrap, 'small-', 1, 1));
    const [baseGroups] = await measure(browser, loads, groupsPage(1));

    // With the 1-member group and the large one, `groups` in all. The two group pages are
    // measured in the same rounds, under the same load of held members.
    held.push(await holdGroups(cluster.bootstrap, 'large-', 1, members));
    held.push(await holdGroups(cluster.bootstrap, 'many-', groups - 2, 1));
    const [manyGroups] = await measure(browser, loads, groupsPage(groups));
    const [baseGroup, largeGroup] = await measure(browser, loads, groupPage(base, 'small-0'),
      { ...groupPage(base, 'large-0'), rows: members });

    const results = [
      { label: `groups page, ${groups.toLocaleString('en-US')} groups`, baseline: baseGroups,
        loaded: manyGroups },
      { label: `group page, ${members} members`, baseline: baseGroup, loaded: largeGroup },
    ];
    const markdown = table(results, loads);
    console.log(values.json ? JSON.stringify({ loads, results, markdown }) : markdown);
  } finally {
    await browser?.close();
    for (const h of held) await h.release();
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err.stack || String(err));
  process.exit(1);
});
