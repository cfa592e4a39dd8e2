import { login, query } from "../api.js";
import { bindForm, renderChrome, setStatus } from "../ui.js";

renderChrome();
const notice = document.querySelector("#login-notice");
if (query("logged_out")) setStatus(notice, "You are logged out.", "info");
else if (query("reset")) setStatus(notice, "Your password was changed. Log in with the new one.", "success");
else if (query("next")) setStatus(notice, "Please log in to continue.", "info");

function nextPage() {
  const next = query("next");
  // Only a path on this site: an open redirect would make a fine phishing link.
  return next.startsWith("/") && !next.startsWith("//") ? next : "/pages/video/catalog.html";
}

bindForm(document.querySelector("#login-form"), async ({ email, password }) => {
  await login(email, password);
  location.assign(nextPage());
});
