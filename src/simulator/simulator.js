// USSD simulator (dev only). Posts each hop to the real Africa's Talking webhook
// exactly as AT does (form fields, one sessionId per dial, cumulative `text`
// joined with '*') and polls GET /dev/messages for the SMS inbox.
// Service text only ever reaches the page through textContent / text nodes.
// Query options: ?lang=en, ?token=<AT_WEBHOOK_TOKEN> when the service sets one.

const LABELS = {
  fr: {
    pageTitle: 'Molam ID · Simulateur USSD', title: 'Simulateur USSD', subtitle: 'Molam ID · mode développement',
    phoneHeading: 'Téléphone', demoUser: 'Utilisateur de démo', otherNumber: 'Autre numéro', phoneNumber: 'Numéro de téléphone',
    serviceCode: 'Code de service', screenLabel: 'Écran du téléphone', replyLabel: 'Votre réponse', keypad: 'Clavier',
    send: 'Envoyer', clear: 'Effacer', dial: 'Appeler', dialAgain: 'Rappeler', cancel: 'Annuler',
    idle: 'Composez {code}\npuis appuyez sur « Appeler ».', running: 'Code USSD en cours…',
    cancelled: 'Session USSD annulée.', failed: 'Problème de connexion ou code MMI non valide.',
    stateOpen: 'Répondez puis « Envoyer »', stateEnded: 'Session terminée', stateWaiting: 'Patientez…',
    session: 'Session {id} · échange {hops}', sessionEnded: 'Session {id} terminée après {hops} échange(s)',
    inbox: 'Boîte SMS', inboxFor: 'Messages pour', inboxEmpty: 'Aucun message pour ce numéro.',
    inboxHint: 'Actualisée chaque seconde depuis GET /dev/messages · le plus récent en haut.',
    inboxDown: 'Boîte indisponible : GET /dev/messages ne répond pas.', sms: 'SMS', email: 'E-mail',
  },
  en: {
    pageTitle: 'Molam ID · USSD simulator', title: 'USSD simulator', subtitle: 'Molam ID · development mode',
    phoneHeading: 'Phone', demoUser: 'Demo user', otherNumber: 'Other number', phoneNumber: 'Phone number',
    serviceCode: 'Service code', screenLabel: 'Phone screen', replyLabel: 'Your reply', keypad: 'Keypad',
    send: 'Send', clear: 'Clear', dial: 'Dial', dialAgain: 'Dial again', cancel: 'Cancel',
    idle: 'Dial {code}\nthen press "Dial".', running: 'USSD code running…',
    cancelled: 'USSD session cancelled.', failed: 'Connection problem or invalid MMI code.',
    stateOpen: 'Reply, then "Send"', stateEnded: 'Session ended', stateWaiting: 'Please wait…',
    session: 'Session {id} · hop {hops}', sessionEnded: 'Session {id} ended after {hops} hop(s)',
    inbox: 'SMS inbox', inboxFor: 'Messages for', inboxEmpty: 'No message for this number yet.',
    inboxHint: 'Refreshed every second from GET /dev/messages · newest first.',
    inboxDown: 'Inbox unavailable: GET /dev/messages is not answering.', sms: 'SMS', email: 'Email',
  },
};

// Mobile network codes (MCC+MNC) AT would send for the demo countries.
const NETWORKS = [
  { prefix: '+221', name: 'Orange SN', code: '60801' },
  { prefix: '+254', name: 'Safaricom', code: '63902' },
];

const $ = (id) => document.getElementById(id);
const el = {
  langButtons: document.querySelectorAll('[data-lang]'),
  demoUser: $('demo-user'), phone: $('phone-number'), serviceCode: $('service-code'), operator: $('operator'),
  screen: $('ussd-screen'), screenState: $('screen-state'), input: $('ussd-input'),
  send: $('send'), clear: $('backspace'), dial: $('dial'), dialLabel: $('dial-label'), cancel: $('cancel'),
  keys: document.querySelectorAll('[data-key]'), sessionInfo: $('session-info'),
  inboxNumber: $('inbox-number'), inboxList: $('inbox-list'), inboxEmpty: $('inbox-empty'), inboxStatus: $('inbox-status'),
};

const query = new URLSearchParams(location.search);
const webhookQuery = query.get('token') ? `?token=${encodeURIComponent(query.get('token'))}` : '';

const state = {
  lang: pickLang(),
  phase: 'idle', // idle | waiting | open | ended
  screen: { ui: 'idle' }, // { ui: key } for our own texts, { service: text } for the service's
  session: null, // { id, inputs, hops, startedAt, phone, serviceCode, network }
  inbox: { phone: null, keys: new Set(), polling: false, down: false },
};

function pickLang() {
  const asked = query.get('lang') ?? localStorage.getItem('molam-sim-lang');
  return asked === 'en' || asked === 'fr' ? asked : 'fr';
}

const t = (key, vars = {}) => LABELS[state.lang][key].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
const networkOf = (phone) => NETWORKS.find((n) => phone.startsWith(n.prefix)) ?? { name: 'Molam Net', code: '99999' };
const digitsOf = (phone) => phone.replace(/\D/g, '');

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12)); // works outside secure contexts too
  return `SIM_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// ---------- rendering ----------

function render() {
  const { phase, session } = state;
  document.documentElement.lang = state.lang;
  document.title = t('pageTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const button of el.langButtons) button.setAttribute('aria-pressed', String(button.dataset.lang === state.lang));
  el.demoUser.querySelector('option[value=""]').textContent = t('otherNumber');

  el.screen.textContent = state.screen.service ?? t(state.screen.ui, { code: el.serviceCode.value.trim() || '*384*1#' });
  el.screen.setAttribute('aria-busy', String(phase === 'waiting'));
  el.screenState.textContent = { idle: '', waiting: t('stateWaiting'), open: t('stateOpen'), ended: t('stateEnded') }[phase];
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
  el.sessionInfo.textContent = !session ? ''
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
  state.session = { id: randomId(), inputs: [], hops: 0, startedAt: Date.now(), phone, serviceCode, network: networkOf(phone) };
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
    sessionId: session.id, serviceCode: session.serviceCode, phoneNumber: session.phone, networkCode: session.network.code, text,
  });
  let reply;
  try {
    const res = await fetch(`/gateways/africastalking/ussd${webhookQuery}`, {
      method: 'POST', body: form, signal: AbortSignal.timeout(15_000),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    reply = res.ok ? await res.text() : null;
  } catch {
    reply = null;
  }
  if (state.session !== session) return; // cancelled while waiting
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
  const pad = (n) => String(n).padStart(2, '0');
  const d = new Date();
  const form = new URLSearchParams({
    sessionId: session.id, serviceCode: session.serviceCode, networkCode: session.network.code, phoneNumber: session.phone, status,
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    durationInMillis: String(Date.now() - session.startedAt), hopsCount: String(session.hops), cost: '0',
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
  const known = [...el.demoUser.options].some((o) => o.value === phone);
  el.demoUser.value = known ? phone : '';
  if (state.phase === 'ended') { state.session = null; showScreen({ ui: 'idle' }, 'idle'); } else render();
  resetInbox();
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
  li.className = `msg msg-${message.channel === 'email' ? 'email' : 'sms'}`;
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
  for (const node of el.inboxList.querySelectorAll('.msg-channel')) node.textContent = t(node.dataset.channel === 'email' ? 'email' : 'sms');
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
  if (e.key === 'Enter') { e.preventDefault(); void sendReply(); }
  if (e.key === 'Escape') cancel();
});
el.serviceCode.addEventListener('keydown', (e) => { if (e.key === 'Enter') void dial(); });
el.serviceCode.addEventListener('input', render);
el.demoUser.addEventListener('change', () => { if (el.demoUser.value) selectNumber(el.demoUser.value); });
el.phone.addEventListener('change', () => selectNumber(el.phone.value.trim()));

const other = document.createElement('option');
other.value = '';
el.demoUser.append(other);
render();
void pollInbox();
setInterval(() => void pollInbox(), 1000);
