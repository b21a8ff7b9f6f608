/*
 * Phasegate pages script (no framework, no build step). It:
 *  - keeps who you are: the API token (auth on) in sessionStorage, or localStorage when you tick
 *    "remember"; or your approver name (auth off) in localStorage;
 *  - loads the page's HTML fragment (rendered and escaped on the server) with that token, on load,
 *    on "Refresh" and on a timer, without disturbing someone who is typing or tabbing through it;
 *  - sends votes to POST /api/runs/:runId/decisions and shows the API's answer next to the form.
 * It never builds markup from data: answers are set with textContent.
 */
(function () {
  'use strict';

  var body = document.body;
  var authOn = body.dataset.auth === 'on';
  var fragmentUrl = body.dataset.fragment || '';
  var refreshMs = Number(body.dataset.refresh || '0');
  var content = document.getElementById('content');
  var notice = document.getElementById('notice');
  var updated = document.getElementById('updated');
  var TOKEN_KEY = 'phasegate.token';
  var APPROVER_KEY = 'phasegate.approver';
  /** Answers to votes, keyed by run + gate, so they survive the re-render that follows a vote. */
  var answers = {};
  var lastHtml = null;
  var finished = false;
  var timer = null;
  var loading = false;
  var autoRefresh = document.getElementById('auto-refresh') || { checked: true };

  // ---- identity ---------------------------------------------------------------------------------

  function getToken() {
    return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || '';
  }
  function setToken(token, remember) {
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
    if (token) (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
  }
  function authHeaders() {
    var token = authOn ? getToken() : '';
    return token ? { Authorization: 'Bearer ' + token } : {};
  }
  function showSignedIn(identity, roles) {
    var form = document.getElementById('signin');
    var panel = document.getElementById('signed-in');
    var who = document.getElementById('who');
    if (!form || !panel || !who) return;
    var signedIn = Boolean(getToken());
    form.hidden = signedIn;
    panel.hidden = !signedIn;
    if (identity)
      who.textContent = 'Signed in as ' + identity + (roles ? ' (' + roles.split(',').join(', ') + ')' : '') + '.';
  }
  function placeholder(text) {
    var p = document.createElement('p');
    p.className = 'signin-needed';
    p.textContent = text;
    content.replaceChildren(p);
    lastHtml = null;
  }

  function setupIdentity() {
    if (authOn) {
      var form = document.getElementById('signin');
      var input = document.getElementById('token');
      var remember = document.getElementById('remember');
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        var token = input.value.trim();
        if (!token) return;
        setToken(token, remember.checked);
        input.value = '';
        showSignedIn();
        load(true).then(function () {
          var signout = document.getElementById('signout');
          if (getToken() && signout) signout.focus();
        });
      });
      document.getElementById('signout').addEventListener('click', function () {
        setToken('');
        showSignedIn();
        placeholder("Signed out. Sign in with your API token to see this page's data.");
        input.focus();
      });
      showSignedIn();
    } else {
      var approver = document.getElementById('approver');
      approver.value = localStorage.getItem(APPROVER_KEY) || '';
      approver.addEventListener('input', function () {
        localStorage.setItem(APPROVER_KEY, approver.value.trim());
      });
    }
  }

  // ---- loading and refreshing ---------------------------------------------------------------------

  /** Someone is typing a comment or moving through the content: a refresh now would get in their way. */
  function busy() {
    var active = document.activeElement;
    if (active && active.closest && active.closest('#content form')) return true;
    var areas = content.querySelectorAll('textarea');
    for (var i = 0; i < areas.length; i++) if (areas[i].value.trim() !== '') return true;
    return false;
  }

  function swap(html) {
    if (html === lastHtml) return;
    var open = [];
    content.querySelectorAll('details[open][id]').forEach(function (d) {
      open.push(d.id);
    });
    var focusedId = document.activeElement && content.contains(document.activeElement) ? document.activeElement.id : '';
    content.innerHTML = html; // server-rendered, escaped HTML from our own origin
    lastHtml = html;
    open.forEach(function (id) {
      var d = document.getElementById(id);
      if (d) d.open = true;
    });
    if (focusedId) {
      var again = document.getElementById(focusedId);
      if (again) again.focus();
    }
    placeAnswers();
    var root = content.querySelector('.fragment');
    setFinished(Boolean(root && root.dataset.final === 'true'));
  }

  /** An ended run no longer changes: untick "Refresh every …" and say why, instead of pretending to refresh. */
  function setFinished(value) {
    finished = value;
    if (!finished || !autoRefresh.closest) return;
    autoRefresh.checked = false;
    autoRefresh.disabled = true;
    var label = autoRefresh.closest('label');
    if (label && label.lastChild && label.lastChild.nodeType === 3)
      label.lastChild.textContent = ' Run ended: not refreshing';
  }

  function load(force) {
    if (!fragmentUrl || loading) return Promise.resolve();
    if (authOn && !getToken()) {
      placeholder("Sign in with your API token to see this page's data.");
      return Promise.resolve();
    }
    if (!force && busy()) return Promise.resolve();
    loading = true;
    content.setAttribute('aria-busy', 'true');
    return fetch(fragmentUrl, { headers: authHeaders(), cache: 'no-store' })
      .then(function (res) {
        return res.text().then(function (text) {
          if (res.ok) {
            swap(text);
            var identity = res.headers.get('X-Phasegate-Identity');
            if (identity) showSignedIn(decodeURIComponent(identity), res.headers.get('X-Phasegate-Roles') || '');
            updated.textContent = 'Updated ' + new Date().toLocaleTimeString();
            return;
          }
          var message = errorText(res.status, text);
          if (res.status === 401 && authOn) {
            setToken('');
            showSignedIn();
            placeholder('That token was not accepted (' + message + '). Sign in again.');
            return;
          }
          say(notice, 'bad', "Could not load this page's data: " + message);
        });
      })
      .catch(function (err) {
        say(notice, 'bad', 'Could not reach the server: ' + err.message);
      })
      .finally(function () {
        loading = false;
        content.removeAttribute('aria-busy');
      });
  }

  function schedule() {
    if (!refreshMs) return;
    clearTimeout(timer);
    timer = setTimeout(function tick() {
      if (!finished && !document.hidden && autoRefresh.checked) load(false);
      if (!finished) timer = setTimeout(tick, refreshMs);
    }, refreshMs);
  }

  // ---- votes ------------------------------------------------------------------------------------------

  function errorText(status, text) {
    try {
      var parsed = JSON.parse(text);
      if (parsed && typeof parsed.error === 'string') return 'HTTP ' + status + ': ' + parsed.error;
    } catch {
      /* not JSON: fall through */
    }
    return 'HTTP ' + status;
  }

  function say(el, kind, text) {
    if (!el) return;
    el.className = el.id === 'notice' ? 'notice-' + kind : 'answer ' + kind;
    el.textContent = text;
  }

  function placeAnswers() {
    Object.keys(answers).forEach(function (key) {
      var a = answers[key];
      var form = findForm(a.runId, a.gate);
      if (form) {
        say(form.querySelector('.answer'), a.kind, a.text);
      } else if (a.kind !== 'ok') {
        delete answers[key];
      } else {
        // The gate is decided and has left the list: say so once, above the list, with a link.
        say(notice, 'ok', a.text + ' The run has moved on; ');
        var link = document.createElement('a');
        link.href = '/runs/' + encodeURIComponent(a.runId);
        link.textContent = 'see run ' + a.runId;
        notice.appendChild(link);
        notice.appendChild(document.createTextNode('.'));
        delete answers[key];
      }
    });
  }

  function findForm(runId, gate) {
    var forms = content.querySelectorAll('form.vote-form');
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].dataset.run === runId && forms[i].dataset.gate === gate) return forms[i];
    }
    return null;
  }

  function describeGate(gate) {
    var goVotes = (gate.votes || []).filter(function (v) {
      return v.decision === 'go';
    }).length;
    return 'Gate ' + gate.id + ' is now ' + gate.state + ' (' + goVotes + ' of ' + gate.quorum + ' go votes).';
  }

  function vote(form, decision) {
    var runId = form.dataset.run;
    var gate = form.dataset.gate;
    var key = runId + '\n' + gate;
    var answer = form.querySelector('.answer');
    var comment = form.querySelector('textarea').value.trim();
    var payload = { gate: gate, decision: decision };
    if (comment) payload.comment = comment;
    if (!authOn) {
      var approver = document.getElementById('approver');
      var name = approver.value.trim();
      if (!name) {
        say(answer, 'bad', 'Type your name in "Your name (approver)" at the top first.');
        approver.focus();
        return;
      }
      payload.approver = name;
    }
    if (
      decision === 'no-go' &&
      !window.confirm(
        'Vote no-go on gate ' + gate + ' of run ' + runId + '? Any no-go rejects the run and rolls it back.',
      )
    )
      return;
    var buttons = form.querySelectorAll('button');
    buttons.forEach(function (b) {
      b.disabled = true;
    });
    say(answer, 'ok', 'Sending your ' + decision + ' vote…');
    fetch('/api/runs/' + encodeURIComponent(runId) + '/decisions', {
      method: 'POST',
      headers: Object.assign({ 'Content-Type': 'application/json' }, authHeaders()),
      body: JSON.stringify(payload),
    })
      .then(function (res) {
        return res.text().then(function (text) {
          if (res.ok) {
            var gateState = JSON.parse(text);
            answers[key] = {
              runId: runId,
              gate: gate,
              kind: 'ok',
              text: 'Your ' + decision + ' vote counted. ' + describeGate(gateState),
            };
            form.querySelector('textarea').value = '';
          } else {
            answers[key] = {
              runId: runId,
              gate: gate,
              kind: 'bad',
              text: 'Not counted — ' + errorText(res.status, text),
            };
          }
          say(answer, answers[key].kind, answers[key].text);
          if (res.ok) return load(true);
        });
      })
      .catch(function (err) {
        say(answer, 'bad', 'Not sent: ' + err.message);
      })
      .finally(function () {
        buttons.forEach(function (b) {
          b.disabled = false;
        });
      });
  }

  content.addEventListener('submit', function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains('vote-form')) return;
    e.preventDefault();
    // Which button was used: the submit event says so; older browsers only tell us through the
    // click recorded below. Never guess: a wrong guess would cast the opposite vote.
    var decision = (e.submitter && e.submitter.value) || form.dataset.clicked;
    delete form.dataset.clicked;
    if (decision === 'go' || decision === 'no-go') vote(form, decision);
  });

  content.addEventListener('click', function (e) {
    var button = e.target instanceof Element ? e.target.closest('button[name="decision"]') : null;
    if (button && button.form) button.form.dataset.clicked = button.value;
  });

  document.getElementById('refresh').addEventListener('click', function () {
    load(true);
  });

  setupIdentity();
  if (authOn || !content.querySelector('.fragment')) load(true);
  else {
    lastHtml = content.innerHTML;
    var root = content.querySelector('.fragment');
    setFinished(root.dataset.final === 'true');
  }
  schedule();
})();
