// What every staff console page shares: the staff gate, the console's navigation, writes with
// the CSRF header, a confirmation dialog and a few formatters.
import { authorized, csrfHeaders, currentUser, startSession } from "../api.js";
import { element, renderChrome, setStatus } from "../ui.js";

const SECTIONS = [
  { href: "/admin/", label: "Films", key: "films" },
  { href: "/admin/users.html", label: "Users", key: "users" },
  { href: "/admin/history.html", label: "History", key: "history" },
  { href: "/admin/queues.html", label: "Queues", key: "queues" },
  { href: "/admin/insights.html", label: "Insights", key: "insights" },
];

/**
 * Start a console page: a session (or the login page), then the staff check. Non-staff get the
 * "staff only" page and the promise never resolves, so nothing else on the page runs.
 */
export async function startConsole(section) {
  renderChrome({ loggedIn: true });
  const main = document.querySelector("main");
  let user;
  try {
    await startSession();
    user = await currentUser();
  } catch (error) {
    main.replaceChildren(element("p", { id: "console-error", class: "status", "data-kind": "error", role: "alert",
      text: `The staff console cannot start: ${error.message}` }));
    return new Promise(() => {});
  }
  if (!user.is_staff) {
    showStaffOnly(user);
    return new Promise(() => {});
  }
  const nav = element("nav", { class: "console-nav", "aria-label": "Staff console" });
  for (const { href, label, key } of SECTIONS) {
    const link = element("a", { href, text: label });
    if (key === section) link.setAttribute("aria-current", "page");
    nav.append(link);
  }
  nav.append(element("a", { href: "/pages/video/catalog.html", text: "Viewers' catalog" }),
    element("span", { class: "console-user", text: `Signed in as ${user.email}` }));
  main.before(nav);
  main.hidden = false;
  return user;
}

function showStaffOnly(user) {
  document.title = "Staff only · Videoflix";
  const main = document.querySelector("main");
  main.className = "panel";
  main.hidden = false;
  main.replaceChildren(
    element("h1", { id: "staff-only", text: "Staff only" }),
    element("p", { text: `The staff console is for Videoflix staff. You are signed in as ${user.email}, `
      + "which is not a staff account." }),
    element("p", {}, element("a", { href: "/pages/video/catalog.html", text: "Back to the films" })));
}

/** A request of the console: a write carries the CSRF header; a 403 means staff rights were withdrawn. */
export async function staffApi(path, { method = "GET", body } = {}) {
  const headers = method === "GET" ? {} : csrfHeaders();
  try {
    return await authorized(path, { method, body, headers });
  } catch (error) {
    if (error.status === 403) {
      error.message = `Refused: ${error.message} (is this account still staff? Reload the page to check.)`;
    }
    throw error;
  }
}

/** Ask before something that cannot be undone; resolves true when confirmed. Esc or Cancel: false. */
export function confirmAction(message, confirmLabel = "Delete") {
  const dialog = element("dialog", { class: "confirm", "aria-labelledby": "confirm-text" },
    element("p", { id: "confirm-text", text: message }));
  const cancel = element("button", { type: "button", class: "button secondary", text: "Cancel" });
  const confirm = element("button", { type: "button", class: "button danger", id: "confirm-yes", text: confirmLabel });
  dialog.append(element("div", { class: "dialog-actions" }, cancel, confirm));
  document.body.append(dialog);
  return new Promise((resolve) => {
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    cancel.addEventListener("click", () => finish(false));
    confirm.addEventListener("click", () => finish(true));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); finish(false); });
    dialog.showModal();
    cancel.focus(); // the safe choice has the focus
  });
}

/** The page's status line (role=status), for what an action did or why it failed. */
export function say(text, kind = "info") {
  setStatus("#console-status", text, kind);
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "–";
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

export function formatTime(iso) {
  if (!iso) return "–";
  const moment = new Date(iso);
  return Number.isNaN(moment.getTime()) ? String(iso) : moment.toLocaleString();
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return "–";
  const total = Math.round(Number(seconds));
  const minutes = Math.floor(total / 60);
  return minutes ? `${minutes} min ${total % 60} s` : `${total} s`;
}

/** A <progress> with its value also in words, for the films table and the upload. */
export function progressBar(value, label) {
  const bar = element("progress", { max: "100", value: String(Math.max(0, Math.min(100, value || 0))) });
  if (label) bar.setAttribute("aria-label", label);
  return bar;
}

export const STATUS_WORDS = {
  awaiting_upload: "Waiting for the upload",
  uploaded: "Uploaded, queued",
  processing: "Transcoding",
  ready: "Ready",
  failed: "Failed",
};

export function isBusy(video) {
  return video.status === "uploaded" || video.status === "processing";
}

/** The film's AV1 ladder in words ("AV1 encoding 40%", "AV1 ready"), "" when it has none (docs/encoding.md). */
export function av1Words(video) {
  const av1 = video.av1;
  if (!av1) return "";
  if (av1.status === "encoding" && av1.chunks_total) {
    return `AV1 encoding: ${av1.chunks_done} of ${av1.chunks_total} chunks`;
  }
  if (av1.status === "encoding") return `AV1 encoding ${av1.progress}%`;
  if (av1.status === "queued") return "AV1 queued";
  if (av1.status === "ready") return "AV1 ready";
  if (av1.status === "skipped") return "AV1 skipped (H.264 only)";
  return "AV1 failed (H.264 only)";
}

/** Whether the page should look again soon: the film's transcode or its AV1 job is under way. */
export function isAv1Busy(video) {
  return video.av1?.status === "queued" || video.av1?.status === "encoding";
}

export { element };
