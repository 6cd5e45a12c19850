package effects_test

import (
	"strings"
	"testing"

	"github.com/aurahost/aura-host/effects"
)

func TestParseOpIDAcceptsFamilyDotOperation(t *testing.T) {
	tests := []struct {
		in           string
		family, oper string
	}{
		{"crypto.hash", "crypto", "hash"},
		{"crypto.ed25519_sign", "crypto", "ed25519_sign"},
		{"a.b", "a", "b"},
		{"storage2.retrieve_batch", "storage2", "retrieve_batch"},
		{"x_.y__", "x_", "y__"},
	}
	for _, tt := range tests {
		id, err := effects.ParseOpID(tt.in)
		if err != nil {
			t.Errorf("ParseOpID(%q): %v", tt.in, err)
			continue
		}
		if id.String() != tt.in || id.Family() != tt.family || id.Operation() != tt.oper {
			t.Errorf("ParseOpID(%q) = %q: Family %q, Operation %q; want %q, %q", tt.in, id, id.Family(), id.Operation(), tt.family, tt.oper)
		}
	}
}

func TestParseOpIDRejectsMalformed(t *testing.T) {
	tests := []struct {
		in      string
		mention string // a fragment the error must contain to guide the author
	}{
		{"", "family.operation"},
		{"crypto", "family.operation"},
		{".hash", "family is empty"},
		{"crypto.", "operation name is empty"},
		{"crypto.hash.extra", "operation name"},
		{"Crypto.hash", "family"},
		{"crypto.Hash", "operation name"},
		{"1crypto.hash", "family"},
		{"crypto.1hash", "operation name"},
		{"_crypto.hash", "family"},
		{"crypto.-hash", "operation name"},
		{"cryp to.hash", "family"},
		{"crypto.hash ", "operation name"},
		{"crypto..hash", "operation name"},
		{"crypto/hash", "family.operation"},
		{"crypto.håsh", "operation name"},
		{"*.hash", "family"},
		{"crypto.*", "operation name"},
	}
	for _, tt := range tests {
		id, err := effects.ParseOpID(tt.in)
		if err == nil {
			t.Errorf("ParseOpID(%q) = %q, want an error", tt.in, id)
			continue
		}
		if !strings.Contains(err.Error(), tt.mention) || !strings.Contains(err.Error(), tt.in) {
			t.Errorf("ParseOpID(%q) error %q should name the input and mention %q", tt.in, err, tt.mention)
		}
	}
}

func TestMustOpIDPanicsOnInvalid(t *testing.T) {
	if got := effects.MustOpID("clock.now"); got != "clock.now" {
		t.Fatalf("MustOpID = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("MustOpID of an invalid ID did not panic")
		}
	}()
	effects.MustOpID("not an op")
}

func TestFamilyAndOperationOfUnvalidatedIDs(t *testing.T) {
	// OpID is a string type, so these can exist; the accessors must not panic.
	tests := []struct {
		id           effects.OpID
		family, oper string
	}{
		{"", "", ""},
		{"nodot", "nodot", ""},
		{"a.b.c", "a", "b.c"},
	}
	for _, tt := range tests {
		if tt.id.Family() != tt.family || tt.id.Operation() != tt.oper {
			t.Errorf("%q: Family %q, Operation %q; want %q, %q", tt.id, tt.id.Family(), tt.id.Operation(), tt.family, tt.oper)
		}
	}
}

func TestMatchOpPatterns(t *testing.T) {
	tests := []struct {
		pattern string
		op      effects.OpID
		want    bool
	}{
		{"*", effects.CryptoHash, true},
		{"crypto.*", effects.CryptoHash, true},
		{"crypto.*", effects.CryptoEd25519Sign, true},
		{"crypto.*", "cryptography.hash", false},
		{"crypto.*", effects.StorageStore, false},
		{"crypto.hash", "crypto.hash", true},
		{"crypto.hash", "crypto.hash_more", false},
		{"crypto.has", effects.CryptoHash, false},
		{"crypto", effects.CryptoHash, false},
		{"crypto.", effects.CryptoHash, false},
		{"*.hash", effects.CryptoHash, false},
		{".*", effects.CryptoHash, false},
		{"", effects.CryptoHash, false},
		{"CRYPTO.*", effects.CryptoHash, false},
	}
	for _, tt := range tests {
		if got := effects.MatchOp(tt.pattern, tt.op); got != tt.want {
			t.Errorf("MatchOp(%q, %q) = %v, want %v", tt.pattern, tt.op, got, tt.want)
		}
	}
}

// An operation ID is at most MaxOpIDBytes long, and the error for a longer
// one quotes only its start: a hostile plugin or peer cannot fill the
// registry, or every log line naming its ID, with megabytes.
func TestParseOpIDBoundsTheLength(t *testing.T) {
	longest := "f." + strings.Repeat("o", effects.MaxOpIDBytes-2)
	if _, err := effects.ParseOpID(longest); err != nil {
		t.Errorf("an ID of %d bytes: %v", len(longest), err)
	}
	for _, in := range []string{longest + "o", "f." + strings.Repeat("o", 1<<20)} {
		_, err := effects.ParseOpID(in)
		if err == nil || !strings.Contains(err.Error(), "at most 128") || len(err.Error()) > 200 {
			t.Errorf("an ID of %d bytes: %v; want a short error naming the bound", len(in), err)
		}
	}
}
