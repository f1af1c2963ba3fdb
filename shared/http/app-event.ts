/** What the app reports as it serves: accepted writes and store outages, for metrics. */
export type AppEvent = "heartbeat" | "deregistration" | "store_unavailable";
