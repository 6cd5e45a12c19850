// Command embed shows a Go program embedding the Aura runtime: it builds
// four agents with agent.Builder from deployment.hcl — alice and her
// guardians carol, dave and erin, each knowing the others' device keys as
// peer keys — then runs an invitation (alice invites carol; the code is
// signed by alice's device, checked by carol's service, accepted by carol
// as herself, her signed answer checked by alice's) and a guardian recovery (alice's guardian set journaled and
// signed, threshold two, approvals signed by the guardians' own device
// keys through device.sign) through the agents' service facades. No device
// key ever leaves its agent. The same program runs in production, testing
// and simulation mode:
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
	"sync"
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

// The agents of this program: alice, whose account is recovered, and her
// three guardians.
var (
	account   = "alice"
	guardians = []string{"carol", "dave", "erin"}
)

// run builds the agents in mode and runs the invitation and the recovery.
func run(ctx context.Context, w io.Writer, deployment string, mode effects.Mode, seed uint64) error {
	// Each agent knows the others' device keys: the deployment's peer keys,
	// the trust anchor for another authority's key. The map is filled as
	// the agents are built; the lookup is made later, at call time.
	var mu sync.Mutex
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	peers := func(id effects.AuthorityID) (ed25519.PublicKey, bool) {
		mu.Lock()
		defer mu.Unlock()
		k, ok := keys[id]
		return k, ok
	}
	agents := map[string]*agent.Agent{}
	defer func() {
		for _, a := range agents {
			_ = a.Shutdown(context.Background())
		}
	}()
	for _, label := range append([]string{account}, guardians...) {
		b := agent.NewBuilder().WithDeployment(deployment).WithAuthorityLabel(label).
			WithBuiltins(plugins.Lookup, true).WithPeerKeys(peers)
		var (
			a   *agent.Agent
			err error
		)
		switch mode {
		case effects.Production:
			// Each agent keeps its own state (plugin data, device key).
			a, err = b.WithStateDir(filepath.Join(filepath.Dir(deployment), ".aura", "embed", label)).BuildProduction(ctx)
		case effects.Testing:
			a, err = b.BuildTesting(ctx)
		default:
			a, err = b.BuildSimulation(ctx, seed)
		}
		if err != nil {
			return fmt.Errorf("agent %s: %w", label, err)
		}
		agents[label] = a
		mu.Lock()
		keys[a.AuthorityID()] = a.PublicKey()
		mu.Unlock()
	}
	alice := agents[account]
	fmt.Fprintf(w, "agent %s (%s mode), guardians %s, %s, %s\n", alice.AuthorityID(), alice.Mode(),
		agents["carol"].AuthorityID(), agents["dave"].AuthorityID(), agents["erin"].AuthorityID())
	if err := invite(ctx, w, alice, agents["carol"]); err != nil {
		return fmt.Errorf("invitation: %w", err)
	}
	if err := recover(ctx, w, alice, agents); err != nil {
		return fmt.Errorf("recovery: %w", err)
	}
	return nil
}

// invite: alice invites carol as a guardian and shares the invitation as a
// code (signed by alice's device); carol imports it — her service checks
// the signature against the key the deployment knows for alice — and
// accepts it, as herself (signed by her device); her answer goes back to
// alice as a code, checked the same way.
func invite(ctx context.Context, w io.Writer, alice, carol *agent.Agent) error {
	inv, err := alice.Invitations().Invite(ctx, facade.InviteRequest{Kind: facade.InviteGuardian,
		Receiver: carol.AuthorityID().String(), TTL: time.Hour, Message: "be my guardian"})
	if err != nil {
		return err
	}
	code, err := alice.Invitations().Export(ctx, inv.ID)
	if err != nil {
		return err
	}
	imported, err := carol.Invitations().Import(ctx, code)
	if err != nil {
		return err
	}
	if _, err := carol.Invitations().Accept(ctx, imported.ID); err != nil {
		return err
	}
	// carol's signed acceptance travels back to alice, whose service checks
	// it against the key the deployment knows for carol.
	answer, err := carol.Invitations().ExportAnswer(ctx, imported.ID)
	if err != nil {
		return err
	}
	accepted, err := alice.Invitations().ImportAnswer(ctx, answer)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "invitation %s: %s → %s, code %s…, %s (as alice sees it)\n", accepted.ID, accepted.Sender, accepted.Receiver, code[:16], accepted.Status)
	return nil
}

// recover: alice journals her guardian set (the three guardians' authorities;
// their keys come from the deployment, the set is signed by her device),
// initiates a recovery, and two guardians approve with their own devices.
func recover(ctx context.Context, w io.Writer, alice *agent.Agent, agents map[string]*agent.Agent) error {
	ids := make([]string, len(guardians))
	for i, g := range guardians {
		ids[i] = agents[g].AuthorityID().String()
	}
	if _, err := alice.Recovery().SetGuardians(ctx, ids, 2); err != nil {
		return err
	}
	req, err := alice.Recovery().Initiate(ctx, facade.RecoveryParams{Operation: facade.RecoveryReplaceTree, TTL: time.Hour})
	if err != nil {
		return err
	}
	msg, err := alice.Recovery().ApprovalMessage(ctx, req.ID, facade.RecoveryReplaceTree, req.Account)
	if err != nil {
		return err
	}
	var res facade.RecoveryResult
	for _, g := range []string{"carol", "erin"} {
		guardian := agents[g]
		sig, err := guardian.Effects().Device.Sign(ctx, effects.PurposeRecoveryApproval, msg)
		if err != nil {
			return fmt.Errorf("%s signs: %w", g, err)
		}
		if res, err = alice.Recovery().SubmitApproval(ctx, facade.GuardianApproval{RecoveryID: req.ID,
			GuardianID: guardian.AuthorityID().String(), Signature: sig}); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "recovery %s: %s (%d of %d approvals), grant fact %x\n", req.ID, res.State.Phase,
		res.State.Collected, res.State.Required, res.GrantFactID)
	return nil
}
