/**
 * Checks a Kubernetes label selector (`app=web,tier!=cache`, `env in (prod, staging)`, `!beta`,
 * `release`) the way the API server parses one (k8s.io/apimachinery's labels.Parse), so that a
 * typo in the setting stops the process at start instead of failing every list with a 400.
 * Returns why it is not one, or undefined.
 */
export function labelSelectorProblem(selector: string): string | undefined {
  let tokens: string[];
  try {
    tokens = tokenize(selector);
  } catch (err) {
    return (err as Error).message;
  }
  let at = 0;
  const next = () => tokens[at++];
  const peek = () => tokens[at];
  while (at < tokens.length) {
    let token = next() as string;
    const negated = token === "!";
    if (negated) token = next() ?? "";
    const keyProblem = labelKeyProblem(token);
    if (keyProblem) return keyProblem;
    const op = peek();
    if (negated || op === undefined || op === ",") {
      // `key` or `!key`: existence.
    } else if (op === "=" || op === "==" || op === "!=") {
      next();
      // An empty value is allowed: `tier=` selects labels set to "".
      const value = peek() === "," || peek() === undefined ? "" : (next() as string);
      const problem = labelValueProblem(value);
      if (problem) return problem;
    } else if (op === ">" || op === "<") {
      next();
      const value = next() ?? "";
      if (!/^-?\d+$/.test(value)) return `${op} needs a whole number, not ${JSON.stringify(value)}`;
    } else if (op === "in" || op === "notin") {
      next();
      if (next() !== "(") return `${op} needs a list in parentheses after ${JSON.stringify(token)}`;
      for (;;) {
        const value = peek() === "," || peek() === ")" ? "" : (next() as string);
        const problem = labelValueProblem(value);
        if (problem) return problem;
        const after = next();
        if (after === ")") break;
        if (after !== ",") return `${op} (...) after ${JSON.stringify(token)} is not closed`;
      }
    } else {
      return `${JSON.stringify(op)} after ${JSON.stringify(token)} is not an operator (=, ==, !=, in, notin, <, >)`;
    }
    const sep = next();
    if (sep !== undefined && sep !== ",") return `expected "," before ${JSON.stringify(sep)}`;
    if (sep === "," && peek() === undefined) return "ends with a comma";
  }
  return undefined;
}

/** Words, `(`, `)`, `,`, and the operators `=`, `==`, `!=`, `!`, `<`, `>`. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if ("(),<>".includes(c)) {
      tokens.push(c);
      i++;
    } else if (c === "=" || c === "!") {
      const two = text.slice(i, i + 2);
      const op = two === "==" || two === "!=" ? two : c;
      tokens.push(op);
      i += op.length;
    } else {
      let j = i;
      while (j < text.length && !/[\s(),<>=!]/.test(text[j] as string)) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  if (tokens.length === 0) throw new Error("is empty");
  return tokens;
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !SUBDOMAIN.test(prefix))) {
    return `${JSON.stringify(key)}: the prefix must be a DNS subdomain`;
  }
  if (name.length > 63 || !NAME.test(name)) {
    return `${JSON.stringify(key)} is not a label key (letters, digits, - _ ., at most 63, alphanumeric at both ends)`;
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return `${JSON.stringify(value)} is not a label value (letters, digits, - _ ., at most 63, alphanumeric at both ends)`;
  }
  return undefined;
}
