// The Steadfast hub's own page: live figures from /api/status, the startup timeline from /startup (with the plan's
// dependencies from /api/startup-plan), and a demo client for /ws and /api/publish. No framework, no build step.
// Token, publish key and topic may be given in the URL fragment (never sent to the server):
//   http://localhost:8080/#token=eyJ...&key=dev-...&topic=room:1
'use strict';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const STATUS_PERIOD_MS = 1000;
let socket = null;
let nextId = 1;
let previousStatus = null;

function log(text, kind) {
  const item = document.createElement('li');
  item.textContent = text;
  if (kind) item.className = kind;
  $('log').prepend(item);
}

function fromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get('token')) $('token').value = params.get('token');
  if (params.get('key')) $('api-key').value = params.get('key');
  if (params.get('topic')) $('topic').value = params.get('topic');
}

// ---- demo client -------------------------------------------------------------------------------------------------

function setConnected(open, text) {
  const state = $('connection-state');
  state.textContent = text;
  state.className = 'state' + (open ? ' open' : '');
  $('connect').textContent = open ? 'Disconnect' : 'Connect';
}

function connect() {
  if (socket) {
    socket.close(1000, 'bye');
    return;
  }
  const token = $('token').value.trim();
  if (!token) {
    log('a token is needed: paste the development token the server printed, or one from its token subcommand',
        'error');
    return;
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(scheme + '//' + location.host + '/ws?access_token=' + encodeURIComponent(token));
  socket = ws;
  setConnected(false, 'connecting…');
  ws.onopen = () => setConnected(true, 'connected');
  ws.onmessage = (event) => receive(event.data);
  ws.onclose = (event) => {
    socket = null;
    // A refused upgrade (bad token, origin) reaches JavaScript only as 1006; the server's log and HTTP answer say why.
    setConnected(false, 'closed ' + event.code + (event.reason ? ' (' + event.reason + ')' : '')
        + (event.code === 1006 ? ': refused or lost; check the token' : ''));
    log('closed ' + event.code + ' ' + event.reason, event.code === 1000 ? '' : 'error');
  };
}

function send(frame) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    log('not connected', 'error');
    return;
  }
  frame.id = nextId++;
  socket.send(JSON.stringify(frame));
  log('→ ' + JSON.stringify(frame));
}

function receive(text) {
  log('← ' + text);
  let frame;
  try {
    frame = JSON.parse(text);
  } catch (e) {
    log('not JSON: ' + text, 'error');
    return;
  }
  if (frame.op === 'message') {
    const item = document.createElement('li');
    item.className = 'message';
    item.dataset.topic = frame.topic;
    item.textContent = frame.topic + ': ' + JSON.stringify(frame.payload);
    $('messages').prepend(item);
  } else if (frame.op === 'error') {
    log(frame.code + ': ' + frame.message, 'error');
  }
}

function payload() {
  const text = $('payload').value;
  try {
    return JSON.parse(text);
  } catch (e) {
    return text; // plain text is published as a JSON string
  }
}

async function publishViaApi() {
  const body = JSON.stringify({ topic: $('topic').value.trim(), payload: payload() });
  const response = await fetch('/api/publish', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': $('api-key').value.trim() },
    body,
  });
  const answer = await response.text();
  log('POST /api/publish ' + response.status + ' ' + answer, response.ok ? '' : 'error');
}

// ---- live figures ----------------------------------------------------------------------------------------------

async function refreshStatus() {
  try {
    const status = await (await fetch('/api/status', { cache: 'no-store' })).json();
    const badge = $('readiness');
    badge.textContent = status.readiness;
    badge.className = 'badge ' + status.readiness;
    $('fig-connections').textContent = status.webSockets ?? '–';
    $('fig-topics').textContent = status.topics ?? '–';
    if (previousStatus && status.messagesOut !== undefined) {
      const seconds = (status.takenAtMillis - previousStatus.takenAtMillis) / 1000;
      const rate = seconds > 0 ? (status.messagesOut - previousStatus.messagesOut) / seconds : 0;
      $('fig-rate').textContent = rate.toFixed(1);
    }
    previousStatus = status;
    const leak = status.leak;
    const verdict = $('fig-leak');
    verdict.textContent = leak.verdict;
    verdict.className = 'value verdict-' + leak.verdict;
    let detail;
    if (leak.verdict === 'UNAVAILABLE') {
      detail = leak.reason;
    } else {
      detail = 'heap ' + (leak.heapMegabytesPerHour === null ? 'n/a' : leak.heapMegabytesPerHour.toFixed(2))
          + ' MB/h over ' + leak.window;
      if (leak.growing.length) detail += ' · growing: ' + leak.growing.join(', ');
    }
    $('fig-leak-detail').textContent = detail;
  } catch (e) {
    $('readiness').textContent = 'unreachable';
    $('readiness').className = 'badge FAILED';
  }
}

// ---- startup timeline (Gantt) ----------------------------------------------------------------------------------

function el(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// The chain of steps that decided when startup finished: from the step that ended last, back through the
// dependency that ended last before it started.
function criticalPath(steps, dependenciesOf) {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const end = (s) => s.startOffsetMillis + s.durationMillis;
  let current = steps.reduce((a, b) => (end(b) > end(a) ? b : a), steps[0]);
  const path = new Set();
  while (current && !path.has(current.name)) {
    path.add(current.name);
    const deps = (dependenciesOf(current.name) || []).map((d) => byName.get(d)).filter(Boolean);
    current = deps.length ? deps.reduce((a, b) => (end(b) > end(a) ? b : a)) : null;
  }
  return path;
}

function drawTimeline(report, plan) {
  const steps = report.steps;
  const planned = new Map((plan.steps || []).map((s) => [s.name, s]));
  const required = (name) => (steps.find((s) => s.name === name).dependsOn
      || (planned.get(name) || {}).dependsOn || []);
  const optional = (name) => (steps.find((s) => s.name === name).dependsOnOptionally
      || (planned.get(name) || {}).dependsOnOptionally || []);
  const all = (name) => required(name).concat(optional(name));
  const critical = criticalPath(steps, all);
  const bypassed = new Map((report.bypasses || []).map((b) => [b.step, b]));

  const rowHeight = 28;
  const labelWidth = 150;
  const chartWidth = 620;
  const noteWidth = 260;
  const top = 24;
  const total = Math.max(report.durationMillis,
      ...steps.map((s) => s.startOffsetMillis + s.durationMillis), 1);
  const x = (ms) => labelWidth + (ms / total) * chartWidth;
  const height = top + steps.length * rowHeight + 10;
  const svg = el('svg', { viewBox: '0 0 ' + (labelWidth + chartWidth + noteWidth) + ' ' + height,
    role: 'img', 'aria-label': 'startup timeline' });
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 6 6', refX: 6, refY: 3, markerWidth: 6,
    markerHeight: 6, orient: 'auto' });
  marker.append(el('path', { d: 'M0,0 L6,3 L0,6 z', fill: '#546e7a' }));
  const defs = el('defs');
  defs.append(marker);
  svg.append(defs);
  for (let i = 0; i <= 4; i++) {
    const ms = (total * i) / 4;
    svg.append(el('line', { class: 'axis', x1: x(ms), x2: x(ms), y1: top - 6, y2: height - 6 }));
    svg.append(el('text', { x: x(ms), y: 12, 'text-anchor': 'middle', fill: '#607d8b' }, ms.toFixed(0) + ' ms'));
  }
  const row = new Map(steps.map((s, i) => [s.name, i]));
  const middle = (i) => top + i * rowHeight + rowHeight / 2;
  steps.forEach((step, i) => {
    const group = el('g', { class: 'bar' + (critical.has(step.name) ? ' critical' : ''),
      'data-step': step.name, 'data-status': step.status });
    const start = x(step.startOffsetMillis);
    const width = Math.max(2, x(step.startOffsetMillis + step.durationMillis) - start);
    group.append(el('text', { x: 4, y: middle(i) }, step.name + (step.criticality === 'OPTIONAL' ? ' (opt)' : '')));
    const body = el('rect', { class: 'body fill-' + step.status, x: start, y: middle(i) - 9, width, height: 18,
      rx: 3 });
    body.append(el('title', {}, step.name + ': ' + step.status + ', +' + step.startOffsetMillis.toFixed(1)
        + ' ms, ' + step.durationMillis.toFixed(1) + ' ms' + (step.thread ? ', ' + step.thread : '')));
    group.append(body);
    const notes = [step.durationMillis.toFixed(1) + ' ms'];
    if (critical.has(step.name)) notes.push('critical');
    if (bypassed.has(step.name)) notes.push('bypassed: ' + bypassed.get(step.name).kind);
    if (step.status !== 'UP' && step.criticality === 'OPTIONAL') notes.push('degraded: ' + step.status);
    else if (step.status !== 'UP') notes.push(step.status);
    if (step.error) notes.push(step.error.rootCauseMessage || step.error.message || '');
    const note = el('text', { x: start + width + 6, y: middle(i) }, notes.join(' · '));
    if (notes.length > 1) note.setAttribute('class', 'note');
    group.append(note);
    svg.append(group);
  });
  // Arrows last, above the bars: from the end of each dependency to the start of its dependant.
  steps.forEach((step, i) => {
    const draw = (dep, optionalDep) => {
      const from = steps[row.get(dep)];
      if (!from) return;
      const x1 = x(from.startOffsetMillis + from.durationMillis);
      const x2 = x(step.startOffsetMillis);
      const y1 = middle(row.get(dep)) + 9;
      const y2 = middle(i) - 9;
      svg.append(el('path', { class: 'dep' + (optionalDep ? ' optional' : ''), 'data-from': dep,
        'data-to': step.name, d: 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + (y1 + 12) + ' ' + x2 + ','
          + (y2 - 12) + ' ' + x2 + ',' + y2, 'marker-end': 'url(#arrow)' }));
    };
    required(step.name).forEach((d) => draw(d, false));
    optional(step.name).forEach((d) => draw(d, true));
  });
  $('timeline').replaceChildren(svg);
  $('startup-summary').textContent = report.outcome + ' in ' + report.durationMillis.toFixed(0) + ' ms, '
      + steps.length + ' steps, ' + report.mode;
}

async function loadTimeline() {
  const response = await fetch('/startup', { cache: 'no-store' });
  if (response.status === 503) {
    setTimeout(loadTimeline, 500);
    return;
  }
  const report = await response.json();
  const plan = await (await fetch('/api/startup-plan', { cache: 'no-store' })).json().catch(() => ({}));
  drawTimeline(report, plan);
}

// ---- wiring --------------------------------------------------------------------------------------------------

$('connect-form').addEventListener('submit', (e) => { e.preventDefault(); connect(); });
$('subscribe-form').addEventListener('submit', (e) => {
  e.preventDefault();
  send({ op: 'subscribe', topic: $('topic').value.trim() });
});
$('publish-form').addEventListener('submit', (e) => {
  e.preventDefault();
  send({ op: 'publish', topic: $('topic').value.trim(), payload: payload() });
});
$('api-form').addEventListener('submit', (e) => { e.preventDefault(); publishViaApi(); });
fromFragment();
refreshStatus();
setInterval(refreshStatus, STATUS_PERIOD_MS);
loadTimeline().catch((e) => { $('startup-summary').textContent = 'cannot load /startup: ' + e; });
