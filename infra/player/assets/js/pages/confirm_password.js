import { query, request } from "../api.js";
import { bindForm, renderChrome, setStatus } from "../ui.js";

renderChrome();
const form = document.querySelector("#confirm-form");
const uid = query("uid");
const token = query("token");
if (!uid || !token) {
  form.hidden = true;
  setStatus("#confirm-status", "This reset link is incomplete. Open the link from the email again.", "error");
}
bindForm(form, async (fields) => {
  const result = await request(`/api/password_confirm/${encodeURIComponent(uid)}/${encodeURIComponent(token)}/`,
    { method: "POST", body: fields });
  form.hidden = true;
  setStatus("#confirm-status", result.detail || "Your password was changed.", "success");
  document.querySelector("#confirm-next").hidden = false;
});
