"use strict";
// The demo's battery of cross-origin calls. The API origin comes from the page's
// <meta name="api-origin"> (written by the server, HTML-escaped), never from script text.

const API = document.querySelector('meta[name="api-origin"]').content;
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

// Each test's run() returns [outcome, explanation] when the call went through. When it
// throws, explainFailure() says what the failure means for that kind of call.
const TESTS = [
  {
    name: "simple-get", kind: "fetch", expected: "allowed",
    does: "GET /api/simple, no custom headers: a simple request, no preflight",
    blocked: "The response had no matching Access-Control-Allow-Origin.",
    async run() {
      const body = await (await fetch(API + "/api/simple")).json();
      return ["allowed", `Read ${JSON.stringify(body)}: the API answered with ` +
        "Access-Control-Allow-Origin set to this page's origin."];
    },
  },
  {
    name: "preflight-put", kind: "fetch", expected: "allowed",
    does: "PUT /api/items/1 with a JSON body and X-Demo-Token: needs a preflight",
    blocked: "The preflight (OPTIONS) did not allow PUT, Content-Type and X-Demo-Token.",
    async run() {
      const response = await fetch(API + "/api/items/1", {
        method: "PUT",
        headers: {"Content-Type": "application/json", "X-Demo-Token": "abc123"},
        body: JSON.stringify({name: "demo"}),
      });
      const body = await response.json();
      return ["allowed", `Read ${JSON.stringify(body)}: the preflight allowed PUT and the ` +
        "headers content-type and x-demo-token, then the PUT itself was allowed."];
    },
  },
  {
    name: "preflight-refused-header", kind: "fetch", expected: "blocked",
    does: "PUT /api/items/1 with X-Not-Allowed, a header the route does not allow",
    blocked: "The API answered the preflight with 403 (x-not-allowed is not in " +
      "allow_headers), so the browser never sent the PUT.",
    async run() {
      await fetch(API + "/api/items/1", {
        method: "PUT",
        headers: {"Content-Type": "application/json", "X-Not-Allowed": "1"},
        body: "{}",
      });
      return ["allowed", "The preflight allowed x-not-allowed."];
    },
  },
  {
    name: "credentials-cookie", kind: "fetch", expected: "allowed",
    does: "POST /api/login then GET /api/whoami, both with credentials: 'include'",
    blocked: "A credentialed response needs Access-Control-Allow-Origin equal to this " +
      "origin (never '*') and Access-Control-Allow-Credentials: true.",
    async run() {
      await (await fetch(API + "/api/login", {method: "POST", credentials: "include"})).json();
      const body = await (await fetch(API + "/api/whoami", {credentials: "include"})).json();
      if (!body.session) {
        return ["blocked", "The calls were allowed, but the cookie did not come back " +
          "(the browser refused to store or send it)."];
      }
      return ["allowed", `The API set a cookie and saw it again (session ${body.session}): ` +
        "both answers carried Access-Control-Allow-Credentials: true."];
    },
  },
  {
    name: "credentials-not-allowed", kind: "fetch", expected: "blocked",
    does: "GET /api/simple with credentials: 'include', on a route without allow_credentials",
    blocked: "The response had no Access-Control-Allow-Credentials: true, so the browser " +
      "refused to show a credentialed response.",
    async run() {
      await fetch(API + "/api/simple", {credentials: "include"});
      return ["allowed", "The response allowed credentials."];
    },
  },
  {
    name: "exposed-header", kind: "fetch", expected: "allowed",
    does: "GET /api/headers and read X-Exposed (listed in expose_headers)",
    blocked: "X-Exposed was not readable.",
    async run() {
      const value = (await fetch(API + "/api/headers")).headers.get("X-Exposed");
      if (value === null) return ["blocked", this.blocked];
      return ["allowed", `Read X-Exposed: ${value}; it is listed in ` +
        "Access-Control-Expose-Headers."];
    },
  },
  {
    name: "hidden-header", kind: "fetch", expected: "blocked",
    does: "GET /api/headers and read X-Hidden (not exposed)",
    blocked: "headers.get('X-Hidden') returned null: the header is in the response, but not " +
      "in Access-Control-Expose-Headers, so the browser hides it.",
    async run() {
      const value = (await fetch(API + "/api/headers")).headers.get("X-Hidden");
      if (value === null) return ["blocked", this.blocked];
      return ["allowed", `Read X-Hidden: ${value}.`];
    },
  },
  {
    name: "refused-origin", kind: "fetch", expected: "blocked",
    does: "GET /api/refused, a route configured only for https://other.example",
    blocked: "This page's origin is not allowed there, so the response had no " +
      "Access-Control-Allow-Origin and the browser hid it.",
    async run() {
      await fetch(API + "/api/refused");
      return ["allowed", "The response allowed this origin."];
    },
  },
  {
    name: "websocket", kind: "websocket", expected: "allowed",
    does: "new WebSocket(ws://.../api/ws), a route that allows this origin",
    blocked: "The server refused the handshake.",
    async run() {
      const reply = await websocket("/api/ws");
      return ["allowed", `The socket opened and answered '${reply}'. Browsers apply no CORS ` +
        "check to WebSockets; the server checked the Origin of the handshake and accepted it."];
    },
  },
  {
    name: "websocket-refused-origin", kind: "websocket", expected: "blocked",
    does: "new WebSocket(ws://.../api/ws-refused), configured only for https://other.example",
    blocked: "The server refused the handshake with 403 because this origin is not " +
      "allowed: that is what stops cross-site WebSocket hijacking.",
    async run() {
      await websocket("/api/ws-refused");
      return ["allowed", "The server accepted the handshake."];
    },
  },
];

// [outcome, explanation] for a test whose run() threw.
function explainFailure(test, error) {
  if (test.kind === "fetch" && error instanceof TypeError) {
    return ["blocked", `${test.blocked} fetch() rejected (${error}): the browser hid the ` +
      "response from the page."];
  }
  if (test.kind === "websocket" && error instanceof WebSocketRefused) {
    return ["blocked", `${test.blocked} The page only sees that ${error.message}: ` +
      "browsers do not tell it why."];
  }
  return ["error", `Something else went wrong (${error}); see the developer console.`];
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
    let outcome, explanation;
    try {
      [outcome, explanation] = await test.run();
    } catch (error) {
      [outcome, explanation] = explainFailure(test, error);
    }
    const row = document.getElementById("result-" + test.name);
    row.dataset.outcome = outcome;
    row.querySelector(".outcome").textContent = outcome;
    row.querySelector(".explanation").textContent = explanation;
    if (outcome !== test.expected) {
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

document.getElementById("page-origin").textContent = location.origin;
document.getElementById("api-origin").textContent = API;
document.getElementById("rerun").addEventListener("click", runAll);
runAll();
