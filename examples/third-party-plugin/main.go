// Command greeter is an Aura Host plugin written the way an outside author
// writes one: its own main package, importing nothing of Aura Host but the
// sdk package. aura-host starts it as a subprocess (command + sha256 in a
// deployment's plugin block) and talks to it over gRPC.
//
// It serves three operations in the "greeter" family:
//
//	greeter.greet(name string) -> string   "<greeting>, <name>!"
//	greeter.shout(text string) -> string   text in upper case
//	greeter.greeted() -> int               greetings served so far
//
// and accepts one config attribute, greeting (string, default "Hello").
//
// Built and run by hand it only explains that it is a plugin: the host
// passes it the handshake it needs.
package main

import (
	"context"
	"strings"
	"sync"

	"github.com/aurahost/aura-host/sdk"
)

func main() {
	sdk.Serve(newGreeter().plugin())
}

// greeter is the plugin's state: its configured greeting and a count.
type greeter struct {
	mu       sync.Mutex
	greeting string
	greeted  int64
}

func newGreeter() *greeter { return &greeter{greeting: "Hello"} }

// plugin declares what the greeter serves, next to the functions that
// serve it.
func (g *greeter) plugin() *sdk.Plugin {
	return &sdk.Plugin{
		Name:    "greeter",
		Version: "1.0.0",
		Config: []sdk.ConfigField{{
			Name:    "greeting",
			Kind:    sdk.KindString,
			Default: sdk.String("Hello"),
			Doc:     `The word greet puts before the name, e.g. "Bonjour". Default "Hello".`,
		}},
		Configure: g.configure,
		Operations: []sdk.Operation{
			{
				Spec: sdk.OpSpec{
					ID:          "greeter.greet",
					Doc:         `Greets name with the configured greeting: returns "<greeting>, <name>!" (string).`,
					Params:      []sdk.Param{{Name: "name", Kind: sdk.KindString, Doc: "who to greet; not empty"}},
					Result:      sdk.KindString,
					Determinism: sdk.WritesWorld, // it counts the greetings it serves
				},
				Handle: g.greet,
			},
			{
				Spec: sdk.OpSpec{
					ID:          "greeter.shout",
					Doc:         "Returns text in upper case (string).",
					Params:      []sdk.Param{{Name: "text", Kind: sdk.KindString, Doc: "the text to shout"}},
					Result:      sdk.KindString,
					Idempotent:  true,
					Determinism: sdk.Pure,
				},
				Handle: shout,
			},
			{
				Spec: sdk.OpSpec{
					ID:          "greeter.greeted",
					Doc:         "Returns how many greetings this plugin process has served (int).",
					Result:      sdk.KindInt,
					Idempotent:  true,
					Determinism: sdk.ReadsWorld,
				},
				Handle: g.count,
			},
		},
	}
}

// configure receives the plugin's config {} block. Values the user did not
// set are absent (the host fills in declared defaults, a test harness may
// not), so the default is applied here too.
func (g *greeter) configure(_ context.Context, c *sdk.Configuration) error {
	greeting := "Hello"
	if v, ok := c.Values.Get("greeting"); ok && !v.IsNull() {
		greeting, _ = v.AsString()
	}
	if strings.TrimSpace(greeting) == "" {
		// A ConfigError points the user at the attribute in their HCL file.
		return &sdk.ConfigError{Path: []string{"greeting"}, Summary: "empty greeting",
			Detail: `greeting must contain a word, e.g. "Hello"; leave it out to use the default.`}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.greeting = greeting
	return nil
}

// greet runs after the SDK has checked the arguments against the schema:
// "name" is present and a string, so only its content needs checking.
func (g *greeter) greet(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	name, _ := c.Arg("name").AsString()
	if strings.TrimSpace(name) == "" {
		return sdk.Value{}, sdk.Errorf(sdk.CodeInvalidArgs, "name must not be empty")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.greeted++
	return sdk.String(g.greeting + ", " + name + "!"), nil
}

func shout(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	text, _ := c.Arg("text").AsString()
	return sdk.String(strings.ToUpper(text)), nil
}

func (g *greeter) count(_ context.Context, _ *sdk.Call) (sdk.Value, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return sdk.Int(g.greeted), nil
}
