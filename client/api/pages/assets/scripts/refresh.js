/*
 * Phasegate pages script, part 2 of 3 (see identity.js): loads the page's fragment and swaps it in,
 * on demand and on a timer, keeping open details, focus and vote answers across the swap.
 */

var fragmentUrl = body.dataset.fragment || '';
var refreshMs = Number(body.dataset.refresh || '0');
var notice = document.getElementById('notice');
var updated = document.getElementById('updated');
var lastHtml = null;
var finished = false;
var timer = null;
var loading = false;
var autoRefresh = document.getElementById('auto-refresh') || { checked: true };

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

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- started by votes.js (one shared scope)
function schedule() {
  if (!refreshMs) return;
  clearTimeout(timer);
  timer = setTimeout(function tick() {
    if (!finished && !document.hidden && autoRefresh.checked) load(false);
    if (!finished) timer = setTimeout(tick, refreshMs);
  }, refreshMs);
}
