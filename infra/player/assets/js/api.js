// The Videoflix API as the player uses it: cookies only (never a token in storage the page
// can read), JSON in and out, a refresh before the access token expires, login on 401.
const config = window.VIDEOFLIX_CONFIG || {};

export const API_BASE = String(config.apiBase || "http://127.0.0.1:8000").replace(/\/+$/, "");
export const DEV_MODE = Boolean(config.devMode);
export const LOGIN_PAGE = "/pages/auth/login.html";

const EXPIRY_KEY = "videoflix.accessExpiresAt";
// Set at login, dropped at logout or when the login is refused: whether this browser has one.
const SIGNED_IN_KEY = "videoflix.signedIn";
// Refresh this long before the access token expires, so a slow request never carries a dead one.
const REFRESH_MARGIN_MS = 2 * 60 * 1000;
const FALLBACK_LIFETIME_MS = 20 * 60 * 1000;

export class ApiError extends Error {
  constructor(status, body) {
    super(firstMessage(body) || `The server answered ${status}.`);
    this.status = status;
    this.body = body;
  }
}

function firstMessage(body) {
  if (!body || typeof body !== "object") return "";
  if (typeof body.detail === "string") return body.detail;
  if (typeof body.message === "string") return body.message;
  for (const value of Object.values(body)) {
    if (Array.isArray(value) && value.length) return String(value[0]);
    if (typeof value === "string") return value;
  }
  return "";
}

async function readJson(response) {
  const text = await response.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return { detail: `Unexpected answer from the server (${response.status}).` };
  }
}

export async function request(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, credentials: "include", headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(API_BASE + path, init);
  } catch {
    throw new ApiError(0, { detail: `The Videoflix API at ${API_BASE} cannot be reached. Is \`make dev\` running?` });
  }
  const data = await readJson(response);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// -- the session ------------------------------------------------------------------------
function expiresAt() {
  return Number(localStorage.getItem(EXPIRY_KEY)) || 0;
}

function rememberAccess(accessJwt) {
  let expiry = Date.now() + FALLBACK_LIFETIME_MS;
  try {
    const payload = accessJwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, "=")));
    if (claims.exp) expiry = claims.exp * 1000;
  } catch {
    // The fallback lifetime is safe: the API promises access tokens outlive 20 minutes.
  }
  localStorage.setItem(EXPIRY_KEY, String(expiry));
}

export function forgetSession() {
  localStorage.removeItem(EXPIRY_KEY);
}

function endSession() {
  forgetSession();
  localStorage.removeItem(SIGNED_IN_KEY);
}

/**
 * Whether a refresh can succeed at all: a login this browser made (or its readable csrftoken
 * cookie, which lives as long as the refresh token). Without one, a refresh would only answer
 * 401, which the browser logs as a failed request on every page a logged-out visitor opens.
 */
function mayHaveSession() {
  return expiresAt() > 0 || Boolean(localStorage.getItem(SIGNED_IN_KEY)) || Boolean(readCookie("csrftoken"));
}

/**
 * Rotate the tokens. `seenExpiry` is the expiry the caller knew: if another tab refreshed in
 * the meantime we must not refresh again, because presenting the old refresh token twice
 * counts as token theft and revokes the whole login.
 */
export async function refreshSession(seenExpiry = expiresAt()) {
  const refresh = async () => {
    const current = expiresAt();
    if (current !== seenExpiry && current - Date.now() > REFRESH_MARGIN_MS) return true;
    try {
      const data = await request("/api/token/refresh/", { method: "POST" });
      rememberAccess(data.access || "");
      return true;
    } catch (error) {
      if (error.status === 400 || error.status === 401 || error.status === 403) {
        endSession();
        return false;
      }
      throw error;
    }
  };
  return navigator.locks ? navigator.locks.request("videoflix-refresh", refresh) : refresh();
}

let refreshTimer = null;

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const delay = Math.max(5000, expiresAt() - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(async () => {
    if (await refreshSession()) scheduleRefresh();
    else goToLogin();
  }, delay);
}

/** For protected pages: a valid session, kept fresh while the page is open, or the login page. */
export async function startSession() {
  if (!mayHaveSession()) return goToLogin(); // a logged-out visitor: nothing to refresh
  if (expiresAt() - Date.now() < REFRESH_MARGIN_MS && !(await refreshSession())) {
    return goToLogin();
  }
  scheduleRefresh();
  // Background tabs throttle timers; check again when the viewer comes back.
  document.addEventListener("visibilitychange", async () => {
    if (document.visibilityState !== "visible") return;
    if (expiresAt() - Date.now() < REFRESH_MARGIN_MS && !(await refreshSession())) goToLogin();
    else scheduleRefresh();
  });
}

export function goToLogin() {
  const next = location.pathname + location.search;
  location.assign(`${LOGIN_PAGE}?next=${encodeURIComponent(next)}`);
  return new Promise(() => {}); // nothing after this should run on the page being left
}

/** A request that needs a login: one refresh on 401, then the login page. */
export async function authorized(path, options) {
  const seen = expiresAt();
  try {
    return await request(path, options);
  } catch (error) {
    if (error.status !== 401) throw error;
    if (await refreshSession(seen)) return request(path, options);
    return goToLogin();
  }
}

/** A text resource that needs a login (a WebVTT file): its text, or null when it is missing. */
export async function authorizedText(path) {
  const get = () => fetch(API_BASE + path, { credentials: "include" });
  let response = await get();
  if (response.status === 401 && (await refreshSession())) response = await get();
  if (response.status === 404) return null;
  if (!response.ok) throw new ApiError(response.status, await readJson(response));
  return response.text();
}

/** A JSON write that outlives the page being left (keepalive), with the CSRF header. */
export function sendOnLeave(path, method, body) {
  return fetch(API_BASE + path, {
    method, credentials: "include", keepalive: true,
    headers: { "Content-Type": "application/json", Accept: "application/json", ...csrfHeaders() },
    body: JSON.stringify(body),
  }).catch(() => {}); // nobody is left to tell
}

/**
 * A playback-event batch (player/insights.js): text/plain, so neither it nor the keepalive one sent
 * while the page goes away needs a preflight (the API checks Origin and the login cookie). Resolves
 * to the status (202 taken, 204 insights switched off, 0 unreachable); a 401 refreshes once, quietly.
 */
export async function sendPlaybackBatch(batch, { leaving = false } = {}) {
  const send = () => fetch(`${API_BASE}/api/playback/events/`, {
    method: "POST", credentials: "include", keepalive: leaving,
    headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: JSON.stringify(batch),
  });
  try {
    let response = await send();
    if (response.status === 401 && !leaving && (await refreshSession())) response = await send();
    return response.status;
  } catch {
    return 0;
  }
}

export async function login(email, password) {
  const data = await request("/api/login/", { method: "POST", body: { email, password } });
  // The login answer carries no token the page can read; the first protected page refreshes.
  forgetSession();
  localStorage.setItem(SIGNED_IN_KEY, "1");
  return data;
}

export function readCookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

/** The header a state-changing request carries (the readable csrftoken cookie); the API also checks Origin. */
export function csrfHeaders() {
  const csrf = readCookie("csrftoken");
  return csrf ? { "X-CSRFToken": csrf } : {};
}

/**
 * A request to storage (a presigned S3 URL), not to the API: it never carries the API's cookies.
 * Every fetch of the player lives in this module, so each one's credentials are decided here.
 */
export function storageFetch(url, init = {}) {
  return fetch(url, { ...init, credentials: "omit" });
}

/** The signed-in user ({id, email, is_staff}), asked once per page. */
let me = null;
export function currentUser() {
  me = me || authorized("/api/me/");
  return me;
}

export async function logout() {
  try {
    await request("/api/logout/", { method: "POST", headers: csrfHeaders() });
  } catch {
    // Already logged out or expired: the login page is the right place either way.
  }
  endSession();
  clearTimeout(refreshTimer);
  location.assign(`${LOGIN_PAGE}?logged_out=1`);
}

export function query(name) {
  return new URLSearchParams(location.search).get(name) || "";
}
