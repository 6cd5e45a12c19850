package main

import (
	"context"
	"errors"
	"testing"

	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

func args(kv ...any) sdk.Value {
	m := map[string]sdk.Value{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(sdk.Value)
	}
	return sdk.Map(m)
}

// TestConformance runs the check every Aura Host plugin must pass. greet
// rejects an empty name, so it gets a sample of valid arguments.
func TestConformance(t *testing.T) {
	sdktest.Conformance(t, newGreeter().plugin(),
		sdktest.WithSample("greeter.greet", args("name", sdk.String("Ada"))))
}

func TestOperations(t *testing.T) {
	cases := []struct {
		name   string
		config sdk.Value
		op     sdk.OpID
		args   sdk.Value
		want   sdk.Value
		code   sdk.Code // expected error code, if any
	}{
		{"greet with the default greeting", sdk.Map(nil), "greeter.greet", args("name", sdk.String("Ada")), sdk.String("Hello, Ada!"), ""},
		{"greet with a configured greeting", args("greeting", sdk.String("Bonjour")), "greeter.greet", args("name", sdk.String("Ada")), sdk.String("Bonjour, Ada!"), ""},
		{"greet nobody", sdk.Map(nil), "greeter.greet", args("name", sdk.String(" ")), sdk.Value{}, sdk.CodeInvalidArgs},
		{"greet with a number", sdk.Map(nil), "greeter.greet", args("name", sdk.Int(1)), sdk.Value{}, sdk.CodeInvalidArgs},
		{"shout", sdk.Map(nil), "greeter.shout", args("text", sdk.String("hi there")), sdk.String("HI THERE"), ""},
		{"nothing greeted yet", sdk.Map(nil), "greeter.greeted", sdk.Null(), sdk.Int(0), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := sdktest.New(t, newGreeter().plugin(), sdktest.WithConfig(tc.config))
			got, err := h.Invoke(context.Background(), tc.op, tc.args)
			if tc.code != "" {
				var e *sdk.Error
				if !errors.As(err, &e) || e.Code != tc.code {
					t.Fatalf("got %v, %v; want a %s error", got, err, tc.code)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestGreetingsAreCounted(t *testing.T) {
	h := sdktest.New(t, newGreeter().plugin())
	for _, name := range []string{"Ada", "Grace", "Edsger"} {
		if _, err := h.Invoke(context.Background(), "greeter.greet", args("name", sdk.String(name))); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := h.Invoke(context.Background(), "greeter.greeted", sdk.Null()); err != nil || !got.Equal(sdk.Int(3)) {
		t.Fatalf("greeted = %v, %v; want 3", got, err)
	}
}

func TestEmptyGreetingIsAConfigError(t *testing.T) {
	err := newGreeter().configure(context.Background(), &sdk.Configuration{Values: args("greeting", sdk.String(""))})
	var ce *sdk.ConfigError
	if !errors.As(err, &ce) || len(ce.Path) != 1 || ce.Path[0] != "greeting" {
		t.Fatalf("got %v, want a config error on greeting", err)
	}
}
