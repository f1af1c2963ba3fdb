import type { z } from "../validation/zod.js";

export interface ErrorIssue {
  path: string;
  message: string;
}

/** The one error shape: `{"error":{"code","message","issues"?}}`. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: ErrorIssue[] };
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

/** An answer other than success. Thrown anywhere in a handler; `onError` turns it into JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly issues?: ErrorIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.issues ? { issues: this.issues } : {}),
      },
    };
  }
}

/**
 * A zod failure as a 400 whose issues name each field. `prefix` places the issues (a path
 * parameter, a query parameter, or the body's own fields).
 */
export function invalidInput(error: z.core.$ZodError, prefix?: string): ApiError {
  const issues = error.issues.flatMap((issue): ErrorIssue[] => {
    const base = [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "");
    // An unknown field is reported at the field itself, not at its parent object.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: [...base, key].join("."),
        message: "is not a known field",
      }));
    }
    return [{ path: base.join(".") || "(body)", message: issue.message }];
  });
  const named = issues.map((i) => i.path).join(", ");
  return new ApiError(400, "invalid_input", `invalid ${named}`, issues);
}
