/*
 * Phasegate pages script, part 3 of 3 (see identity.js): sends votes and shows their answers, then
 * starts the page once every part is defined.
 */

/** Answers to votes, keyed by run + gate, so they survive the re-render that follows a vote. */
var answers = {};

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

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called by swap() in refresh.js (one shared scope)
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

/** The vote's body, or null when auth is off and no approver name is typed (then says so next to the form). */
function votePayload(form, decision, answer) {
  var comment = form.querySelector('textarea').value.trim();
  var payload = { gate: form.dataset.gate, decision: decision };
  if (comment) payload.comment = comment;
  if (!authOn) {
    var approver = document.getElementById('approver');
    var name = approver.value.trim();
    if (!name) {
      say(answer, 'bad', 'Type your name in "Your name (approver)" at the top first.');
      approver.focus();
      return null;
    }
    payload.approver = name;
  }
  return payload;
}

/** Any no-go rejects the run and rolls it back, so it is asked for twice; a go vote is not. */
function confirmed(decision, runId, gate) {
  return (
    decision !== 'no-go' ||
    window.confirm('Vote no-go on gate ' + gate + ' of run ' + runId + '? Any no-go rejects the run and rolls it back.')
  );
}

/** Keeps the API's answer to a vote (so it survives the re-render that follows) and shows it in `answer`. */
function recordAnswer(form, answer, decision, res, text) {
  var runId = form.dataset.run;
  var gate = form.dataset.gate;
  var key = runId + '\n' + gate;
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
}

/** Sends one vote from its form (buttons off meanwhile); after a counted vote, reloads the content. */
function vote(form, decision) {
  var runId = form.dataset.run;
  var answer = form.querySelector('.answer');
  var payload = votePayload(form, decision, answer);
  if (!payload || !confirmed(decision, runId, payload.gate)) return;
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
        recordAnswer(form, answer, decision, res, text);
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

// ---- start -----------------------------------------------------------------------------------------

setupIdentity();
if (authOn || !content.querySelector('.fragment')) load(true);
else {
  lastHtml = content.innerHTML;
  var root = content.querySelector('.fragment');
  setFinished(root.dataset.final === 'true');
}
schedule();
