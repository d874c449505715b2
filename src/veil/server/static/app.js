// The veil dashboard. It logs in, then shows the panels the user's roles allow, everything
// through the server's JSON API. Every value from the API reaches the page as text
// (textContent, createElement), never as HTML: data cannot inject markup or script.

// The bearer token lives in this module's memory only: not in localStorage, sessionStorage or
// a cookie, where a script injected into this origin could read it later (and a cookie would
// ride along on requests other sites make). The price: a reload asks to log in again.
let token = null;
// The caller's budgets as last shown: a query's answer replaces its dataset's row.
let budgets = [];

// The fields each kind of query takes; POST /query refuses any other, so the form sends only
// these.
const FIELDS = {
  count: ["by", "domain", "epsilon", "delta"],
  histogram: ["column", "domain", "epsilon", "delta"],
  sum: ["column", "lower", "upper", "by", "domain", "epsilon", "delta"],
  mean: ["column", "lower", "upper", "by", "domain", "epsilon", "delta"],
  top_k: ["column", "epsilon", "delta"],
};
const NUMERIC = new Set(["lower", "upper", "epsilon", "delta"]);

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// An answer that arrived after its session ended (a logout while a panel was loading): it is
// dropped, so nothing of one user's data is put in the page after they leave.
class SessionEnded extends Error {}

// One call to the API: its JSON answer (null for 204 No Content), or an ApiError with the
// message of the API's one error shape, {"error": {"status", "message"}}.
async function api(method, path, body) {
  const sent = token;
  const headers = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "the server did not answer: is veil serve running?");
  }
  if (token !== sent) throw new SessionEnded();
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(response.status, data?.error?.message ?? `HTTP ${response.status}`);
  }
  return data;
}

// --- messages ----------------------------------------------------------------------------

function showError(error) {
  if (error instanceof SessionEnded) return;
  if (!(error instanceof ApiError)) console.error(error); // a bug here, not an API refusal
  // 401: the token expired or was revoked (or the login failed): back to the login form.
  if (error instanceof ApiError && error.status === 401 && token !== null) endSession();
  const message = $("message");
  message.textContent = error instanceof ApiError ? error.message : `unexpected error: ${error}`;
  message.hidden = false;
}

function clearError() {
  $("message").hidden = true;
  $("message").textContent = "";
}

// An event handler whose failures land in the message area.
const guarded = (handler) => (event) => {
  event.preventDefault();
  clearError();
  handler(event).catch(showError);
};

// --- rendering: text only ----------------------------------------------------------------

// A value as text. Integers are exact, other numbers keep 6 significant digits (0.1 + 0.2
// shows as 0.3); lists are joined; objects read as {key: value, …}, with spaces a table cell
// can wrap at.
function text(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  }
  if (Array.isArray(value)) return value.map(text).join(", ");
  if (typeof value === "object") {
    return `{${Object.entries(value).map(([key, v]) => `${key}: ${text(v)}`).join(", ")}}`;
  }
  return String(value);
}

// A time from the API (ISO 8601 with an offset) in UTC, to the second.
const when = (iso) => (iso ? new Date(iso).toISOString().slice(0, 19).replace("T", " ") : null);

// An interval [low, high] as "low to high".
const interval = (pair) =>
  Array.isArray(pair) ? `${text(pair[0])} to ${text(pair[1])}` : text(pair);

// Replace a table body's rows: one row per item, one text cell per value.
function fillRows(tbody, rows) {
  const columns = tbody.closest("table").tHead.rows[0].cells.length;
  const trs = rows.map((values) => {
    const tr = document.createElement("tr");
    for (const value of values) tr.insertCell().textContent = text(value);
    return tr;
  });
  if (trs.length === 0) {
    const tr = document.createElement("tr");
    const td = tr.insertCell();
    td.colSpan = columns;
    td.className = "empty";
    td.textContent = "none";
    trs.push(tr);
  }
  tbody.replaceChildren(...trs);
}

// A definition list's terms and their values, as text.
function fillFacts(dl, facts) {
  dl.replaceChildren();
  for (const [term, value] of facts) {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    dl.append(dt, dd);
  }
}

// --- panels ------------------------------------------------------------------------------

async function loadDatasets() {
  const datasets = await api("GET", "/datasets");
  fillRows(
    $("datasets"),
    datasets.map((d) => {
      const v = d.current_version ?? {};
      return [d.name, d.output, v.version_id, when(v.created_at), v.policy_name, v.rows_out,
        v.k_after, v.encrypted, d.legal_hold];
    }),
  );
  // The query form offers every dataset: the server reads the current version from the
  // output itself, which the catalog's summary above may not know of.
  const select = $("query-dataset");
  const chosen = select.value;
  select.replaceChildren(...datasets.map((d) => new Option(d.name, d.name)));
  if (chosen) select.value = chosen;
}

function showBudgets() {
  fillRows(
    $("budgets"),
    budgets.map((b) => [b.dataset, b.cap.epsilon, b.spent.epsilon_total, b.remaining.epsilon,
      b.cap.delta, b.remaining.delta, b.resets]),
  );
}

async function loadBudgets() {
  budgets = await api("GET", "/budget");
  showBudgets();
}

async function loadAudit() {
  const [verified, entries] = await Promise.all([
    api("GET", "/audit/verify"),
    api("GET", "/audit/entries?limit=20"),
  ]);
  const status = $("audit-verify");
  status.className = verified.ok ? "ok" : "bad";
  status.textContent = verified.ok
    ? `Chain verified: ${verified.entries} entries, the last #${text(verified.last_seq)}.`
    : `Chain broken at entry #${verified.first_bad_seq}: ${verified.reason}.`;
  // The API lists the newest entries oldest first; an auditor reads the newest first.
  fillRows(
    $("audit-entries"),
    entries.reverse().map((e) => [e.seq, when(e.at), e.actor, e.action, e.target, e.details]),
  );
}

async function loadUsers() {
  const users = await api("GET", "/users");
  fillRows(
    $("users"),
    users.map((u) => [u.name, u.roles, u.disabled, u.failed_attempts, when(u.locked_until),
      when(u.created_at)]),
  );
}

// How each panel fills itself (the query panel's datasets come with the datasets panel).
const LOADERS = {
  "datasets-panel": loadDatasets,
  "budgets-panel": loadBudgets,
  "audit-panel": loadAudit,
  "users-panel": loadUsers,
};

const panels = () => [...document.querySelectorAll("section[data-roles]")];

async function loadPanels() {
  const shown = panels().filter((panel) => !panel.hidden);
  await Promise.all(shown.map((panel) => LOADERS[panel.id]?.()));
}

// --- the query form ----------------------------------------------------------------------

// Show the chosen kind's fields; the others are also disabled, so the form data omits them.
function showKindFields() {
  const wanted = FIELDS[$("query-kind").value];
  for (const label of document.querySelectorAll("#query-form [data-field]")) {
    const input = label.querySelector("input");
    input.disabled = !wanted.includes(input.name);
    label.hidden = input.disabled;
  }
}

// POST /query's body: the filled fields, numbers as numbers, the domain as a list of keys
// (text, as `veil query --domain a,b` reads it).
function queryBody(form) {
  const body = {};
  for (const [name, raw] of new FormData(form)) {
    const value = raw.trim();
    if (value === "") continue;
    if (name === "domain") {
      body.domain = value.split(",").map((key) => key.trim()).filter((key) => key !== "");
    } else {
      body[name] = NUMERIC.has(name) ? Number(value) : value;
    }
  }
  return body;
}

async function ask(event) {
  $("answer").hidden = true; // a refused query must not seem to have the last one's answer
  const answer = await api("POST", "/query", queryBody(event.target));
  const cost = answer.cost;
  const left = answer.budget.remaining;
  fillFacts($("answer-facts"), [
    ["Query", answer.query],
    ["Mechanism", answer.mechanism],
    ["Scale", text(answer.scale)],
    ["Cost", `ε ${text(cost.epsilon)}, δ ${text(cost.delta)}, ρ ${text(cost.rho)}`],
    ["Budget left", `ε ${text(left.epsilon)}, δ ${text(left.delta)} on ${answer.dataset}`],
    ["Confidence", `${text(answer.confidence * 100)} % for each interval`],
    ...answer.notes.map((note) => ["Note", note]),
  ]);
  // A grouped answer maps each key to its value and interval; a single one is a number.
  const grouped = answer.value !== null && typeof answer.value === "object";
  const rows = grouped
    ? Object.entries(answer.value).map(([key, v]) => [key, v, interval(answer.interval[key])])
    : [[answer.kind, answer.value, interval(answer.interval)]];
  fillRows($("answer-values"), rows);
  $("answer").hidden = false;
  // The answer carries the budget after the charge: no need to ask GET /budget again.
  budgets = budgets.filter((b) => b.dataset !== answer.dataset).concat([answer.budget]);
  budgets.sort((a, b) => a.dataset.localeCompare(b.dataset));
  showBudgets();
}

// --- the session -------------------------------------------------------------------------

async function login(event) {
  const form = event.target;
  const { user, password } = form.elements;
  let session;
  try {
    session = await api("POST", "/auth/login", { user: user.value, password: password.value });
  } finally {
    password.value = ""; // not kept, even in the form
  }
  token = session.token;
  const me = await api("GET", "/auth/me");
  $("who").textContent = `${me.user} (${me.roles.join(", ")})`;
  $("login").hidden = true;
  $("session").hidden = false;
  for (const panel of panels()) {
    panel.hidden = !panel.dataset.roles.split(" ").some((role) => me.roles.includes(role));
  }
  await loadPanels();
}

// Forget the token and everything shown with it; back to the login form.
function endSession() {
  token = null;
  budgets = [];
  for (const node of document.querySelectorAll("[data-from-api]")) node.replaceChildren();
  for (const panel of panels()) panel.hidden = true;
  $("answer").hidden = true;
  $("session").hidden = true;
  $("login").hidden = false;
  $("login-form").elements.user.focus();
}

async function logout() {
  try {
    await api("POST", "/auth/logout");
  } finally {
    endSession(); // even if the server could not be told: this page forgets the token
  }
}

$("login-form").addEventListener("submit", guarded(login));
$("logout").addEventListener("click", guarded(logout));
$("refresh").addEventListener("click", guarded(loadPanels));
$("query-form").addEventListener("submit", guarded(ask));
$("query-kind").addEventListener("change", showKindFields);
showKindFields();
