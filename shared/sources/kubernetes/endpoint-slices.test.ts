import { describe, expect, it } from "vitest";
import {
  type EndpointSliceLike,
  endpointStatus,
  mapEndpointSlices,
  type ServiceLike,
  serviceKey,
} from "./endpoint-slices.js";

const slice = (
  over: Partial<EndpointSliceLike> & { service?: string } = {},
): EndpointSliceLike => ({
  metadata: {
    name: `${over.service ?? "web"}-abc`,
    namespace: "shop",
    labels: { "kubernetes.io/service-name": over.service ?? "web" },
  },
  addressType: "IPv4",
  ports: [{ name: "http", port: 8080 }],
  endpoints: [
    {
      addresses: ["10.1.0.5"],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: "node-a",
      zone: "eu-west-1a",
      targetRef: { kind: "Pod", name: "web-7d4-x2", namespace: "shop" },
    },
  ],
  ...over,
});

const services = (...list: [string, Record<string, string>][]) =>
  new Map<string, ServiceLike>(
    list.map(([name, annotations]) => [
      serviceKey("shop", name),
      { metadata: { name, namespace: "shop", annotations } },
    ]),
  );

describe("endpointStatus", () => {
  it.each([
    [{ ready: true, serving: true, terminating: false }, "passing"],
    [{ ready: false, serving: true, terminating: false }, "warning"],
    [{ ready: false, serving: false, terminating: false }, "critical"],
    [{ ready: false, serving: true, terminating: true }, "critical"],
    [{ ready: true, terminating: true }, "critical"],
    // Unset conditions, as the API defines them: ready unset is ready; serving defers to ready.
    [undefined, "passing"],
    [{}, "passing"],
    [{ ready: false }, "critical"],
    [{ serving: true, ready: false }, "warning"],
  ] as const)("%j is %s", (conditions, status) => {
    expect(endpointStatus(conditions)).toBe(status);
  });
});

describe("mapEndpointSlices", () => {
  it("makes a Pod endpoint an instance <namespace>.<pod> with zone, node and Pod in metadata", () => {
    const scan = mapEndpointSlices([slice()], new Map());
    expect(scan.skipped).toEqual([]);
    expect(scan.instances).toEqual([
      {
        service: "web",
        id: "shop.web-7d4-x2",
        fields: expect.objectContaining({
          address: "10.1.0.5:8080",
          direct_addresses: ["10.1.0.5:8080"],
          status: "passing",
          metadata: {
            k8s_namespace: "shop",
            k8s_service: "web",
            k8s_pod: "web-7d4-x2",
            k8s_node: "node-a",
            zone: "eu-west-1a",
          },
        }),
      },
    ]);
  });

  it("names an endpoint without a Pod by its address, and brackets IPv6", () => {
    const scan = mapEndpointSlices(
      [
        slice({
          addressType: "IPv6",
          endpoints: [{ addresses: ["fd00::5"], conditions: { ready: false, serving: true } }],
        }),
      ],
      new Map(),
    );
    expect(scan.instances.map((i) => [i.id, i.fields.address, i.fields.status])).toEqual([
      ["fd00::5", "[fd00::5]:8080", "warning"],
    ]);
    expect(scan.instances[0]?.fields.metadata).toEqual({
      k8s_namespace: "shop",
      k8s_service: "web",
    });
  });

  it("takes the muster service and the port name from the Service's annotations", () => {
    const scan = mapEndpointSlices(
      [
        slice({
          ports: [
            { name: "metrics", port: 9090 },
            { name: "grpc", port: 7000 },
          ],
        }),
      ],
      services(["web", { "muster.io/service": "storefront", "muster.io/port": "grpc" }]),
    );
    expect(scan.instances.map((i) => [i.service, i.fields.address])).toEqual([
      ["storefront", "10.1.0.5:7000"],
    ]);
  });

  it("skips, saying why, what cannot be an instance", () => {
    const scan = mapEndpointSlices(
      [
        slice({ metadata: { name: "orphan", namespace: "shop", labels: {} } }),
        slice({ service: "api", ports: [] }),
        slice({ service: "db" }),
        slice({ service: "cache" }),
        slice({
          service: "long",
          endpoints: [
            { addresses: ["10.0.0.1"], targetRef: { kind: "Pod", name: "p".repeat(130) } },
          ],
        }),
      ],
      services(
        ["db", { "muster.io/port": "sql" }],
        ["cache", { "muster.io/service": "Not_A_Label" }],
      ),
    );
    expect(scan.instances).toEqual([]);
    expect(scan.skipped).toEqual([
      "shop/orphan: no kubernetes.io/service-name label",
      "shop/api-abc: no port",
      'shop/db-abc: no port named "sql" (muster.io/port)',
      'shop/cache-abc: service name "Not_A_Label" is not a DNS label',
      expect.stringMatching(/^shop\/long-abc: instance id "shop\.p+" is not a muster id$/),
    ]);
  });

  it("counts an endpoint that two slices hold once, with its healthier condition", () => {
    const moving = slice({
      metadata: {
        name: "web-new",
        namespace: "shop",
        labels: { "kubernetes.io/service-name": "web" },
      },
      endpoints: [
        {
          addresses: ["10.1.0.5"],
          conditions: { ready: false, serving: false },
          targetRef: { kind: "Pod", name: "web-7d4-x2" },
        },
      ],
    });
    const scan = mapEndpointSlices([moving, slice()], new Map());
    expect(scan.instances.map((i) => [i.id, i.fields.status])).toEqual([
      ["shop.web-7d4-x2", "passing"],
    ]);
  });

  it("leaves out endpoints without an address and slices without endpoints", () => {
    const scan = mapEndpointSlices(
      [slice({ endpoints: [{ addresses: [] }] }), slice({ service: "idle", endpoints: null })],
      new Map(),
    );
    expect(scan).toEqual({ instances: [], skipped: [] });
  });
});
