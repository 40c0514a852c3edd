// USSD simulator (dev only). Posts each hop to the real Africa's Talking webhook
// exactly as AT does (form fields, one sessionId per dial, cumulative `text`
// joined with '*') and polls GET /dev/messages for the SMS inbox.
// Service text only ever reaches the page through textContent / text nodes.
// The inbox replies by SMS through the real AT inbound-SMS webhook (one fresh message id each).
// Query options: ?lang=en, ?token=<AT_WEBHOOK_TOKEN> when the service sets one.

import { LABELS } from './labels.js';

// Mobile network codes (MCC+MNC) AT would send for the demo countries.
const NETWORKS = [
  { prefix: '+221', name: 'Orange SN', code: '60801' },
  { prefix: '+254', name: 'Safaricom', code: '63902' },
];

const $ = (id) => document.getElementById(id);
const el = {
  langButtons: document.querySelectorAll('[data-lang]'),
  demoUser: $('demo-user'),
  phone: $('phone-number'),
  serviceCode: $('service-code'),
  operator: $('operator'),
  screen: $('ussd-screen'),
  screenState: $('screen-state'),
  input: $('ussd-input'),
  send: $('send'),
  clear: $('backspace'),
  dial: $('dial'),
  dialLabel: $('dial-label'),
  cancel: $('cancel'),
  keys: document.querySelectorAll('[data-key]'),
  sessionInfo: $('session-info'),
  inboxNumber: $('inbox-number'),
  inboxList: $('inbox-list'),
  inboxEmpty: $('inbox-empty'),
  inboxStatus: $('inbox-status'),
  phone_: document.querySelector('.phone'),
  langNote: $('lang-note'),
  smsText: $('sms-text'),
  smsSend: $('sms-send'),
  smsNotMe: $('sms-not-me'),
  smsStop: $('sms-stop'),
  smsStatus: $('sms-status'),
};

// The number the inbound SMS is addressed to: our short code (the service answers from its own sender).
const SHORT_CODE = '12345';

const query = new URLSearchParams(location.search);
const webhookQuery = query.get('token') ? `?token=${encodeURIComponent(query.get('token'))}` : '';

const picked = pickLang();
const state = {
  lang: picked.lang,
  unknownLang: picked.unknown, // an unknown ?lang=, shown in a note until a language is chosen
  phase: 'idle', // idle | waiting | open | ended
  screen: { ui: 'idle' }, // { ui: key } for our own texts, { service: text } for the service's
  session: null, // { id, inputs, hops, startedAt, phone, serviceCode, network }
  inbox: { phone: null, keys: new Set(), polling: false, down: false },
  sms: { status: null }, // { key, vars } of the last SMS reply's outcome
};

function pickLang() {
  const known = (lang) => lang === 'en' || lang === 'fr';
  const asked = query.get('lang');
  const stored = localStorage.getItem('molam-sim-lang');
  return {
    lang: known(asked) ? asked : known(stored) ? stored : 'fr',
    unknown: asked !== null && !known(asked) ? asked.slice(0, 16) : null,
  };
}

const t = (key, vars = {}) => LABELS[state.lang][key].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
const networkOf = (phone) => NETWORKS.find((n) => phone.startsWith(n.prefix)) ?? { name: 'Molam Net', code: '99999' };
const digitsOf = (phone) => phone.replace(/\D/g, '');

function randomId(prefix = 'SIM_') {
  const bytes = crypto.getRandomValues(new Uint8Array(12)); // works outside secure contexts too
  return `${prefix}${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** AT's date format: 2026-11-29 03:50:00 (local time). */
function atDate(d) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// ---------- rendering ----------

function render() {
  const { phase, session } = state;
  document.documentElement.lang = state.lang;
  document.title = t('pageTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const button of el.langButtons) button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang));
  el.demoUser.querySelector('option[value=""]').textContent = t('otherNumber');
  el.langNote.hidden = !state.unknownLang;
  el.langNote.textContent = state.unknownLang ? t('langNote', { asked: state.unknownLang }) : '';
  el.smsStatus.textContent = state.sms.status ? t(state.sms.status.key, state.sms.status.vars) : '';

  el.screen.textContent =
    state.screen.service ??
    t(state.screen.ui, { code: el.serviceCode.value.trim() || '*384*1#', ...state.screen.vars });
  el.screen.setAttribute('aria-busy', String(phase === 'waiting'));
  el.screenState.textContent = { idle: '', waiting: t('stateWaiting'), open: t('stateOpen'), ended: t('stateEnded') }[
    phase
  ];
  document.body.dataset.phase = phase;

  const live = phase === 'open' || phase === 'waiting';
  el.input.disabled = phase !== 'open';
  el.send.disabled = phase !== 'open';
  el.cancel.disabled = !live;
  el.dial.disabled = live;
  el.dialLabel.textContent = phase === 'ended' ? t('dialAgain') : t('dial');
  el.phone.disabled = live;
  el.demoUser.disabled = live;
  el.serviceCode.disabled = live;
  el.operator.textContent = networkOf(session?.phone ?? el.phone.value.trim()).name;
  el.sessionInfo.textContent = !session
    ? ''
    : t(phase === 'ended' ? 'sessionEnded' : 'session', { id: session.id.slice(0, 12), hops: session.hops });
  renderInboxTimes();
}

function showScreen(screen, phase) {
  state.screen = screen;
  state.phase = phase;
  render();
}

// ---------- the USSD session, as Africa's Talking drives it ----------

async function dial() {
  const phone = el.phone.value.trim();
  const serviceCode = el.serviceCode.value.trim();
  if (!phone || !serviceCode) return;
  state.session = {
    id: randomId(),
    inputs: [],
    hops: 0,
    startedAt: Date.now(),
    phone,
    serviceCode,
    network: networkOf(phone),
  };
  await hop('');
}

async function sendReply() {
  if (state.phase !== 'open') return;
  state.session.inputs.push(el.input.value.trim());
  el.input.value = '';
  await hop(state.session.inputs.join('*'));
}

async function hop(text) {
  const session = state.session;
  showScreen({ ui: 'running' }, 'waiting');
  session.hops += 1;
  const form = new URLSearchParams({
    sessionId: session.id,
    serviceCode: session.serviceCode,
    phoneNumber: session.phone,
    networkCode: session.network.code,
    text,
  });
  let reply = null;
  let refusal = null; // the service's {error: {code, field?}} for a 4xx
  try {
    const res = await fetch(`/gateways/africastalking/ussd${webhookQuery}`, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(15_000),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (res.ok) reply = await res.text();
    else refusal = (await res.json().catch(() => ({}))).error ?? { code: String(res.status) };
  } catch {
    reply = null;
  }
  if (state.session !== session) return; // cancelled while waiting
  if (refusal) {
    showRefusal(session, refusal);
    return;
  }
  // AT's rule: 'CON ' keeps the session, 'END ' closes it, anything else is a failure.
  if (reply?.startsWith('CON ')) {
    showScreen({ service: reply.slice(4) }, 'open');
    el.input.focus();
  } else if (reply?.startsWith('END ')) {
    showScreen({ service: reply.slice(4) }, 'ended');
    notifySessionEnd(session, 'Success');
    el.dial.focus();
  } else {
    showScreen({ ui: 'failed' }, 'ended');
    notifySessionEnd(session, 'Failed', 'Gateway answered without CON/END');
    el.dial.focus();
  }
}

/** A 4xx from the webhook: no session was opened, so no end-of-session notice; a bad number is named. */
function showRefusal(session, refusal) {
  if (refusal.field === 'phoneNumber') {
    el.phone.setAttribute('aria-invalid', 'true');
    showScreen({ ui: 'invalidPhone', vars: { phone: session.phone } }, 'ended');
    el.phone.focus();
  } else {
    showScreen({ ui: 'refused', vars: { code: refusal.code } }, 'ended');
    el.dial.focus();
  }
}

function cancel() {
  const session = state.session;
  if (!session || (state.phase !== 'open' && state.phase !== 'waiting')) return;
  state.session = { ...session }; // a late reply for the old object is dropped
  showScreen({ ui: 'cancelled' }, 'ended');
  notifySessionEnd(session, 'Incomplete');
  el.dial.focus();
}

/** AT's end-of-session callback. `input` is left out: it would carry the OTP and PIN. */
function notifySessionEnd(session, status, errorMessage) {
  const form = new URLSearchParams({
    sessionId: session.id,
    serviceCode: session.serviceCode,
    networkCode: session.network.code,
    phoneNumber: session.phone,
    status,
    date: atDate(new Date()),
    durationInMillis: String(Date.now() - session.startedAt),
    hopsCount: String(session.hops),
    cost: '0',
  });
  if (errorMessage) form.set('errorMessage', errorMessage);
  fetch(`/gateways/africastalking/ussd/events${webhookQuery}`, { method: 'POST', body: form }).catch(() => {});
}

// ---------- keypad and fields ----------

/** The keypad types into the reply box during a session, into the service code otherwise. */
const keypadTarget = () => (state.phase === 'open' ? el.input : el.serviceCode);

function press(key) {
  const target = keypadTarget();
  if (target.disabled) return;
  target.value += key;
  if (target === el.serviceCode) render();
}

function backspace() {
  const target = keypadTarget();
  if (target.disabled) return;
  target.value = target.value.slice(0, -1);
  if (target === el.serviceCode) render();
}

function selectNumber(phone) {
  el.phone.value = phone;
  el.phone.removeAttribute('aria-invalid');
  state.sms.status = null;
  const known = [...el.demoUser.options].some((o) => o.value === phone);
  el.demoUser.value = known ? phone : '';
  if (state.phase === 'ended') {
    state.session = null;
    showScreen({ ui: 'idle' }, 'idle');
  } else render();
  resetInbox();
}

// ---------- replying by SMS, as Africa's Talking forwards an inbound SMS ----------

async function sendSms(text) {
  const phone = el.phone.value.trim();
  if (!text.trim() || !phone) return;
  // A fresh id per message: the service answers a repeated id only once (AT's retries).
  const form = new URLSearchParams({
    from: phone,
    to: SHORT_CODE,
    text,
    date: atDate(new Date()),
    id: randomId('SIM_SMS_'),
    networkCode: networkOf(phone).code,
  });
  let status;
  try {
    const res = await fetch(`/gateways/africastalking/sms/inbound${webhookQuery}`, { method: 'POST', body: form });
    status = res.ok
      ? { key: 'smsSent' }
      : { key: 'smsFailed', vars: { code: (await res.json().catch(() => ({}))).error?.code ?? res.status } };
  } catch {
    status = { key: 'smsFailed', vars: { code: 'network' } };
  }
  if (status.key === 'smsSent') {
    el.inboxList.prepend(messageItem({ channel: 'out', body: text, sentAt: new Date().toISOString() }));
    el.smsText.value = '';
  }
  state.sms.status = status;
  render();
}

// ---------- SMS inbox ----------

function resetInbox() {
  state.inbox.phone = null;
  state.inbox.keys.clear();
  el.inboxList.replaceChildren();
  void pollInbox();
}

/** Message text with codes (4 to 8 digits) marked, built from text nodes only. */
function messageBody(text) {
  const p = document.createElement('p');
  p.className = 'msg-body';
  let last = 0;
  for (const match of text.matchAll(/\b\d{4,8}\b/g)) {
    p.append(document.createTextNode(text.slice(last, match.index)));
    const mark = document.createElement('mark');
    mark.textContent = match[0];
    p.append(mark);
    last = match.index + match[0].length;
  }
  p.append(document.createTextNode(text.slice(last)));
  return p;
}

function messageItem(message) {
  const li = document.createElement('li');
  li.className = `msg msg-${message.channel === 'email' || message.channel === 'out' ? message.channel : 'sms'}`;
  const meta = document.createElement('div');
  meta.className = 'msg-meta';
  const channel = document.createElement('span');
  channel.className = 'msg-channel';
  channel.dataset.channel = message.channel;
  const time = document.createElement('time');
  time.dateTime = message.sentAt;
  meta.append(channel, time);
  li.append(meta);
  if (message.subject) {
    const subject = document.createElement('p');
    subject.className = 'msg-subject';
    subject.textContent = message.subject;
    li.append(subject);
  }
  li.append(messageBody(message.body));
  return li;
}

function renderInboxTimes() {
  const channelLabel = { email: 'email', out: 'smsOut' };
  for (const node of el.inboxList.querySelectorAll('.msg-channel'))
    node.textContent = t(channelLabel[node.dataset.channel] ?? 'sms');
  for (const node of el.inboxList.querySelectorAll('time')) {
    node.textContent = new Date(node.dateTime).toLocaleTimeString(state.lang === 'fr' ? 'fr-FR' : 'en-GB');
  }
  el.inboxNumber.textContent = el.phone.value.trim();
  el.inboxEmpty.hidden = el.inboxList.childElementCount > 0;
  el.inboxStatus.textContent = state.inbox.down ? t('inboxDown') : '';
}

async function pollInbox() {
  if (state.inbox.polling) return;
  state.inbox.polling = true;
  try {
    const res = await fetch('/dev/messages', { cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const messages = await res.json();
    state.inbox.down = false;
    const phone = el.phone.value.trim();
    const wanted = digitsOf(phone);
    if (state.inbox.phone !== phone) {
      state.inbox.phone = phone;
      state.inbox.keys.clear();
      el.inboxList.replaceChildren();
    }
    // Oldest first from the service; each new one goes on top.
    for (const message of messages) {
      if (!wanted || digitsOf(message.to) !== wanted) continue;
      const key = `${message.sentAt}|${message.channel}|${message.body}`;
      if (state.inbox.keys.has(key)) continue;
      state.inbox.keys.add(key);
      el.inboxList.prepend(messageItem(message));
    }
  } catch {
    state.inbox.down = true;
  } finally {
    state.inbox.polling = false;
    renderInboxTimes();
  }
}

// ---------- wiring ----------

for (const button of el.langButtons) {
  button.addEventListener('click', () => {
    state.lang = button.dataset.lang;
    state.unknownLang = null;
    localStorage.setItem('molam-sim-lang', state.lang);
    render();
  });
}
for (const key of el.keys) key.addEventListener('click', () => press(key.dataset.key));
el.clear.addEventListener('click', backspace);
el.dial.addEventListener('click', () => void dial());
el.send.addEventListener('click', () => void sendReply());
el.cancel.addEventListener('click', cancel);
el.input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    void sendReply();
  }
  if (e.key === 'Escape') cancel();
});
el.serviceCode.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') void dial();
});
// A focused keypad button would take Enter as one more click (one more digit): Enter is the phone's OK key.
el.phone_.addEventListener('keydown', (e) => {
  if (!e.target.closest('.keypad')) return;
  if (e.key === 'Enter') {
    e.preventDefault();
    if (state.phase === 'open') void sendReply();
    else if (state.phase !== 'waiting') void dial();
  } else if (/^[0-9*#]$/.test(e.key)) {
    press(e.key);
  } else if (e.key === 'Backspace') {
    backspace();
  }
});
el.smsSend.addEventListener('click', () => void sendSms(el.smsText.value));
el.smsText.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    void sendSms(el.smsText.value);
  }
});
el.smsNotMe.addEventListener('click', () => void sendSms(t('smsNotMe')));
el.smsStop.addEventListener('click', () => void sendSms('STOP'));
el.serviceCode.addEventListener('input', render);
el.demoUser.addEventListener('change', () => {
  if (el.demoUser.value) selectNumber(el.demoUser.value);
});
el.phone.addEventListener('change', () => selectNumber(el.phone.value.trim()));

const other = document.createElement('option');
other.value = '';
el.demoUser.append(other);
render();
void pollInbox();
setInterval(() => void pollInbox(), 1000);
