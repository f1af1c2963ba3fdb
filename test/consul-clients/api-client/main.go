// api-client drives HashiCorp's official Go client (github.com/hashicorp/consul/api) against a
// server that speaks Consul's HTTP API, and prints one JSON line per call with what the client
// parsed, so muster's integration tests assert on the real client's structs.
//
//	api-client [-addr http://127.0.0.1:8500] [-token T] <command> [flags]
//
// The address and token default to CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN, read by the client
// itself as in any program that uses it. Commands: scenario, register, deregister, update-ttl,
// pass, warn, fail, health, watch, catalog-services, catalog-service, datacenters, self, leader.
// Each prints its lines and exits 1 when a call fails (the line still says how), 2 on bad usage.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/consul/api"
)

var (
	addr  = flag.String("addr", "", "server address (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500)")
	token = flag.String("token", "", "token (default: CONSUL_HTTP_TOKEN)")
)

// newClient makes a client as a program would: api.DefaultConfig reads the environment, the flags
// override it.
func newClient(tok string) *api.Client {
	cfg := api.DefaultConfig()
	if *addr != "" {
		cfg.Address = *addr
	}
	if tok != "" {
		cfg.Token = tok
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "api.NewClient:", err)
		os.Exit(2)
	}
	return c
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type mapFlag map[string]string

func (m mapFlag) String() string { return fmt.Sprint(map[string]string(m)) }
func (m mapFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want key=value, got %q", v)
	}
	m[k] = val
	return nil
}

func registrationFlags(fs *flag.FlagSet) *Registration {
	r := &Registration{Meta: map[string]string{}}
	fs.StringVar(&r.Name, "service", "web", "service name")
	fs.StringVar(&r.ID, "id", "", "service ID (default: the name)")
	fs.Var((*listFlag)(&r.Tags), "tag", "tag (repeatable)")
	fs.StringVar(&r.Address, "address", "127.0.0.1", "service address")
	fs.IntVar(&r.Port, "port", 8080, "service port")
	fs.Var(mapFlag(r.Meta), "meta", "key=value metadata (repeatable)")
	fs.StringVar(&r.TTL, "ttl", "10s", "TTL of the check")
	fs.StringVar(&r.Status, "status", "", "initial status of the check (default: the server's, critical)")
	fs.StringVar(&r.CheckID, "check-id", "", "check ID (default: the server's, service:<ID>)")
	fs.StringVar(&r.DCSA, "deregister-critical-after", "", "DeregisterCriticalServiceAfter")
	fs.BoolVar(&r.Replace, "replace-existing-checks", false, "send ?replace-existing-checks=true")
	fs.BoolVar(&r.NoCheck, "no-check", false, "register without a check")
	return r
}

func healthFlags(fs *flag.FlagSet) *HealthQuery {
	q := &HealthQuery{NodeMeta: map[string]string{}}
	fs.StringVar(&q.Service, "service", "web", "service name")
	fs.Var((*listFlag)(&q.Tags), "tag", "tag (repeatable)")
	fs.BoolVar(&q.Passing, "passing", false, "only instances whose checks pass")
	fs.Uint64Var(&q.Index, "index", 0, "blocking index")
	fs.DurationVar(&q.Wait, "wait", 0, "blocking wait")
	fs.BoolVar(&q.Stale, "stale", false, "send ?stale")
	fs.StringVar(&q.Filter, "filter", "", "filter expression")
	fs.Var(mapFlag(q.NodeMeta), "node-meta", "key=value node metadata (repeatable)")
	return q
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: api-client [-addr A] [-token T] <command> [flags]; -h after a command lists its flags")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	cmd, args := flag.Arg(0), flag.Args()[1:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	c := func() *api.Client { return newClient(*token) }
	var run func() Line
	switch cmd {
	case "scenario":
		os.Exit(runScenario(fs, args))
	case "watch":
		os.Exit(runWatch(fs, args))
	case "register":
		r := registrationFlags(fs)
		// No ID by default: the server defaults it to the name.
		run = func() Line { return register(c(), cmd, *r) }
	case "deregister":
		id := fs.String("id", "web", "service ID")
		run = func() Line { return deregister(c(), cmd, *id) }
	case "update-ttl":
		check := fs.String("check", "service:web", "check ID")
		status := fs.String("status", "pass", "pass|warn|fail or passing|warning|critical")
		output := fs.String("output", "", "output")
		run = func() Line { return updateTTL(c(), cmd, *check, *output, *status) }
	case "pass", "warn", "fail":
		check := fs.String("check", "service:web", "check ID")
		note := fs.String("note", "", "note")
		run = func() Line { return legacyTTL(c(), cmd, *check, *note, cmd) }
	case "health":
		q := healthFlags(fs)
		run = func() Line { _, _, l := health(c(), cmd, *q); return l }
	case "catalog-services":
		index := fs.Uint64("index", 0, "blocking index")
		wait := fs.Duration("wait", 0, "blocking wait")
		run = func() Line { _, _, l := catalogServices(c(), cmd, *index, *wait); return l }
	case "catalog-service":
		name := fs.String("service", "web", "service name")
		var tags listFlag
		fs.Var(&tags, "tag", "tag (repeatable)")
		run = func() Line { _, l := catalogService(c(), cmd, *name, tags); return l }
	case "datacenters":
		run = func() Line { return datacenters(c(), cmd) }
	case "self":
		run = func() Line { _, l := agentSelf(c(), cmd); return l }
	case "leader":
		run = func() Line { return leader(c(), cmd) }
	default:
		flag.Usage()
		os.Exit(2)
	}
	_ = fs.Parse(args)
	if !run().OK {
		os.Exit(1)
	}
}

func runScenario(fs *flag.FlagSet, args []string) int {
	r := registrationFlags(fs)
	s := &Scenario{NewClient: newClient}
	fs.StringVar(&s.WrongToken, "wrong-token", "", "a token the server does not know (403 expected)")
	fs.StringVar(&s.ReadOnlyToken, "read-only-token", "", "a token that may not register (403 expected)")
	fs.DurationVar(&s.BlockWait, "block-wait", 20*time.Second, "?wait of the query that must wake on a change")
	fs.DurationVar(&s.TimeoutWait, "timeout-wait", 1500*time.Millisecond, "?wait of the query that must time out")
	fs.DurationVar(&s.ChangeAfter, "change-after", time.Second, "how long the wake-up query blocks before the change")
	fs.DurationVar(&s.ExpiryBound, "expiry-bound", 30*time.Second, "how long past the TTL to wait for the check to turn critical")
	fs.BoolVar(&s.WaitDCSA, "wait-deregister-critical", false, "also wait for DeregisterCriticalServiceAfter to remove an instance")
	fs.StringVar(&s.DCSA, "reap-after", "1m", "DeregisterCriticalServiceAfter of that instance")
	fs.DurationVar(&s.DCSABound, "reap-bound", 150*time.Second, "how long to wait for that removal")
	_ = fs.Parse(args)
	if r.ID == "" {
		r.ID = r.Name
	}
	if len(r.Tags) == 0 {
		r.Tags = []string{"primary"}
	}
	if ttl, err := time.ParseDuration(r.TTL); err != nil || ttl < s.ChangeAfter+2*s.TimeoutWait+time.Second {
		fmt.Fprintln(os.Stderr, "-ttl must be a duration longer than -change-after plus twice -timeout-wait plus 1s")
		return 2
	}
	s.Client, s.Reg = newClient(*token), *r
	failures := append([]string{}, s.Run()...)
	emit(Line{Step: "done", OK: len(failures) == 0, Extra: map[string]any{"failures": failures}})
	if len(failures) > 0 {
		return 1
	}
	return 0
}

// runWatch follows one health query with blocking queries, as Consul's watch plans do, and prints
// a line for the first answer and for each answer whose index moved, so a test can make a change
// on its side and read how the client saw it.
func runWatch(fs *flag.FlagSet, args []string) int {
	q := healthFlags(fs)
	maxEvents := fs.Int("max-events", 2, "stop after this many answers with a new index (the first included)")
	timeout := fs.Duration("timeout", 60*time.Second, "stop after this long")
	_ = fs.Parse(args)
	if q.Wait == 0 {
		q.Wait = 30 * time.Second
	}
	c := newClient(*token)
	deadline := time.Now().Add(*timeout)
	events := 0
	for events < *maxEvents && time.Now().Before(deadline) {
		query := *q
		entries, meta, err := c.Health().ServiceMultipleTags(query.Service, query.Tags, query.Passing, query.options())
		if err != nil {
			record("watch", time.Now(), nil, nil, err)
			return 1
		}
		if events == 0 || meta.LastIndex != q.Index {
			emit(Line{Step: "watch", OK: true, Meta: metaOut(meta), Result: entries})
			events++
		}
		q.Index = meta.LastIndex
	}
	if events < *maxEvents {
		emit(Line{Step: "watch-timeout", OK: false, Note: fmt.Sprintf("%d of %d answers", events, *maxEvents)})
		return 1
	}
	return 0
}
