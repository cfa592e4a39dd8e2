import { request } from "../api.js";
import { bindForm, renderChrome, setStatus } from "../ui.js";

renderChrome();
const form = document.querySelector("#forgot-form");
bindForm(form, async ({ email }) => {
  const result = await request("/api/password_reset/", { method: "POST", body: { email } });
  form.hidden = true;
  setStatus("#forgot-status", result.detail || "Check your email for the reset link.", "success");
});
