/** The agent's defaults that its help, its README and its code all state (a test holds them). */

/** Per request to the registry, `--timeout`. */
export const TIMEOUT_DEFAULT_SECONDS = 5;
