package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/consul/api"
)

// Line is one JSON line on stdout: what one call of the official client returned, as the client
// parsed it. The TypeScript tests assert on these lines, so every field the client decoded is
// printed through the client's own structs (encoding/json of api.ServiceEntry, api.CatalogService…).
type Line struct {
	Step      string         `json:"step"`
	OK        bool           `json:"ok"`
	ElapsedMs int64          `json:"elapsed_ms"`
	Meta      *MetaOut       `json:"meta,omitempty"`
	Result    any            `json:"result,omitempty"`
	Error     *ErrorOut      `json:"error,omitempty"`
	Note      string         `json:"note,omitempty"`
	Extra     map[string]any `json:"extra,omitempty"`
}

// MetaOut is the part of api.QueryMeta that the server's headers set.
type MetaOut struct {
	LastIndex     uint64 `json:"last_index"`
	KnownLeader   bool   `json:"known_leader"`
	LastContactMs int64  `json:"last_contact_ms"`
}

// ErrorOut is a client error: for a non-2xx answer, the status and the body as api.StatusError
// carries them (the client trims the body); otherwise only the message (a decode or network error).
type ErrorOut struct {
	Status  int    `json:"status,omitempty"`
	Body    string `json:"body,omitempty"`
	Message string `json:"message"`
}

var outMu sync.Mutex

func emit(line Line) {
	outMu.Lock()
	defer outMu.Unlock()
	b, err := json.Marshal(line)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot encode step %s: %v\n", line.Step, err)
		os.Exit(3)
	}
	os.Stdout.Write(append(b, '\n'))
}

func metaOut(m *api.QueryMeta) *MetaOut {
	if m == nil {
		return nil
	}
	return &MetaOut{LastIndex: m.LastIndex, KnownLeader: m.KnownLeader, LastContactMs: m.LastContact.Milliseconds()}
}

func errorOut(err error) *ErrorOut {
	if err == nil {
		return nil
	}
	var status api.StatusError
	if errors.As(err, &status) {
		return &ErrorOut{Status: status.Code, Body: status.Body, Message: err.Error()}
	}
	return &ErrorOut{Message: err.Error()}
}

// record prints the outcome of one call and returns it, so a scenario can go on from it.
func record(step string, start time.Time, result any, meta *api.QueryMeta, err error) Line {
	line := Line{
		Step:      step,
		OK:        err == nil,
		ElapsedMs: time.Since(start).Milliseconds(),
		Meta:      metaOut(meta),
		Error:     errorOut(err),
	}
	if err == nil {
		line.Result = result
	}
	emit(line)
	return line
}
