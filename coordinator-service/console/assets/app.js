// The Groupwire console: one page over the coordinator's read-only JSON API (/api/groups,
// /api/group, /api/cluster), kept current by one EventSource on /api/events.
//
// Group ids, member ids, client ids and hosts are chosen by clients, so every string from the
// server reaches the DOM as text (createElement, textContent, append), never as markup.
// Tables are built into a DocumentFragment and swapped in whole; links carry the route, so rows
// need no listeners (1,000 groups render in one pass).
'use strict';

(() => {
  // The SVG namespace as the HTML parser gives it: this file names no URL (the console refers to
  // no other origin, and its tests check that no URL appears here).
  const SVG_NS = new DOMParser().parseFromString('<svg/>', 'text/html').body.firstChild.namespaceURI;
  // Events come in bursts (a rebalance is several): one refetch per burst, yet a new group
  // shows within a second.
  const REFETCH_DELAY_MS = 250;
  const RECONNECT_DELAY_MS = 5000;
  // Lag is sampled by the coordinators and moves without events: the groups page polls too.
  const GROUPS_POLL_MS = 10000;
  const EVENTS_KEPT = 500; // as many as /api/group returns
  const TIMELINE_SHOWN = 200;
  const CHART_BUCKET_S = 5;
  const CHART_BUCKETS = 60; // five minutes
  const RENDERED_MARK = 'groupwire:rendered';

  // ---------------------------------------------------------------- DOM and formatting

  // el('td', {className: 'num'}, 'text', node, ...): strings become Text nodes.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === 'dataset') Object.assign(node.dataset, value);
      else node[key] = value;
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    node.append(...children);
    return node;
  }

  const DASH = '\u2014';
  const INTEGER = /^-?\d+$/;

  // int64 fields arrive as JSON strings (protobuf's rule), int32 ones as numbers. Grouped by
  // hand: the first toLocaleString of a page sets up ICU, which costs tens of milliseconds.
  function formatInt(value) {
    if (value === undefined || value === null || value === '') return DASH;
    const text = String(value);
    return INTEGER.test(text) ? text.replace(/\B(?=(\d{3})+$)/g, ',') : text;
  }

  const toBigInt = (value) => (INTEGER.test(String(value)) ? BigInt(value) : 0n);

  function formatAge(ms) {
    if (ms < 10000) return `${(Math.max(ms, 0) / 1000).toFixed(1)} s`;
    const s = Math.floor(ms / 1000);
    if (s < 120) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 120) return `${m} min ${s % 60} s`;
    return `${Math.floor(m / 60)} h ${m % 60} min`;
  }

  const pad2 = (n) => String(n).padStart(2, '0');
  function formatClock(ms) {
    const d = new Date(Number(ms));
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  }
  function formatDateTime(ms) {
    const d = new Date(Number(ms));
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(ms)}`;
  }

  // Kafka's names for the states (as kafka-consumer-groups.sh prints them), and their colour.
  const STATES = {
    GROUP_STATE_STABLE: ['Stable', 'stable'],
    GROUP_STATE_PREPARING_REBALANCE: ['PreparingRebalance', 'rebalancing'],
    GROUP_STATE_COMPLETING_REBALANCE: ['CompletingRebalance', 'rebalancing'],
    GROUP_STATE_ASSIGNING: ['Assigning', 'rebalancing'],
    GROUP_STATE_RECONCILING: ['Reconciling', 'rebalancing'],
    GROUP_STATE_EMPTY: ['Empty', 'empty'],
    GROUP_STATE_DEAD: ['Dead', 'dead'],
  };
  const stateOf = (state) => STATES[state] || [String(state || 'Unknown'), 'unknown'];
  const badge = (state) => {
    const [name, kind] = stateOf(state);
    return el('span', { className: `badge badge-${kind}` }, name);
  };

  const protocolText = (type, name) => [type, name].filter(Boolean).join(' \u00b7 ') || DASH;

  // "orders:0-3,7" per topic; runs of three or more partitions are shortened to a range.
  function partitionsText(topicPartitions) {
    return (topicPartitions || []).map(({ topic, partitions }) => {
      const sorted = [...(partitions || [])].sort((a, b) => a - b);
      const parts = [];
      for (let i = 0; i < sorted.length;) {
        let j = i;
        while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
        if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
        else parts.push(...sorted.slice(i, j + 1).map(String));
        i = j + 1;
      }
      return `${topic}:${parts.join(',')}`;
    });
  }

  // One line per topic.
  function assignmentCell(topicPartitions, empty = DASH) {
    const lines = partitionsText(topicPartitions);
    if (!lines.length) return el('td', { className: 'muted' }, empty);
    return el('td', { className: 'assignment' }, ...lines.map((l) => el('div', null, l)));
  }

  function rawBytes(base64) {
    try {
      return `(${atob(base64).length} bytes)`;
    } catch {
      return '(raw)';
    }
  }

  // An empty table with a head of `columns` ([label, class]); its body and foot to fill.
  function table(className, columns) {
    const head = el('tr', null, ...columns.map(([label, cls]) =>
      el('th', { className: cls || '', scope: 'col' }, label)));
    const body = el('tbody');
    const foot = el('tfoot');
    return { node: el('table', { className }, el('thead', null, head), body, foot), body, foot };
  }

  function emptyRow(columns, text) {
    return el('tr', { className: 'empty-row' }, el('td', { colSpan: columns }, text));
  }

  function section(title, ...children) {
    return el('section', { className: 'card' }, el('h2', null, title), ...children);
  }

  function stat(label, value, className = '') {
    return el('div', { className: `stat ${className}` },
      el('div', { className: 'stat-value' }, value), el('div', { className: 'stat-label' }, label));
  }

  // For the tests and the render benchmark: when a page's table first held all its `rows`.
  function markRendered(rows) {
    performance.clearMarks(RENDERED_MARK);
    performance.mark(RENDERED_MARK, { detail: { rows } });
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function getJson(path) {
    let response;
    try {
      response = await fetch(path, { cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, `cannot reach the coordinator (${err.message})`);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ApiError(response.status, body?.error || `${response.status} ${response.statusText}`);
    }
    if (body === null) throw new ApiError(response.status, `${path}: the answer is not JSON`);
    return body;
  }

  // Calls `load` REFETCH_DELAY_MS after the first request of a burst, never two at once; a
  // request during a load schedules one more after it.
  function refetcher(load) {
    let timer = null;
    let running = false;
    let again = false;
    let stopped = false;
    const run = async () => {
      timer = null;
      running = true;
      try {
        await load();
      } finally {
        running = false;
        if (again) {
          again = false;
          schedule();
        }
      }
    };
    const schedule = () => {
      if (stopped) return;
      if (running) again = true;
      else if (!timer) timer = setTimeout(run, REFETCH_DELAY_MS);
    };
    return {
      schedule,
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  // A line under the title saying what went wrong with the last load (hidden when nothing).
  function errorLine() {
    const node = el('p', { className: 'error', hidden: true });
    return {
      node,
      show: (err) => {
        node.textContent = err ? err.message : '';
        node.hidden = !err;
      },
    };
  }

  // ---------------------------------------------------------------- groups page

  const STATE_FILTERS = [
    ['all', 'Every state'], ['stable', 'Stable'], ['rebalancing', 'Rebalancing'],
    ['empty', 'Empty'], ['dead', 'Dead'],
  ];

  // The groups table's columns: label, class, sort key.
  const GROUP_COLUMNS = [
    ['Group', '', (g) => g.group_id],
    ['Type', '', (g) => g.group_type],
    ['State', '', (g) => stateOf(g.state)[0]],
    ['Protocol', '', (g) => protocolText(g.protocol_type, g.protocol_name)],
    ['Members', 'num', (g) => g.members || 0],
    ['Lag', 'num', (g) => (g.lag === undefined ? -1n : toBigInt(g.lag))],
    ['Rebalances (1 h)', 'num', (g) => g.rebalances_last_hour || 0],
  ];
  // Kept across visits of the page.
  const groupsFilter = { text: '', state: 'all', sortColumn: 0, descending: false };

  function groupsView(root) {
    document.title = 'Groups \u00b7 Groupwire';
    const stats = el('div', { className: 'stats' });
    const search = el('input', {
      type: 'search', placeholder: 'Filter by group id', value: groupsFilter.text,
      className: 'search', ariaLabel: 'Filter by group id',
    });
    const stateSelect = el('select', { ariaLabel: 'State' }, ...STATE_FILTERS.map(([value, label]) =>
      el('option', { value, selected: value === groupsFilter.state }, label)));
    const shown = el('span', { className: 'muted shown' });
    const error = errorLine();
    const groupsTable = table('data groups', GROUP_COLUMNS);
    const headers = [...groupsTable.node.tHead.rows[0].cells];
    for (const th of headers) th.classList.add('sortable');
    root.append(
      el('div', { className: 'page-head' }, el('h1', null, 'Consumer groups'), stats),
      error.node,
      el('div', { className: 'toolbar' }, search, stateSelect, shown),
      el('div', { className: 'card flush' }, groupsTable.node));

    let data = null;
    let rendered = false;
    let stopped = false;

    function renderStats() {
      const counts = { stable: 0, rebalancing: 0, empty: 0, dead: 0 };
      let members = 0;
      let lag = 0n;
      for (const g of data.groups) {
        const kind = stateOf(g.state)[1];
        if (kind in counts) counts[kind]++;
        members += g.members || 0;
        lag += toBigInt(g.lag);
      }
      stats.replaceChildren(
        stat('groups', formatInt(data.groups.length)),
        stat('stable', formatInt(counts.stable), 'stat-stable'),
        stat('rebalancing', formatInt(counts.rebalancing), 'stat-rebalancing'),
        stat('empty', formatInt(counts.empty), 'stat-empty'),
        stat('dead', formatInt(counts.dead), 'stat-dead'),
        stat('members', formatInt(members)),
        stat('total lag', data.lag_known ? formatInt(lag) : DASH));
    }

    function visibleGroups() {
      const needle = groupsFilter.text.toLowerCase();
      const [, , key] = GROUP_COLUMNS[groupsFilter.sortColumn];
      const rows = data.groups.filter((g) =>
        (!needle || g.group_id.toLowerCase().includes(needle)) &&
        (groupsFilter.state === 'all' || stateOf(g.state)[1] === groupsFilter.state));
      const order = groupsFilter.descending ? -1 : 1;
      // The API orders by group id; a stable sort keeps that order among equal keys.
      return rows.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        return x < y ? -order : x > y ? order : 0;
      });
    }

    function renderRows() {
      const rows = visibleGroups();
      const lagTitle = data.lag_known ? '' : 'Lag is unknown: start the coordinator with --lag-bootstrap';
      const fragment = document.createDocumentFragment();
      for (const g of rows) {
        fragment.append(el('tr', { dataset: { groupId: g.group_id } },
          el('td', { className: 'id' },
            el('a', { href: `#/group/${encodeURIComponent(g.group_id)}` }, g.group_id)),
          el('td', null, g.group_type || DASH),
          el('td', null, badge(g.state)),
          el('td', { className: 'nowrap' }, protocolText(g.protocol_type, g.protocol_name)),
          el('td', { className: 'num' }, formatInt(g.members)),
          el('td', { className: 'num', title: lagTitle }, formatInt(g.lag)),
          el('td', { className: 'num' }, formatInt(g.rebalances_last_hour))));
      }
      if (!rows.length) {
        fragment.append(emptyRow(GROUP_COLUMNS.length,
          data.groups.length ? 'No group matches the filter.' : 'No groups yet.'));
      }
      groupsTable.body.replaceChildren(fragment);
      shown.textContent = rows.length === data.groups.length ? '' :
        `${formatInt(rows.length)} of ${formatInt(data.groups.length)} shown`;
      headers.forEach((th, i) => {
        th.ariaSort = i !== groupsFilter.sortColumn ? 'none' :
          groupsFilter.descending ? 'descending' : 'ascending';
      });
      if (!rendered) {
        rendered = true;
        markRendered(rows.length);
      }
    }

    async function load() {
      try {
        const body = await getJson('/api/groups');
        if (stopped) return;
        data = body;
        error.show(null);
        renderStats();
        renderRows();
      } catch (err) {
        if (!stopped) error.show(err);
      }
    }

    search.addEventListener('input', () => {
      groupsFilter.text = search.value;
      if (data) renderRows();
    });
    stateSelect.addEventListener('change', () => {
      groupsFilter.state = stateSelect.value;
      if (data) renderRows();
    });
    // One listener on the header row for all columns.
    groupsTable.node.tHead.addEventListener('click', (event) => {
      const th = event.target.closest('th');
      if (!th) return;
      const column = th.cellIndex;
      groupsFilter.descending = column === groupsFilter.sortColumn ? !groupsFilter.descending :
        GROUP_COLUMNS[column][1] === 'num';
      groupsFilter.sortColumn = column;
      if (data) renderRows();
    });

    const refetch = refetcher(load);
    const poller = setInterval(refetch.schedule, GROUPS_POLL_MS);
    load();
    // A commit to a group already listed changes nothing this page shows (its lag is sampled,
    // and polled): busy groups commit many times a second, and each refetch lists every group.
    const listed = (id) => data !== null && data.groups.some((g) => g.group_id === id);
    return {
      onEvent: (e) => {
        if (e.type !== 'OFFSETS_COMMITTED' || !listed(e.group_id)) refetch.schedule();
      },
      refresh: () => refetch.schedule(),
      dispose: () => {
        stopped = true;
        refetch.stop();
        clearInterval(poller);
      },
    };
  }

  // ---------------------------------------------------------------- group page

  const EVENT_LABELS = {
    MEMBER_JOINED: ['Member joined', 'join'],
    MEMBER_LEFT: ['Member left', 'leave'],
    MEMBER_EXPIRED: ['Member expired', 'bad'],
    REBALANCE_STARTED: ['Rebalance started', 'rebalance'],
    REBALANCE_COMPLETED: ['Rebalance completed', 'rebalance'],
    STATE_CHANGED: ['State changed', 'state'],
    OFFSETS_COMMITTED: ['Offsets committed', 'commit'],
    OFFSETS_DELETED: ['Offsets deleted', 'bad'],
    GROUP_DELETED: ['Group deleted', 'bad'],
    EVENTS_DROPPED: ['Events dropped', 'bad'],
  };

  const code = (text) => el('code', null, text);
  const plural = (n, word) => `${formatInt(n)} ${word}${Number(n) === 1 ? '' : 's'}`;

  // What happened, as DOM nodes (member ids as code).
  function eventDetail(e) {
    switch (e.type) {
      case 'MEMBER_JOINED':
      case 'MEMBER_LEFT':
      case 'MEMBER_EXPIRED':
        return [code(e.member_id || DASH),
          e.group_instance_id ? ` instance ${e.group_instance_id}` : '',
          e.reason ? ` \u00b7 ${e.reason}` : ''];
      case 'REBALANCE_STARTED':
        return [`generation ${e.generation_id}, ${plural(e.members, 'member')}`,
          e.reason ? ` \u00b7 ${e.reason}` : ''];
      case 'REBALANCE_COMPLETED':
        return [`generation ${e.generation_id}, ${plural(e.members, 'member')}, ` +
          `${formatInt(e.rebalance_duration_ms)} ms`];
      case 'STATE_CHANGED':
        return [badge(e.previous_state), ' \u2192 ', badge(e.state)];
      case 'OFFSETS_COMMITTED':
      case 'OFFSETS_DELETED':
        return [`${plural(e.partitions, 'partition')} of ${(e.topics || []).join(', ') || DASH}`];
      case 'EVENTS_DROPPED':
        return [`${plural(e.dropped, 'event')} not seen: the console fell behind`];
      default:
        return [];
    }
  }

  // Newest first. Consecutive commits fold into one entry, so that joins, leaves and rebalances
  // stay in view in a group that commits every second.
  function timelineEntries(events) {
    const entries = [];
    for (let i = events.length - 1; i >= 0 && entries.length < TIMELINE_SHOWN; i--) {
      const run = entries[entries.length - 1];
      if (events[i].type === 'OFFSETS_COMMITTED' && run?.[0].type === 'OFFSETS_COMMITTED') {
        run.push(events[i]);
      } else {
        entries.push([events[i]]);
      }
    }
    return entries;
  }

  function commitRunDetail(run) {
    const topics = [...new Set(run.flatMap((e) => e.topics || []))].sort();
    return [`${plural(run.length, 'commit')} since ${formatClock(run[run.length - 1].timestamp_ms)}` +
      ` \u00b7 ${topics.join(', ') || DASH}`];
  }

  // One entry: an event, or a run of commits (newest first).
  function timelineItem(run) {
    const e = run[0];
    const [label, kind] = EVENT_LABELS[e.type] || [String(e.type), 'state'];
    return el('li', { className: `event event-${kind}`, dataset: { type: e.type } },
      el('time', null, formatClock(e.timestamp_ms)),
      el('span', { className: 'event-type' }, label),
      el('span', { className: 'event-detail' },
        ...(run.length > 1 ? commitRunDetail(run) : eventDetail(e))));
  }

  // Events arrive both in /api/group (the server's last hour) and live; a key identifies the
  // same event in both. Identical events are counted, not collapsed (two commits in one ms).
  const eventKey = (e) => JSON.stringify(e);
  function mergeEvents(known, fetched) {
    const unmatched = new Map();
    for (const e of fetched) unmatched.set(eventKey(e), (unmatched.get(eventKey(e)) || 0) + 1);
    const oldest = fetched.length ? Number(fetched[0].timestamp_ms) : -Infinity;
    const merged = [...fetched];
    for (const e of known) {
      const n = unmatched.get(eventKey(e)) || 0;
      if (n) unmatched.set(eventKey(e), n - 1);
      else if (Number(e.timestamp_ms) >= oldest) merged.push(e);
    }
    merged.sort((a, b) => Number(a.timestamp_ms) - Number(b.timestamp_ms));
    return merged.slice(-EVENTS_KEPT);
  }

  // Commits per second in CHART_BUCKETS buckets of CHART_BUCKET_S up to `nowMs`.
  function commitRates(events, nowMs) {
    const span = CHART_BUCKETS * CHART_BUCKET_S * 1000;
    const counts = new Array(CHART_BUCKETS).fill(0);
    for (const e of events) {
      if (e.type !== 'OFFSETS_COMMITTED') continue;
      const age = nowMs - Number(e.timestamp_ms);
      if (age < 0 || age >= span) continue;
      counts[CHART_BUCKETS - 1 - Math.floor(age / (CHART_BUCKET_S * 1000))]++;
    }
    return counts.map((n) => n / CHART_BUCKET_S);
  }

  function commitChart(rates, nowMs) {
    const width = CHART_BUCKETS * 10;
    const height = 64;
    const peak = Math.max(...rates);
    const bars = rates.map((rate, i) => {
      const h = peak ? Math.max((rate / peak) * (height - 4), rate ? 2 : 0) : 0;
      const start = nowMs - (CHART_BUCKETS - i) * CHART_BUCKET_S * 1000;
      return svg('rect', { x: i * 10 + 1, y: height - h, width: 8, height: h, class: 'bar' },
        svg('title', {}, `${formatClock(start)}: ${rate.toFixed(1)} commits/s`));
    });
    const total = rates.reduce((sum, r) => sum + r * CHART_BUCKET_S, 0);
    const minutes = (CHART_BUCKETS * CHART_BUCKET_S) / 60;
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none',
      role: 'img', 'aria-label': `Offset commits per second over the last ${minutes} minutes` },
    svg('line', { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: 'baseline' }),
    ...bars);
    return el('figure', { className: 'chart' },
      el('div', { className: 'chart-scale' },
        el('span', null, total ? `peak ${peak.toFixed(1)}/s` : ''),
        el('span', null, `${plural(total, 'commit')} in ${minutes} min`)),
      total ? chart : el('div', { className: 'chart-empty' }, 'No offset commits lately.'),
      el('figcaption', null, el('span', null, `${minutes} min ago`), el('span', null, 'now')));
  }

  function summaryList(group) {
    const consumer = group.group_type === 'consumer';
    const items = [
      ['Type', group.group_type || DASH],
      ['State', badge(group.state)],
      [consumer ? 'Group epoch' : 'Generation', formatInt(group.generation_id)],
    ];
    if (consumer) items.push(['Assignment epoch', formatInt(group.assignment_epoch)]);
    items.push(
      ['Protocol', protocolText(group.protocol_type, group.protocol_name)],
      ['Assignor', group.assignor || group.protocol_name || DASH]);
    // A consumer group's assignor runs on the coordinator: no member leads.
    if (!consumer) items.push(['Leader', group.leader_id ? code(group.leader_id) : DASH]);
    items.push(
      ['Coordinator', group.coordinator || DASH],
      ['Group partition', formatInt(group.group_partition)],
      ['State since', Number(group.state_changed_at_ms) ?
        formatDateTime(group.state_changed_at_ms) : DASH]);
    return el('dl', { className: 'summary' }, ...items.flatMap(([term, value]) =>
      [el('dt', null, term), el('dd', null, value)]));
  }

  function groupView(root, groupId) {
    document.title = `${groupId} \u00b7 Groupwire`;
    const title = el('h1', { className: 'group-title' }, groupId);
    const titleBadge = el('span');
    const error = errorLine();
    const summarySlot = el('div');
    const membersSlot = el('div');
    const offsetsSlot = el('div');
    const chartSlot = el('div', { className: 'chart-slot' });
    const timeline = el('ol', { className: 'timeline' });
    const membersCount = el('span', { className: 'count' });
    const offsetsCount = el('span', { className: 'count' });
    const content = el('div', { className: 'group-grid' },
      el('section', { className: 'card summary-card' }, el('h2', null, 'Summary'), summarySlot),
      el('section', { className: 'card chart-card' }, el('h2', null, 'Commits per second'),
        chartSlot),
      el('section', { className: 'card wide' }, el('h2', null, 'Members ', membersCount),
        membersSlot),
      el('section', { className: 'card wide' }, el('h2', null, 'Offsets ', offsetsCount),
        offsetsSlot),
      section('Timeline', timeline));
    root.append(
      el('nav', { className: 'crumbs' }, el('a', { href: '#/' }, 'Groups'), ' / '),
      el('div', { className: 'page-head' }, title, titleBadge),
      error.node, content);
    content.hidden = true;

    let events = [];
    let serverSkewMs = 0; // server clock minus ours, for the chart's "now"
    let ages = []; // [cell, age at fetch, member's session timeout]
    let fetchedAt = 0;
    let rendered = false;
    let stopped = false;

    const serverNow = () => Date.now() + serverSkewMs;

    function renderMembers(group) {
      const consumer = group.group_type === 'consumer';
      const columns = [['Member'], ['Instance'], ['Client'], ['Host'], ['Heartbeat age', 'num']];
      if (consumer) columns.push(['Epoch', 'num'], ['Member state']);
      columns.push(['Assignment']);
      if (consumer) columns.push(['Target assignment']);
      const t = table('data members', columns);
      const fragment = document.createDocumentFragment();
      ages = [];
      for (const m of group.members || []) {
        const age = el('td', { className: 'num age' });
        ages.push([age, Number(m.last_heartbeat_age_ms) || 0, m.session_timeout_ms || 0]);
        const cells = [
          el('td', { className: 'id' }, code(m.member_id),
            m.member_id === group.leader_id ? el('span', { className: 'tag' }, 'leader') : null),
          el('td', null, m.group_instance_id || DASH),
          el('td', { className: 'client' }, m.client_id || DASH),
          el('td', { className: 'nowrap' }, m.client_host || DASH),
          age,
        ];
        if (consumer) {
          cells.push(el('td', { className: 'num' }, formatInt(m.consumer?.member_epoch)),
            el('td', null, m.consumer?.member_state || DASH));
        }
        if (m.consumer) cells.push(assignmentCell(m.consumer.assigned, 'none'));
        else if (m.consumer_assignment) cells.push(assignmentCell(m.consumer_assignment.partitions, 'none'));
        else if (m.raw_assignment) cells.push(el('td', { className: 'muted' }, rawBytes(m.raw_assignment)));
        else cells.push(el('td', { className: 'muted' }, 'not yet assigned'));
        if (consumer) cells.push(assignmentCell(m.consumer?.target, 'none'));
        fragment.append(el('tr', { dataset: { memberId: m.member_id } }, ...cells));
      }
      if (!ages.length) fragment.append(emptyRow(columns.length, 'No members.'));
      t.body.append(fragment);
      membersCount.textContent = String((group.members || []).length);
      membersSlot.replaceChildren(t.node);
      tickAges();
    }

    function tickAges() {
      const elapsed = performance.now() - fetchedAt;
      for (const [cell, age, sessionTimeout] of ages) {
        const now = age + elapsed;
        cell.textContent = formatAge(now);
        cell.classList.toggle('late', sessionTimeout > 0 && now > sessionTimeout / 2);
      }
    }

    function renderOffsets(body) {
      const offsets = body.offsets?.offsets || [];
      const t = table('data offsets', [['Topic'], ['Partition', 'num'], ['Committed', 'num'],
        ['End offset', 'num'], ['Lag', 'num'], ['Committed at', 'num']]);
      let maxLag = 0n;
      for (const o of offsets) if (toBigInt(o.lag) > maxLag) maxLag = toBigInt(o.lag);
      const fragment = document.createDocumentFragment();
      let total = 0n;
      let known = 0;
      for (const o of offsets) {
        const lagCell = el('td', { className: 'num lag' }, formatInt(o.lag));
        if (o.lag !== undefined) {
          known++;
          total += toBigInt(o.lag);
          // A bar under the number: the partition's share of the largest lag.
          const bar = el('span', { className: 'lag-bar' });
          bar.style.width = `${maxLag ? Number((toBigInt(o.lag) * 100n) / maxLag) : 0}%`;
          lagCell.append(bar);
        }
        fragment.append(el('tr', { dataset: { topic: o.topic, partition: o.partition } },
          el('td', null, o.topic),
          el('td', { className: 'num' }, formatInt(o.partition)),
          el('td', { className: 'num' }, Number(o.offset) < 0 ? DASH : formatInt(o.offset)),
          el('td', { className: 'num' }, formatInt(o.end_offset)),
          lagCell,
          el('td', { className: 'num muted' },
            Number(o.commit_timestamp_ms) ? formatClock(o.commit_timestamp_ms) : DASH)));
      }
      if (!offsets.length) fragment.append(emptyRow(6, 'No committed offsets.'));
      t.body.append(fragment);
      if (offsets.length) {
        t.foot.append(el('tr', null,
          el('th', { scope: 'row', colSpan: 4 }, `Total (${plural(offsets.length, 'partition')})`),
          el('td', { className: 'num total-lag' }, known ? formatInt(total) : DASH),
          el('td')));
      }
      const notes = [];
      if (body.offsets_error) {
        notes.push(el('p', { className: 'note' }, 'End offsets unavailable: ', body.offsets_error));
      }
      offsetsCount.textContent = String(offsets.length);
      offsetsSlot.replaceChildren(...notes, t.node);
    }

    function renderTimeline() {
      const entries = timelineEntries(events);
      timeline.replaceChildren(...entries.map(timelineItem));
      if (!entries.length) {
        timeline.append(el('li', { className: 'muted' }, 'No events in the last hour.'));
      }
    }

    function renderChart() {
      const now = serverNow();
      chartSlot.replaceChildren(commitChart(commitRates(events, now), now));
    }

    function showMissing(err) {
      content.hidden = true;
      titleBadge.replaceChildren();
      error.show(err.status === 404 ?
        new Error(`No group ${JSON.stringify(groupId)} on this cluster (yet): the page fills in ` +
          'when it appears.') : err);
    }

    async function load() {
      let body;
      try {
        body = await getJson(`/api/group?id=${encodeURIComponent(groupId)}`);
      } catch (err) {
        if (!stopped) showMissing(err);
        return;
      }
      if (stopped) return;
      fetchedAt = performance.now();
      serverSkewMs = Number(body.now_ms) ? Number(body.now_ms) - Date.now() : 0;
      events = mergeEvents(events, body.events || []);
      error.show(null);
      titleBadge.replaceChildren(badge(body.group.state));
      summarySlot.replaceChildren(summaryList(body.group));
      renderMembers(body.group);
      renderOffsets(body);
      renderTimeline();
      renderChart();
      content.hidden = false;
      if (!rendered) {
        rendered = true;
        markRendered((body.group.members || []).length);
      }
    }

    const refetch = refetcher(load);
    const ticker = setInterval(tickAges, 1000);
    const chartTicker = setInterval(renderChart, CHART_BUCKET_S * 1000);
    load();
    return {
      onEvent: (e) => {
        if (e.type === 'EVENTS_DROPPED') {
          refetch.schedule();
          return;
        }
        if (e.group_id !== groupId) return;
        // Shown at once; the refetch that follows brings the state it led to.
        events = [...events, e].slice(-EVENTS_KEPT);
        renderTimeline();
        renderChart();
        refetch.schedule();
      },
      refresh: () => refetch.schedule(),
      dispose: () => {
        stopped = true;
        refetch.stop();
        clearInterval(ticker);
        clearInterval(chartTicker);
      },
    };
  }

  // ---------------------------------------------------------------- cluster page

  function partitionChip(partition, epoch) {
    const chip = el('span', { className: 'chip' }, String(partition));
    if (epoch !== undefined) {
      chip.title = `partition ${partition}, lease epoch ${epoch}`;
      chip.append(el('small', null, `e${epoch}`));
    }
    return chip;
  }

  function clusterView(root) {
    document.title = 'Cluster \u00b7 Groupwire';
    const error = errorLine();
    const stats = el('div', { className: 'stats' });
    const coordinatorsSlot = el('div');
    const unownedSlot = el('div');
    root.append(
      el('div', { className: 'page-head' }, el('h1', null, 'Cluster'), stats),
      error.node,
      section('Coordinators', coordinatorsSlot),
      section('Unowned partitions', unownedSlot));
    let stopped = false;
    let rendered = false;

    function render(cluster) {
      const coordinators = cluster.coordinators || [];
      const unowned = cluster.unowned || [];
      const owned = coordinators.reduce((n, c) => n + (c.partitions || []).length, 0);
      stats.replaceChildren(
        stat('group partitions', formatInt(cluster.group_partitions)),
        stat('coordinators', formatInt(coordinators.length)),
        stat('owned', formatInt(owned), 'stat-stable'),
        stat('unowned', formatInt(unowned.length), unowned.length ? 'stat-dead' : ''));
      const t = table('data coordinators', [['Coordinator'], ['Partitions', 'num'],
        ['Lease epochs', 'num'], ['Group partitions served']]);
      for (const c of coordinators) {
        const partitions = c.partitions || [];
        const epochs = partitions.map((p) => toBigInt(p.epoch));
        const [low, high] = epochs.reduce(([lo, hi], e) => [e < lo ? e : lo, e > hi ? e : hi],
          [epochs[0], epochs[0]]);
        t.body.append(el('tr', { dataset: { coordinator: c.advertise } },
          el('td', { className: 'nowrap' }, c.advertise),
          el('td', { className: 'num partition-count' }, formatInt(partitions.length)),
          el('td', { className: 'num' }, !epochs.length ? DASH :
            low === high ? formatInt(low) : `${formatInt(low)}\u2013${formatInt(high)}`),
          el('td', null, el('div', { className: 'chips' },
            ...partitions.map((p) => partitionChip(p.partition, formatInt(p.epoch)))))));
      }
      if (!coordinators.length) t.body.append(emptyRow(4, 'No live coordinator.'));
      coordinatorsSlot.replaceChildren(t.node);
      unownedSlot.replaceChildren(unowned.length ?
        el('div', { className: 'chips unowned' }, ...unowned.map((p) => partitionChip(p))) :
        el('p', { className: 'muted' }, 'None: every group partition has a coordinator.'));
    }

    async function load() {
      try {
        const cluster = await getJson('/api/cluster');
        if (stopped) return;
        error.show(null);
        render(cluster);
        if (!rendered) {
          rendered = true;
          markRendered((cluster.coordinators || []).length);
        }
      } catch (err) {
        if (!stopped) error.show(err);
      }
    }
    // Ownership changes without group events (a coordinator joins, a lease moves): poll.
    const poller = setInterval(load, 5000);
    load();
    return {
      onEvent: () => {},
      refresh: load,
      dispose: () => {
        stopped = true;
        clearInterval(poller);
      },
    };
  }

  // ---------------------------------------------------------------- routing and live events

  let view = null;

  function notFoundView(root, text) {
    root.append(el('div', { className: 'page-head' }, el('h1', null, 'Not found')),
      el('p', { className: 'error' }, text), el('p', null, el('a', { href: '#/' }, 'All groups')));
    return { onEvent: () => {}, refresh: () => {}, dispose: () => {} };
  }

  function route() {
    if (view) view.dispose();
    const root = document.getElementById('view');
    root.replaceChildren();
    const hash = location.hash || '#/';
    const group = /^#\/group\/(.*)$/.exec(hash);
    let page = 'groups';
    if (group) {
      page = 'group';
      let id = null;
      try {
        id = decodeURIComponent(group[1]);
      } catch {
        view = notFoundView(root, 'This link does not name a group.');
      }
      if (id !== null) view = groupView(root, id);
    } else if (hash === '#/cluster') {
      page = 'cluster';
      view = clusterView(root);
    } else if (hash === '#/' || hash === '#') {
      view = groupsView(root);
    } else {
      view = notFoundView(root, 'No such page.');
    }
    for (const link of document.querySelectorAll('[data-nav]')) {
      link.classList.toggle('active', link.dataset.nav === page ||
        (page === 'group' && link.dataset.nav === 'groups'));
    }
    window.scrollTo(0, 0);
  }

  function setLive(state, text) {
    const indicator = document.getElementById('live');
    indicator.className = `live live-${state}`;
    indicator.textContent = text;
  }

  // EventSource retries by itself while the stream drops; it gives up (CLOSED) on an HTTP error
  // such as 503, so then a new one is opened later. Events missed while down are caught up
  // with a refetch at each reconnection.
  function connectLive() {
    const source = new EventSource('/api/events');
    let opened = false;
    source.addEventListener('open', () => {
      setLive('on', 'live');
      if (opened) view?.refresh();
      opened = true;
    });
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) {
        setLive('off', 'offline');
        setTimeout(() => {
          connectLive();
          view?.refresh();
        }, RECONNECT_DELAY_MS);
      } else {
        setLive('connecting', 'reconnecting');
      }
    });
    source.addEventListener('group', (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      view?.onEvent(event);
    });
  }

  window.addEventListener('hashchange', route);
  route();
  connectLive();
})();
