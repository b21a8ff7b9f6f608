/*
 * Phasegate pages script (no framework, no build step). It:
 *  - keeps who you are: the API token (auth on) in sessionStorage, or localStorage when you tick
 *    "remember"; or your approver name (auth off) in localStorage;
 *  - loads the page's HTML fragment (rendered and escaped on the server) with that token, on load,
 *    on "Refresh" and on a timer, without disturbing someone who is typing or tabbing through it;
 *  - sends votes to POST /api/runs/:runId/decisions and shows the API's answer next to the form.
 * It never builds markup from data: answers are set with textContent.
 *
 * The script is kept in three files, by role: identity.js (this one: the page, who you are),
 * refresh.js (loading and refreshing the content) and votes.js (votes, then start-up). The server
 * serves them as one script, /assets/pages.js: in that order, inside one strict-mode function, so
 * they share one scope (names here are not globals) and function declarations are visible across
 * files. None of them runs on its own. See `client/api/pages/assets.ts`.
 */

var body = document.body;
var authOn = body.dataset.auth === 'on';
var content = document.getElementById('content');
var TOKEN_KEY = 'phasegate.token';
var APPROVER_KEY = 'phasegate.approver';

// ---- identity ---------------------------------------------------------------------------------

function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || '';
}
function setToken(token, remember) {
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
  if (token) (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, token);
}
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- used by refresh.js and votes.js (one shared scope)
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

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- called at start-up, in votes.js (one shared scope)
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
