// Staff console, users: search, page, disable/enable, grant/revoke staff, delete, resend activation.
// An account whose address was never confirmed is "Pending confirmation": staff cannot enable or promote
// it (the API answers 409), only resend its activation email or disable it (which kills its links).
import { setStatus } from "../ui.js";
import { confirmAction, element, formatTime, say, staffApi, startConsole } from "../admin/console.js";

const PAGE_SIZE = 25;
const me = await startConsole("users");

const tbody = document.querySelector("#users tbody");
const searchForm = document.querySelector("#user-search");
let state = { q: "", page: 1 };
let total = 0;

function badge(on, yes, no) {
  return element("span", { class: `badge ${on ? "on" : "off"}`, text: on ? yes : no });
}

function actionButton(label, action, user, handler, kind = "secondary") {
  const button = element("button", { type: "button", class: `button ${kind} small`, "data-action": action,
    "aria-label": `${label}: ${user.email}`, text: label });
  button.addEventListener("click", () => handler(user, button));
  return button;
}

const STATUS_LABELS = {
  active: ["on", "Active"], pending_confirmation: ["pending", "Pending confirmation"], disabled: ["off", "Disabled"],
};

function accountStatus(user) {
  return user.status in STATUS_LABELS ? user.status : (user.is_active ? "active" : "disabled");
}

function confirmed(user) {
  return user.email_verified ?? Boolean(user.is_active || user.last_login);
}

function statusBadge(user) {
  const [kind, label] = STATUS_LABELS[accountStatus(user)];
  return element("span", { class: `badge ${kind}`, "data-status": accountStatus(user), text: label });
}

function row(user) {
  const self = user.id === me.id;
  const status = accountStatus(user);
  const actions = element("td", { class: "actions" },
    actionButton(status === "disabled" ? "Enable" : "Disable", "active", user, toggleActive));
  if (confirmed(user) || user.is_staff) {  // never confirmed: staff rights are refused (409), so not offered
    actions.append(actionButton(user.is_staff ? "Revoke staff" : "Grant staff", "staff", user, toggleStaff));
  }
  if (!user.is_active && !confirmed(user)) {
    actions.append(actionButton("Resend activation", "activation", user, resendActivation));
  }
  actions.append(actionButton("Delete", "delete", user, deleteUser, "danger"));
  return element("tr", { "data-user-id": String(user.id), "data-email": user.email, "data-status": status },
    element("th", { scope: "row", text: self ? `${user.email} (you)` : user.email }),
    element("td", {}, statusBadge(user)),
    element("td", {}, badge(user.is_staff, "Staff", "Viewer")),
    element("td", { text: formatTime(user.date_joined) }),
    element("td", { text: formatTime(user.last_login) }),
    actions);
}

async function load() {
  const params = new URLSearchParams({ page: String(state.page), page_size: String(PAGE_SIZE) });
  if (state.q) params.set("q", state.q);
  try {
    const answer = await staffApi(`/api/admin/users/?${params}`);
    total = answer.total;
    tbody.replaceChildren(...answer.items.map(row));
    const pages = Math.max(1, Math.ceil(total / (answer.page_size || PAGE_SIZE)));
    document.querySelector("#users-page").textContent = `Page ${answer.page} of ${pages} (${total} users)`;
    document.querySelector("#users-previous").disabled = answer.page <= 1;
    document.querySelector("#users-next").disabled = answer.page >= pages;
    setStatus("#users-status", answer.items.length ? "" : (state.q ? `No user matches "${state.q}".` : "No users."),
      "info");
  } catch (error) {
    setStatus("#users-status", `The users cannot be listed: ${error.message}`, "error");
  }
}

async function change(user, body, done, button) {
  button.disabled = true;
  try {
    await staffApi(`/api/admin/users/${user.id}/`, { method: "PATCH", body });
    say(done, "success");
  } catch (error) {
    say(`${user.email}: ${error.message}`, "error"); // e.g. 409: the last staff account
  }
  await load();
  tbody.querySelector(`tr[data-user-id="${user.id}"] [data-action="${button.dataset.action}"]`)?.focus();
}

async function toggleActive(user, button) {
  const status = accountStatus(user);
  if (status === "pending_confirmation") {
    const sure = await confirmAction(`Disable ${user.email}? Its address was never confirmed; the activation `
      + "links sent to it stop working, and the password chosen at registration is dropped.", "Disable");
    if (!sure) return button.focus();
    return change(user, { is_active: false }, `${user.email} is disabled; its links no longer work.`, button);
  }
  if (status === "active") {
    const sure = await confirmAction(`Disable ${user.email}? They are logged out everywhere and cannot log in `
      + "until enabled again.", "Disable");
    if (!sure) return button.focus();
  }
  return change(user, { is_active: status !== "active" },
    status === "active" ? `${user.email} is disabled and logged out.` : `${user.email} is enabled.`, button);
}

async function toggleStaff(user, button) {
  if (user.is_staff) {
    const sure = await confirmAction(`Revoke the staff rights of ${user.email}?`, "Revoke staff");
    if (!sure) return button.focus();
  }
  return change(user, { is_staff: !user.is_staff },
    user.is_staff ? `${user.email} is no longer staff.` : `${user.email} is now staff.`, button);
}

async function resendActivation(user, button) {
  button.disabled = true;
  try {
    const answer = await staffApi(`/api/admin/users/${user.id}/activation-email/`, { method: "POST" });
    say(answer.detail || `A new activation email was sent to ${user.email}.`, "success");
  } catch (error) {
    say(`${user.email}: ${error.message}`, "error");
    button.disabled = false;
    return;
  }
  await load();  // an account disabled while pending is pending again
  tbody.querySelector(`tr[data-user-id="${user.id}"] [data-action="activation"]`)?.focus();
}

async function deleteUser(user, button) {
  const sure = await confirmAction(`Delete the account ${user.email}? This cannot be undone.`, "Delete the account");
  if (!sure) return button.focus();
  button.disabled = true;
  try {
    await staffApi(`/api/admin/users/${user.id}/`, { method: "DELETE" });
    say(`${user.email} was deleted.`, "success");
  } catch (error) {
    say(`${user.email}: ${error.message}`, "error");
  }
  return load();
}

searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  state = { q: searchForm.elements.q.value.trim(), page: 1 };
  load();
});
document.querySelector("#users-previous").addEventListener("click", () => { state.page -= 1; load(); });
document.querySelector("#users-next").addEventListener("click", () => { state.page += 1; load(); });

await load();
