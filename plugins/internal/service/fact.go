package service

import (
	"fmt"
	"strings"

	"github.com/aurahost/aura-host/sdk"
)

// Fact is one journal fact a service records: a predicate naming what
// happened ("invitation.accepted"), when, and a body (a map) saying to
// what.
//
// On the wire a fact is the journal's map {type, authority, time,
// predicate, body}: type is the fact type the journal's registry knows it
// by — the service's family, the part of the predicate before the dot —,
// authority the 16 bytes of the authority the service acts for, time the
// event's time in milliseconds, and body the domain fields. The journal is
// content-addressed — two facts with the same encoding are one fact — so a
// fact must carry what makes its event distinct, and an event that may be
// recorded twice (an expiry noticed by two operations) must be recorded
// with the same time both times.
type Fact struct {
	Predicate string
	Time      int64
	Body      sdk.Value
	// ID is the journal's identifier of the fact, when the journal gave one
	// back (set on facts read from the journal).
	ID []byte
}

// Type returns the fact type: the predicate's family.
func (f Fact) Type() string {
	family, _, _ := strings.Cut(f.Predicate, ".")
	return family
}

// Value returns the fact as journal.append_fact takes it, recorded for
// authority.
func (f Fact) Value(authority sdk.AuthorityID) sdk.Value {
	return sdk.Map(map[string]sdk.Value{
		"type":      sdk.String(f.Type()),
		"authority": sdk.Bytes(authority[:]),
		"time":      sdk.Int(f.Time),
		"predicate": sdk.String(f.Predicate),
		"body":      f.Body,
	})
}

// DecodeFact reads one item of a journal listing. It accepts the fact map
// itself, or a record that holds it under "fact" (with the fact's id under
// "id"), so a journal may list either.
func DecodeFact(item sdk.Value) (Fact, error) {
	var f Fact
	if inner, ok := item.Get("fact"); ok && inner.Kind() == sdk.KindMap {
		if id, ok := item.Get("id"); ok {
			f.ID, _ = id.AsBytes()
		}
		item = inner
	}
	if item.Kind() != sdk.KindMap {
		return f, fmt.Errorf("fact is %s, want a map", item.Kind())
	}
	pred, _ := item.Get("predicate")
	var ok bool
	if f.Predicate, ok = pred.AsString(); !ok || f.Predicate == "" {
		return f, fmt.Errorf("fact has no predicate")
	}
	if f.ID == nil {
		if id, ok := item.Get("id"); ok {
			f.ID, _ = id.AsBytes()
		}
	}
	if tm, ok := item.Get("time"); ok {
		f.Time, _ = tm.AsInt()
	}
	body, ok := item.Get("body")
	if !ok || body.Kind() != sdk.KindMap {
		return f, fmt.Errorf("%s fact has no body map", f.Predicate)
	}
	f.Body = body
	return f, nil
}

// ExpiryFact is the fact that the entry id (a session, an invitation)
// expired at expiresMS, recorded under predicate. Its time and body depend
// only on the entry, so noticing the expiry twice records one fact.
func ExpiryFact(predicate, id string, expiresMS int64) Fact {
	return Fact{Predicate: predicate, Time: expiresMS,
		Body: sdk.Map(map[string]sdk.Value{"id": sdk.String(id), "expires_ms": sdk.Int(expiresMS)})}
}
