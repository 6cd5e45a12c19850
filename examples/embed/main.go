// Command embed shows a Go program embedding the Aura runtime: it builds an
// agent with agent.Builder from deployment.hcl, then runs an
// invitation (invite, export as a code, import, accept) and a guardian
// recovery (three guardians, threshold two, approvals signed with real
// Ed25519 keys) through the agent's service facades. The same program runs
// in production, testing and simulation mode:
//
//	go run ./examples/embed --mode testing
//	go run ./examples/embed --mode simulation --seed 7
//
// Built-in plugins run in process here (no aura-host binary needed); every
// call still passes the router and the guard chain.
package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/effects/facade"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/plugins"
)

func main() {
	mode := flag.String("mode", "testing", "execution mode: production, testing or simulation")
	seed := flag.Uint64("seed", 7, "seed for simulation mode")
	deployment := flag.String("deployment", defaultDeployment(), "deployment file")
	flag.Parse()
	m, err := effects.ParseMode(*mode)
	if err == nil {
		err = run(context.Background(), os.Stdout, *deployment, m, *seed)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// defaultDeployment is deployment.hcl beside this file.
func defaultDeployment() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "deployment.hcl")
}

// run builds the agent in mode and runs the invitation and the recovery.
func run(ctx context.Context, w io.Writer, deployment string, mode effects.Mode, seed uint64) error {
	b := agent.NewBuilder().WithDeployment(deployment).WithAuthorityLabel("alice").
		WithBuiltins(plugins.Lookup, true)
	var (
		alice *agent.Agent
		err   error
	)
	switch mode {
	case effects.Production:
		alice, err = b.BuildProduction(ctx)
	case effects.Testing:
		alice, err = b.BuildTesting(ctx)
	default:
		alice, err = b.BuildSimulation(ctx, seed)
	}
	if err != nil {
		return err
	}
	defer alice.Shutdown(context.Background())
	fmt.Fprintf(w, "agent %s (%s mode)\n", alice.AuthorityID(), alice.Mode())
	if err := invite(ctx, w, alice); err != nil {
		return fmt.Errorf("invitation: %w", err)
	}
	if err := recover(ctx, w, alice); err != nil {
		return fmt.Errorf("recovery: %w", err)
	}
	return nil
}

// invite: alice invites bob as a guardian, shares the invitation as a
// code, and bob (importing the code) accepts it.
func invite(ctx context.Context, w io.Writer, alice *agent.Agent) error {
	inv, err := alice.Invitations().Invite(ctx, facade.InviteRequest{Kind: facade.InviteGuardian,
		Sender: "alice", Receiver: "bob", TTL: time.Hour, Message: "be my guardian"})
	if err != nil {
		return err
	}
	code, err := alice.Invitations().Export(ctx, inv.ID)
	if err != nil {
		return err
	}
	imported, err := alice.Invitations().Import(ctx, code)
	if err != nil {
		return err
	}
	accepted, err := alice.Invitations().Accept(ctx, imported.ID, "bob")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "invitation %s: %s → %s, code %s…, %s\n", accepted.ID, accepted.Sender, accepted.Receiver, code[:16], accepted.Status)
	return nil
}

// recover: three guardians with fresh Ed25519 keys; alice initiates a
// recovery with threshold two; two guardians sign the approval message.
func recover(ctx context.Context, w io.Writer, alice *agent.Agent) error {
	fx := alice.Effects()
	var guardians []facade.Guardian
	keys := map[string]ed25519.PrivateKey{}
	for _, id := range []string{"carol", "dave", "erin"} {
		kp, err := fx.Crypto.GenerateKeypair(ctx)
		if err != nil {
			return err
		}
		guardians = append(guardians, facade.Guardian{ID: id, PublicKey: kp.Public})
		keys[id] = ed25519.PrivateKey(kp.Private)
	}
	req, err := alice.Recovery().Initiate(ctx, facade.RecoveryParams{Account: "alice",
		Operation: facade.RecoveryReplaceTree, Guardians: guardians, Threshold: 2, TTL: time.Hour})
	if err != nil {
		return err
	}
	msg, err := alice.Recovery().ApprovalMessage(ctx, req.ID, facade.RecoveryReplaceTree, "alice")
	if err != nil {
		return err
	}
	var res facade.RecoveryResult
	for _, g := range []string{"carol", "erin"} {
		if res, err = alice.Recovery().SubmitApproval(ctx, facade.GuardianApproval{RecoveryID: req.ID, GuardianID: g,
			Signature: ed25519.Sign(keys[g], msg)}); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "recovery %s: %s (%d of %d approvals), grant fact %x\n", req.ID, res.State.Phase,
		res.State.Collected, res.State.Required, res.GrantFactID)
	return nil
}
