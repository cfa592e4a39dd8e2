import { request } from "../api.js";
import { bindForm, renderChrome } from "../ui.js";

renderChrome();
bindForm(document.querySelector("#register-form"), async (fields) => {
  await request("/api/register/", { method: "POST", body: fields });
  location.assign(`/pages/auth/check_email.html?email=${encodeURIComponent(fields.email)}`);
});
