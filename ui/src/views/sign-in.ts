import { get, Refused } from "../api.js";
import { fill, h } from "../dom.js";
import { type Credential, parseCredential } from "../logic/credential.js";

/**
 * Sign-in: a token (a password field, so it is not shown or kept by the browser's form
 * history) or a presigned URL of one service's /instances. The credential is tried before it
 * is kept; a refusal is shown with the registry's own reason.
 */
export function signInView(
  main: HTMLElement,
  reason: string | undefined,
  done: (credential: Credential) => void,
): void {
  const input = h("input", {
    id: "credential",
    name: "credential",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "credential-help",
  });
  const message = h(
    "p",
    { id: "sign-in-message", class: reason ? "error" : "", role: "alert" },
    reason ?? "",
  );
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h(
    "form",
    { class: "sign-in", "aria-labelledby": "sign-in-h" },
    h("h1", { id: "sign-in-h" }, "Sign in"),
    h("label", { for: "credential" }, "Token or presigned URL"),
    input,
    h(
      "p",
      { id: "credential-help", class: "muted" },
      "A muster token (",
      h("code", {}, "mst_…"),
      " or a bootstrap token) shows every service it may read. A presigned URL of a service's ",
      h("code", {}, "/instances"),
      " opens that service only. It is kept in this tab only.",
    ),
    button,
    message,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const parsed = parseCredential(input.value, location.origin);
    if ("error" in parsed) {
      message.className = "error";
      message.textContent = parsed.error;
      return;
    }
    button.disabled = true;
    message.className = "";
    message.textContent = "Checking…";
    try {
      await get(
        parsed.kind === "token" ? "/v1/services" : `/v1/services/${parsed.service}/instances`,
        parsed,
      );
      input.value = "";
      done(parsed);
    } catch (err) {
      message.className = "error";
      message.textContent =
        err instanceof Refused
          ? `Refused: ${err.message} (${err.status} ${err.code})`
          : `The registry cannot be reached: ${err instanceof Error ? err.message : String(err)}`;
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
  fill(main, form);
  input.focus();
}
