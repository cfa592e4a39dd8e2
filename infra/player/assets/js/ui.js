// Page furniture shared by every page: the header, the dev banner, form error display.
import { API_BASE, ApiError, DEV_MODE, currentUser, logout } from "./api.js";

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}
export { element };

/** Header with the brand, and a log-out button on pages that need a login. */
export function renderChrome({ loggedIn = false } = {}) {
  const header = element("header", { class: "site-header" },
    element("a", { class: "brand", href: "/pages/video/catalog.html", text: "Videoflix" }));
  if (loggedIn) {
    const button = element("button", { type: "button", id: "logout", class: "button secondary", text: "Log out" });
    button.addEventListener("click", () => {
      button.disabled = true;
      logout();
    });
    header.append(element("div", { class: "header-actions" }, button));
  }
  document.body.prepend(header);
  if (DEV_MODE) {
    // No mail server in development: emails are captured by the dev stack.
    const banner = element("aside", { class: "dev-banner", id: "dev-banner" },
      "Development mode: emails are not sent. Activation and reset emails are here: ",
      element("a", { href: `${API_BASE}/dev/emails`, target: "_blank", rel: "noopener", text: "captured emails" }),
      ".");
    document.body.prepend(banner);
  }
}

/** A "Staff console" link in the header, for staff only (call once the session is started). */
export async function showStaffLink() {
  let user;
  try {
    user = await currentUser();
  } catch {
    return; // no link is the safe answer
  }
  const actions = document.querySelector(".site-header .header-actions");
  if (!user?.is_staff || !actions || actions.querySelector("#staff-console-link")) return;
  actions.prepend(element("a", { id: "staff-console-link", class: "button secondary", href: "/admin/",
    text: "Staff console" }));
}

export function setStatus(target, text, kind = "info") {
  const node = typeof target === "string" ? document.querySelector(target) : target;
  node.textContent = text;
  node.dataset.kind = kind;
  node.hidden = !text;
}

const GENERAL_KEYS = new Set(["detail", "message", "non_field_errors", "error"]);

/** Field errors beside their inputs, everything else in the form's error box. */
export function showErrors(form, error) {
  clearErrors(form);
  const body = error instanceof ApiError ? error.body : { detail: String(error.message || error) };
  const general = [];
  if (body && typeof body === "object") {
    for (const [key, value] of Object.entries(body)) {
      const messages = (Array.isArray(value) ? value : [value]).map(String);
      const slot = GENERAL_KEYS.has(key) ? null : form.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
      if (slot) {
        slot.textContent = messages.join(" ");
        form.querySelector(`[name="${CSS.escape(key)}"]`)?.setAttribute("aria-invalid", "true");
      } else {
        general.push(GENERAL_KEYS.has(key) ? messages.join(" ") : `${key}: ${messages.join(" ")}`);
      }
    }
  }
  if (!general.length && !form.querySelector("[data-error-for]:not(:empty)")) {
    general.push(error.message || "Something went wrong.");
  }
  setStatus(form.querySelector(".form-error"), general.join(" "), "error");
}

export function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  setStatus(form.querySelector(".form-error"), "");
}

/** Submit handler with the button disabled while the request runs and API errors shown. */
export function bindForm(form, submit) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("[type=submit]");
    clearErrors(form);
    button.disabled = true;
    try {
      await submit(Object.fromEntries(new FormData(form).entries()));
    } catch (error) {
      showErrors(form, error);
    } finally {
      button.disabled = false;
    }
  });
}
