export declare const PROGRAMS: readonly ["api-client", "prom-consul-sd"];
export declare function binary(name: "api-client" | "prom-consul-sd"): string;
