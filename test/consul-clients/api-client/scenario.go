package main

import (
	"fmt"
	"time"

	"github.com/hashicorp/consul/api"
)

// Scenario is the run the issue asks of the official client, in one process: register with a TTL
// check (critical first), pass it, read it back through health and catalog, a blocking query that
// times out and one that wakes on a change, the TTL running out, an unknown check, wrong tokens,
// deregistration and, when asked, DeregisterCriticalServiceAfter removing an instance.
type Scenario struct {
	Client        *api.Client
	NewClient     func(token string) *api.Client // the same server, another token
	WrongToken    string                         // a token the server does not know: expect 403 "ACL not found"
	ReadOnlyToken string                         // a token that may read but not register: expect 403 "Permission denied"
	Reg           Registration
	BlockWait     time.Duration // ?wait of the query that must wake on a change
	TimeoutWait   time.Duration // ?wait of the query that must time out
	ChangeAfter   time.Duration // how long the wake-up query blocks before the change
	ExpiryBound   time.Duration // how long to wait for the TTL to run out, past the TTL
	WaitDCSA      bool
	DCSA          string
	DCSABound     time.Duration
	failures      []string
}

func (s *Scenario) fail(format string, args ...any) {
	s.failures = append(s.failures, fmt.Sprintf(format, args...))
}

// must records an unexpected client error as a failure; it says whether the call succeeded.
func (s *Scenario) must(line Line) bool {
	if !line.OK {
		s.fail("%s: %s", line.Step, line.Error.Message)
	}
	return line.OK
}

// mustRefuse records a call that should have been refused with the given status (0: any) but was not.
func (s *Scenario) mustRefuse(line Line, status int) {
	if line.OK || (status != 0 && line.Error.Status != status) {
		s.fail("%s: expected status %d, got %+v", line.Step, status, line.Error)
	}
}

func (s *Scenario) Run() []string {
	c, r := s.Client, s.Reg
	checkID := r.CheckID
	if checkID == "" {
		checkID = "service:" + r.ID
	}
	self, line := agentSelf(c, "agent-self")
	if s.must(line) {
		if _, ok := self["Config"]["Datacenter"].(string); !ok {
			s.fail("agent-self: Config.Datacenter is not a string")
		}
	}
	s.must(leader(c, "status-leader"))
	s.must(datacenters(c, "catalog-datacenters"))

	if !s.must(register(c, "register", r)) {
		return s.failures
	}
	entries, _, line := health(c, "health-after-register", HealthQuery{Service: r.Name})
	if s.must(line) && checkStatus(entries, r.ID, checkID) != api.HealthCritical && r.Status == "" {
		s.fail("health-after-register: check %s is %q, not critical", checkID, checkStatus(entries, r.ID, checkID))
	}
	entries, _, line = health(c, "health-passing-before-pass", HealthQuery{Service: r.Name, Tags: r.Tags[:1], Passing: true})
	if s.must(line) && hasService(entries, r.ID) && r.Status == "" {
		s.fail("health-passing-before-pass: a critical instance was listed with ?passing")
	}

	s.must(updateTTL(c, "update-ttl-pass", checkID, "first pass", "pass"))
	entries, meta, line := health(c, "health-passing", HealthQuery{Service: r.Name, Tags: r.Tags[:1], Passing: true})
	if s.must(line) && checkStatus(entries, r.ID, checkID) != api.HealthPassing {
		s.fail("health-passing: check %s is %q, not passing", checkID, checkStatus(entries, r.ID, checkID))
	}
	if services, _, line := catalogServices(c, "catalog-services", 0, 0); s.must(line) {
		if _, ok := services[r.Name]; !ok {
			s.fail("catalog-services: %s is not listed", r.Name)
		}
	}
	if nodes, line := catalogService(c, "catalog-service", r.Name, r.Tags[:1]); s.must(line) && len(nodes) == 0 {
		s.fail("catalog-service: no instance of %s with tag %s", r.Name, r.Tags[0])
	}

	if meta != nil {
		s.blocking(checkID, meta.LastIndex)
	}
	s.expiry(checkID)

	s.mustRefuse(updateTTL(c, "update-ttl-unknown-check", checkID+"-missing", "", "pass"), 0)
	s.wrongTokens()

	s.must(deregister(c, "deregister", r.ID))
	if entries, _, line := health(c, "health-after-deregister", HealthQuery{Service: r.Name}); s.must(line) && hasService(entries, r.ID) {
		s.fail("health-after-deregister: %s is still listed", r.ID)
	}
	if s.WaitDCSA {
		s.reaped()
	}
	return s.failures
}

// blocking: a query whose ?wait runs out answers with the same index; one that a change interrupts
// answers early with a higher index and the changed check.
func (s *Scenario) blocking(checkID string, index uint64) {
	c, r := s.Client, s.Reg
	start := time.Now()
	_, meta, line := health(c, "block-timeout", HealthQuery{Service: r.Name, Index: index, Wait: s.TimeoutWait})
	if s.must(line) {
		if meta.LastIndex != index {
			s.fail("block-timeout: index moved from %d to %d with no change", index, meta.LastIndex)
		}
		if time.Since(start) < s.TimeoutWait*9/10 {
			s.fail("block-timeout: answered after %v, before ?wait=%v", time.Since(start), s.TimeoutWait)
		}
	}
	// An index ahead of the server's (a client that outlived a server's data): recorded, not
	// judged — Consul holds such a query for its whole wait, muster answers at once.
	health(c, "block-index-ahead", HealthQuery{Service: r.Name, Index: index + 1_000_000, Wait: s.TimeoutWait})
	// A fresh pass first, so the TTL cannot run out while the query blocks.
	s.must(updateTTL(c, "update-ttl-before-block", checkID, "still fine", "pass"))
	_, meta, line = health(c, "index-before-block", HealthQuery{Service: r.Name})
	if !s.must(line) {
		return
	}
	type answer struct {
		entries []*api.ServiceEntry
		meta    *api.QueryMeta
		line    Line
	}
	done := make(chan answer, 1)
	go func() {
		e, m, l := health(c, "block-wakes", HealthQuery{Service: r.Name, Index: meta.LastIndex, Wait: s.BlockWait})
		done <- answer{e, m, l}
	}()
	time.Sleep(s.ChangeAfter)
	changedAt := time.Now()
	s.must(updateTTL(c, "update-ttl-warn", checkID, "degraded", "warn"))
	got := <-done
	woke := time.Since(changedAt)
	emit(Line{Step: "block-woke", OK: true, Extra: map[string]any{
		"index_before": meta.LastIndex, "wake_after_change_ms": woke.Milliseconds(),
	}})
	if !s.must(got.line) {
		return
	}
	if got.meta.LastIndex <= meta.LastIndex {
		s.fail("block-wakes: index %d did not rise above %d", got.meta.LastIndex, meta.LastIndex)
	}
	if woke > s.BlockWait/2 {
		s.fail("block-wakes: answered %v after the change", woke)
	}
	if st := checkStatus(got.entries, r.ID, checkID); st != api.HealthWarning {
		s.fail("block-wakes: check is %q after the change, not warning", st)
	}
}

// expiry: no more updates, so the TTL runs out and the check turns critical; ?passing then leaves
// the instance out. Followed with blocking queries, as a watcher would.
func (s *Scenario) expiry(checkID string) {
	c, r := s.Client, s.Reg
	ttl, _ := time.ParseDuration(r.TTL)
	lastUpdate := time.Now()
	deadline := lastUpdate.Add(ttl + s.ExpiryBound)
	var index uint64
	for time.Now().Before(deadline) {
		entries, meta, line := health(c, "ttl-expiry-watch", HealthQuery{Service: r.Name, Index: index, Wait: time.Until(deadline)})
		if !s.must(line) {
			return
		}
		if checkStatus(entries, r.ID, checkID) == api.HealthCritical {
			emit(Line{Step: "ttl-expired", OK: true, Extra: map[string]any{
				"critical_after_ms": time.Since(lastUpdate).Milliseconds(), "ttl": r.TTL,
			}})
			entries, _, line = health(c, "health-passing-after-expiry", HealthQuery{Service: r.Name, Passing: true})
			if s.must(line) && hasService(entries, r.ID) {
				s.fail("health-passing-after-expiry: a critical instance was listed with ?passing")
			}
			return
		}
		index = meta.LastIndex
	}
	s.fail("ttl-expiry: the check did not turn critical within %v of its TTL %s", s.ExpiryBound, r.TTL)
}

func (s *Scenario) wrongTokens() {
	if s.WrongToken != "" {
		wrong := s.NewClient(s.WrongToken)
		reg := s.Reg
		reg.ID += "-wrong-token"
		s.mustRefuse(register(wrong, "register-wrong-token", reg), 403)
		_, _, line := health(wrong, "health-wrong-token", HealthQuery{Service: s.Reg.Name})
		s.mustRefuse(line, 403)
		s.mustRefuse(updateTTL(wrong, "update-ttl-wrong-token", "service:"+s.Reg.ID, "", "pass"), 403)
	}
	if s.ReadOnlyToken != "" {
		ro := s.NewClient(s.ReadOnlyToken)
		reg := s.Reg
		reg.ID += "-read-only"
		s.mustRefuse(register(ro, "register-read-only-token", reg), 403)
		_, _, line := health(ro, "health-read-only-token", HealthQuery{Service: s.Reg.Name})
		s.must(line)
	}
}

// reaped: an instance whose check stays critical is removed DeregisterCriticalServiceAfter later.
func (s *Scenario) reaped() {
	c := s.Client
	reg := s.Reg
	reg.ID += "-reaped"
	reg.CheckID = ""
	reg.Status = ""
	reg.DCSA = s.DCSA
	if !s.must(register(c, "register-reaped", reg)) {
		return
	}
	registered := time.Now()
	deadline := registered.Add(s.DCSABound)
	var index uint64
	for time.Now().Before(deadline) {
		entries, meta, line := health(c, "reap-watch", HealthQuery{Service: reg.Name, Index: index, Wait: time.Until(deadline)})
		if !s.must(line) {
			return
		}
		if !hasService(entries, reg.ID) {
			emit(Line{Step: "reaped", OK: true, Extra: map[string]any{
				"removed_after_ms": time.Since(registered).Milliseconds(), "deregister_critical_service_after": s.DCSA,
			}})
			return
		}
		index = meta.LastIndex
	}
	s.fail("reaped: %s was still listed %v after registering it critical", reg.ID, s.DCSABound)
}
