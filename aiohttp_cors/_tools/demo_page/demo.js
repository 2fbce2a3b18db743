"use strict";
// The demo's battery of cross-origin calls. Both origins come from the page's <meta> tags
// (written by the server, HTML-escaped), never from script text: "api-origin" is where the
// API is, "page-origin" is the origin the demo configured the API to allow.

const API = document.querySelector('meta[name="api-origin"]').content;
const CONFIGURED_PAGE = document.querySelector('meta[name="page-origin"]').content;
const WS = API.replace(/^http/, "ws");

// new WebSocket() failed before the socket opened: the server refused the handshake (the
// browser tells the page nothing more than that the connection failed).
class WebSocketRefused extends Error {
  constructor(code) {
    super(`the connection failed before it opened, close code ${code}`);
    this.name = "WebSocketRefused";
  }
}

function websocket(path) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(WS + path);
    let opened = false;
    const timer = setTimeout(() => { ws.close(); reject(new Error("no answer within 5 s")); }, 5000);
    ws.onopen = () => { opened = true; ws.send("ping"); };
    ws.onmessage = (event) => { clearTimeout(timer); ws.close(); resolve(event.data); };
    ws.onclose = (event) => {
      // After a resolve() these rejects change nothing.
      clearTimeout(timer);
      if (!opened) reject(new WebSocketRefused(event.code));
      reject(new Error(`the socket closed before answering, close code ${event.code}`));
    };
  });
}

// What a call did, as the page observed it. `seen` names what happened (the key into a
// test's `why`), `outcome` is what it means for the page, `facts` says it in words.
function observed(seen, outcome, facts) {
  return {seen, outcome, facts};
}

// fetch(), observed: the response, or an observation that it rejected.
async function attempt(url, init) {
  try {
    return {response: await fetch(url, init)};
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return {rejected: observed("rejected", "blocked",
      `fetch() rejected (${error}): the browser hid the response from the page.`)};
  }
}

// Reads one response header: readable, hidden by the browser, or the whole call rejected.
async function readHeader(url, name) {
  const {response, rejected} = await attempt(url);
  if (rejected) return rejected;
  const value = response.headers.get(name);
  if (value === null) {
    return observed("hidden", "blocked", `fetch() resolved (status ${response.status}), and ` +
      `headers.get('${name}') returned null: the page cannot read that header.`);
  }
  return observed("readable", "allowed", `fetch() resolved (status ${response.status}), and ` +
    `headers.get('${name}') returned '${value}'.`);
}

// The body of a call the browser let through, or its rejection.
async function readBody(url, init) {
  const {response, rejected} = await attempt(url, init);
  if (rejected) return rejected;
  const body = await response.text();
  return observed("resolved", "allowed",
    `fetch() resolved (status ${response.status}) and the page read ${body.trim()}.`);
}

async function openSocket(path) {
  try {
    const reply = await websocket(path);
    return observed("opened", "allowed", `The socket opened and answered '${reply}'.`);
  } catch (error) {
    if (!(error instanceof WebSocketRefused)) throw error;
    return observed("refused", "blocked",
      `The socket never opened: ${error.message}; browsers do not tell the page why.`);
  }
}

// Each test's observe() reports what happened; `why` explains the observations that the
// API's configuration predicts (for anything else the row says it is unexpected).
const TESTS = [
  {
    name: "simple-get", kind: "fetch", expected: "allowed",
    does: "GET /api/simple, no custom headers: a simple request, no preflight",
    why: {resolved: "The route allows this origin: the API answered with " +
      "Access-Control-Allow-Origin set to it."},
    observe: () => readBody(API + "/api/simple"),
  },
  {
    name: "preflight-put", kind: "fetch", expected: "allowed",
    does: "PUT /api/items/1 with a JSON body and X-Demo-Token: needs a preflight",
    why: {resolved: "The preflight (OPTIONS) allowed PUT and the headers content-type and " +
      "x-demo-token (the route's allow_headers), then the PUT itself was allowed."},
    observe: () => readBody(API + "/api/items/1", {
      method: "PUT",
      headers: {"Content-Type": "application/json", "X-Demo-Token": "abc123"},
      body: JSON.stringify({name: "demo"}),
    }),
  },
  {
    name: "preflight-refused-header", kind: "fetch", expected: "blocked",
    does: "PUT /api/items/1 with X-Not-Allowed, a header the route does not allow",
    why: {rejected: "x-not-allowed is not in the route's allow_headers, so the API refused " +
      "the preflight (403) and the browser never sent the PUT."},
    observe: () => readBody(API + "/api/items/1", {
      method: "PUT",
      headers: {"Content-Type": "application/json", "X-Not-Allowed": "1"},
      body: "{}",
    }),
  },
  {
    name: "credentials-cookie", kind: "fetch", expected: "allowed",
    does: "POST /api/login then GET /api/whoami, both with credentials: 'include'",
    why: {"cookie-seen": "Both routes allow credentials for this origin: their answers " +
      "carried Access-Control-Allow-Credentials: true and this origin (never '*')."},
    async observe() {
      const login = await attempt(API + "/api/login", {method: "POST", credentials: "include"});
      if (login.rejected) return login.rejected;
      const {response, rejected} = await attempt(API + "/api/whoami", {credentials: "include"});
      if (rejected) return rejected;
      const body = await response.json();
      if (!body.session) {
        return observed("cookie-missing", "blocked", "Both calls resolved, but the cookie " +
          "did not come back: the browser refused to store or to send it.");
      }
      return observed("cookie-seen", "allowed", "Both calls resolved: the API set a cookie " +
        `and saw it again (session ${body.session}).`);
    },
  },
  {
    name: "credentials-not-allowed", kind: "fetch", expected: "blocked",
    does: "GET /api/simple with credentials: 'include', on a route without allow_credentials",
    why: {rejected: "The route does not allow credentials: its answer had no " +
      "Access-Control-Allow-Credentials: true, which a credentialed call needs."},
    observe: () => readBody(API + "/api/simple", {credentials: "include"}),
  },
  {
    name: "exposed-header", kind: "fetch", expected: "allowed",
    does: "GET /api/headers and read X-Exposed (listed in expose_headers)",
    why: {readable: "X-Exposed is in the route's expose_headers, so the answer listed it " +
      "in Access-Control-Expose-Headers."},
    observe: () => readHeader(API + "/api/headers", "X-Exposed"),
  },
  {
    name: "hidden-header", kind: "fetch", expected: "blocked",
    does: "GET /api/headers and read X-Hidden (not exposed)",
    why: {hidden: "X-Hidden is in the response, but not in Access-Control-Expose-Headers " +
      "(the route's expose_headers), so the browser hides it."},
    observe: () => readHeader(API + "/api/headers", "X-Hidden"),
  },
  {
    name: "refused-origin", kind: "fetch", expected: "blocked",
    does: "GET /api/refused, a route configured only for https://other.example",
    why: {rejected: "This page's origin is not allowed on that route, so its answer had no " +
      "Access-Control-Allow-Origin."},
    observe: () => readBody(API + "/api/refused"),
  },
  {
    name: "websocket", kind: "websocket", expected: "allowed",
    does: "new WebSocket(ws://.../api/ws), a route that allows this origin",
    why: {opened: "Browsers apply no CORS check to WebSockets; the server checked the " +
      "Origin of the handshake and accepted it."},
    observe: () => openSocket("/api/ws"),
  },
  {
    name: "websocket-refused-origin", kind: "websocket", expected: "blocked",
    does: "new WebSocket(ws://.../api/ws-refused), configured only for https://other.example",
    why: {refused: "The route allows only https://other.example, so the server answered the " +
      "handshake with 403: that is what stops cross-site WebSocket hijacking."},
    observe: () => openSocket("/api/ws-refused"),
  },
];

// The row's text: what happened, then why, when the configuration explains it.
function explain(test, observation) {
  const why = test.why[observation.seen];
  if (why !== undefined) return `${observation.facts} Why: ${why}`;
  return `${observation.facts} Unexpected: the API's configuration predicts ` +
    `'${test.expected}' here; see the developer console for the browser's own message.`;
}

function cell(row, className, text) {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function buildTable() {
  const tbody = document.querySelector("#results tbody");
  tbody.textContent = "";
  for (const test of TESTS) {
    const row = document.createElement("tr");
    row.id = "result-" + test.name;
    row.dataset.test = test.name;
    row.dataset.expected = test.expected;
    row.dataset.outcome = "pending";
    cell(row, "name", test.name);
    cell(row, "does", test.does);
    cell(row, "expected", test.expected);
    cell(row, "outcome", "running...");
    cell(row, "explanation", "");
    tbody.appendChild(row);
  }
}

async function runAll() {
  const summary = document.getElementById("summary");
  summary.dataset.state = "running";
  summary.textContent = "Running...";
  buildTable();
  let unexpected = 0;
  for (const test of TESTS) {
    let observation;
    try {
      observation = await test.observe();
    } catch (error) {
      observation = observed("error", "error",
        `Something else went wrong (${error}); see the developer console.`);
    }
    const row = document.getElementById("result-" + test.name);
    row.dataset.outcome = observation.outcome;
    row.dataset.seen = observation.seen;
    row.querySelector(".outcome").textContent = observation.outcome;
    row.querySelector(".explanation").textContent = explain(test, observation);
    if (observation.outcome !== test.expected) {
      row.classList.add("unexpected");
      unexpected += 1;
    }
  }
  summary.dataset.unexpected = String(unexpected);
  summary.dataset.state = "done";
  summary.textContent = unexpected === 0
    ? `All ${TESTS.length} outcomes are as expected.`
    : `${unexpected} of ${TESTS.length} outcomes differ from what was expected.`;
}

// The API allows the origin the demo configured, and browsers compare origins byte for
// byte: opened as http://localhost:PORT instead of http://127.0.0.1:PORT, every call
// would be judged for another origin. Say so, name the URL, and run nothing.
function onConfiguredOrigin() {
  if (location.origin === CONFIGURED_PAGE) return true;
  const url = CONFIGURED_PAGE + "/";
  const warning = document.getElementById("wrong-origin");
  warning.hidden = false;
  warning.querySelector(".opened").textContent = location.origin;
  warning.querySelector(".configured").textContent = CONFIGURED_PAGE;
  const link = warning.querySelector("a");
  link.href = url;
  link.textContent = url;
  document.getElementById("results").hidden = true;
  document.getElementById("rerun").disabled = true;
  const summary = document.getElementById("summary");
  summary.dataset.state = "wrong-origin";
  summary.textContent = `Not run: open ${url} instead.`;
  return false;
}

document.getElementById("page-origin").textContent = location.origin;
document.getElementById("api-origin").textContent = API;
if (onConfiguredOrigin()) {
  document.getElementById("rerun").addEventListener("click", runAll);
  runAll();
}
