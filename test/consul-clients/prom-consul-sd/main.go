// prom-consul-sd runs Prometheus's own Consul service discovery (the package
// github.com/prometheus/prometheus/discovery/consul, as Prometheus runs it for a
// consul_sd_configs entry) against a server, and prints one JSON line per update it sends:
//
//	prom-consul-sd -config 'server: 127.0.0.1:8500
//	token: T
//	refresh_interval: 1s' [-timeout 120s]
//
// -config is one consul_sd_configs entry in prometheus.yml's YAML (server, token, scheme,
// path_prefix, datacenter, services, tags, node_meta, filter, health_filter, allow_stale,
// refresh_interval, authorization…), decoded by the package's own UnmarshalYAML, so defaults and
// validation are Prometheus's. Each line holds the groups of the update and the whole current
// state (every group by source, targets sorted by __address__), which is what a scrape would use.
// It stops after -timeout, or on SIGINT/SIGTERM, exiting 0; 1 if the discoverer cannot be made.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/discovery"
	"github.com/prometheus/prometheus/discovery/consul"
	"github.com/prometheus/prometheus/discovery/targetgroup"
	"go.yaml.in/yaml/v2"
)

type groupOut struct {
	Source  string              `json:"source"`
	Labels  map[string]string   `json:"labels"`
	Targets []map[string]string `json:"targets"`
}

type lineOut struct {
	ElapsedMs int64      `json:"elapsed_ms"`
	Update    []groupOut `json:"update"`
	State     []groupOut `json:"state"`
	Targets   int        `json:"targets"`
}

func labels(set model.LabelSet) map[string]string {
	out := make(map[string]string, len(set))
	for k, v := range set {
		out[string(k)] = string(v)
	}
	return out
}

func group(g *targetgroup.Group) groupOut {
	out := groupOut{Source: g.Source, Labels: labels(g.Labels), Targets: []map[string]string{}}
	for _, t := range g.Targets {
		out.Targets = append(out.Targets, labels(t))
	}
	sort.Slice(out.Targets, func(i, j int) bool {
		return out.Targets[i][model.AddressLabel] < out.Targets[j][model.AddressLabel]
	})
	return out
}

func main() {
	raw := flag.String("config", "", "one consul_sd_configs entry, YAML")
	timeout := flag.Duration("timeout", 120*time.Second, "stop after this long")
	flag.Parse()
	if *raw == "" {
		fmt.Fprintln(os.Stderr, "usage: prom-consul-sd -config '<consul_sd_configs entry as YAML>' [-timeout 120s]")
		os.Exit(2)
	}
	var cfg consul.SDConfig
	if err := yaml.UnmarshalStrict([]byte(*raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "config:", err)
		os.Exit(1)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := prometheus.NewRegistry()
	metrics := cfg.NewDiscovererMetrics(reg, discovery.NewRefreshMetrics(reg))
	if err := metrics.Register(); err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
		os.Exit(1)
	}
	d, err := cfg.NewDiscoverer(discovery.DiscovererOptions{Logger: logger, Metrics: metrics})
	if err != nil {
		fmt.Fprintln(os.Stderr, "discoverer:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	updates := make(chan []*targetgroup.Group)
	go d.Run(ctx, updates)

	start := time.Now()
	state := map[string]groupOut{}
	enc := json.NewEncoder(os.Stdout)
	for {
		select {
		case <-ctx.Done():
			return
		case groups := <-updates:
			line := lineOut{ElapsedMs: time.Since(start).Milliseconds(), Update: []groupOut{}, State: []groupOut{}}
			for _, g := range groups {
				if g == nil {
					continue
				}
				out := group(g)
				line.Update = append(line.Update, out)
				state[out.Source] = out
			}
			for _, g := range state {
				line.State = append(line.State, g)
				line.Targets += len(g.Targets)
			}
			sort.Slice(line.State, func(i, j int) bool { return line.State[i].Source < line.State[j].Source })
			if err := enc.Encode(line); err != nil {
				fmt.Fprintln(os.Stderr, "stdout:", err)
				os.Exit(1)
			}
		}
	}
}
