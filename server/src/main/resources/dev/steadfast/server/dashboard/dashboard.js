// The Steadfast hub's own page: live figures from /api/status, the startup timeline from /startup (drawn by
// /timeline.js, the renderer StartupReport.toHtml() inlines), and a demo client for /ws and /api/publish. No
// framework, no build step.
// Token, publish key and topic may be given in the URL fragment (never sent to the server):
//   http://localhost:8080/#token=eyJ...&key=dev-...&topic=room:1
'use strict';

const $ = (id) => document.getElementById(id);
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
      if (leak.verdict === 'UNCONFIRMED') {
        detail += ' after young collections only (' + leak.oldGenerationCollections
            + ' old-generation collections seen): promoted garbage or a leak, not yet confirmed';
      }
    }
    $('fig-leak-detail').textContent = detail;
  } catch (e) {
    $('readiness').textContent = 'unreachable';
    $('readiness').className = 'badge FAILED';
  }
}

// ---- startup timeline (Gantt): drawn by the startup module's renderer, /timeline.js -----------------------------

async function loadTimeline() {
  const response = await fetch('/startup', { cache: 'no-store' });
  if (response.status === 503) {
    setTimeout(loadTimeline, 500);
    return;
  }
  const report = await response.json();
  $('startup-summary').textContent = SteadfastTimeline.draw($('timeline'), report);
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
