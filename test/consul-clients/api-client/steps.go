package main

import (
	"time"

	"github.com/hashicorp/consul/api"
)

// One function per call of the official client that the scenario and the subcommands make.
// Each prints its line (record) and hands back what the client parsed.

// Registration is what a test registers: one service instance with one TTL check.
type Registration struct {
	Name    string
	ID      string
	Tags    []string
	Address string
	Port    int
	Meta    map[string]string
	TTL     string
	Status  string // empty: the server's default (critical)
	CheckID string // empty: the server's default (service:<ID>)
	DCSA    string // DeregisterCriticalServiceAfter; empty: none
	Replace bool   // ?replace-existing-checks
	NoCheck bool   // register without any check
	Weights *api.AgentWeights
}

func (r Registration) agentRegistration() *api.AgentServiceRegistration {
	reg := &api.AgentServiceRegistration{
		ID:      r.ID,
		Name:    r.Name,
		Tags:    r.Tags,
		Address: r.Address,
		Port:    r.Port,
		Meta:    r.Meta,
		Weights: r.Weights,
	}
	if !r.NoCheck {
		reg.Check = &api.AgentServiceCheck{
			CheckID:                        r.CheckID,
			TTL:                            r.TTL,
			Status:                         r.Status,
			DeregisterCriticalServiceAfter: r.DCSA,
		}
	}
	return reg
}

func register(c *api.Client, step string, r Registration) Line {
	start := time.Now()
	err := c.Agent().ServiceRegisterOpts(r.agentRegistration(), api.ServiceRegisterOpts{ReplaceExistingChecks: r.Replace})
	return record(step, start, map[string]any{"registered": r.agentRegistration()}, nil, err)
}

func deregister(c *api.Client, step, id string) Line {
	start := time.Now()
	err := c.Agent().ServiceDeregister(id)
	return record(step, start, map[string]string{"deregistered": id}, nil, err)
}

// updateTTL is PUT /v1/agent/check/update/:id with {"Status","Output"} (status pass|warn|fail or
// passing|warning|critical, which the client translates).
func updateTTL(c *api.Client, step, checkID, output, status string) Line {
	start := time.Now()
	err := c.Agent().UpdateTTL(checkID, output, status)
	return record(step, start, map[string]string{"check_id": checkID, "status": status, "output": output}, nil, err)
}

// legacyTTL is PUT /v1/agent/check/{pass,warn,fail}/:id?note= (PassTTL, WarnTTL, FailTTL).
func legacyTTL(c *api.Client, step, checkID, note, verb string) Line {
	start := time.Now()
	var err error
	switch verb {
	case "pass":
		err = c.Agent().PassTTL(checkID, note)
	case "warn":
		err = c.Agent().WarnTTL(checkID, note)
	default:
		err = c.Agent().FailTTL(checkID, note)
	}
	return record(step, start, map[string]string{"check_id": checkID, "verb": verb, "note": note}, nil, err)
}

// HealthQuery is one GET /v1/health/service/:name.
type HealthQuery struct {
	Service  string
	Tags     []string
	Passing  bool
	Index    uint64
	Wait     time.Duration
	Stale    bool
	Filter   string
	NodeMeta map[string]string
}

func (q HealthQuery) options() *api.QueryOptions {
	return &api.QueryOptions{WaitIndex: q.Index, WaitTime: q.Wait, AllowStale: q.Stale, Filter: q.Filter, NodeMeta: q.NodeMeta}
}

func health(c *api.Client, step string, q HealthQuery) ([]*api.ServiceEntry, *api.QueryMeta, Line) {
	start := time.Now()
	entries, meta, err := c.Health().ServiceMultipleTags(q.Service, q.Tags, q.Passing, q.options())
	return entries, meta, record(step, start, entries, meta, err)
}

func catalogServices(c *api.Client, step string, index uint64, wait time.Duration) (map[string][]string, *api.QueryMeta, Line) {
	start := time.Now()
	services, meta, err := c.Catalog().Services(&api.QueryOptions{WaitIndex: index, WaitTime: wait})
	return services, meta, record(step, start, services, meta, err)
}

func catalogService(c *api.Client, step, name string, tags []string) ([]*api.CatalogService, Line) {
	start := time.Now()
	nodes, meta, err := c.Catalog().ServiceMultipleTags(name, tags, nil)
	return nodes, record(step, start, nodes, meta, err)
}

func datacenters(c *api.Client, step string) Line {
	start := time.Now()
	dcs, err := c.Catalog().Datacenters()
	return record(step, start, dcs, nil, err)
}

func agentSelf(c *api.Client, step string) (map[string]map[string]any, Line) {
	start := time.Now()
	self, err := c.Agent().Self()
	return self, record(step, start, self, nil, err)
}

func leader(c *api.Client, step string) Line {
	start := time.Now()
	l, err := c.Status().Leader()
	return record(step, start, l, nil, err)
}

// checkStatus is the status of the check with the given id in a health answer, or "" if absent.
func checkStatus(entries []*api.ServiceEntry, serviceID, checkID string) string {
	for _, e := range entries {
		if e.Service == nil || e.Service.ID != serviceID {
			continue
		}
		for _, c := range e.Checks {
			if c.CheckID == checkID {
				return c.Status
			}
		}
	}
	return ""
}

func hasService(entries []*api.ServiceEntry, serviceID string) bool {
	for _, e := range entries {
		if e.Service != nil && e.Service.ID == serviceID {
			return true
		}
	}
	return false
}
