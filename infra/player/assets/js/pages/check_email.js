import { query } from "../api.js";
import { renderChrome } from "../ui.js";

renderChrome();
const email = query("email");
if (email) {
  document.querySelector("#check-email-text").textContent =
    `We sent an activation link to ${email}. Open it to activate your account, then log in.`;
}
