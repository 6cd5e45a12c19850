package facade

import (
	"context"

	"github.com/aurahost/aura-host/effects"
)

// Holds is the client of the hold service (host/holds), hosted by the
// agent runtime: deposit a sealed envelope for an offline peer with
// holders, retrieve what holders keep for the caller, submit witnesses,
// read the holders' scores.
type Holds struct{ c caller }

var (
	opHoldDeposit = declare("Holds.Deposit", effects.HoldDeposit, effects.KindMap,
		arg("recipient", effects.KindString), arg("payload", effects.KindBytes), opt("holders", effects.KindList))
	opHoldStatus   = declare("Holds.Status", effects.HoldStatus, effects.KindMap, arg("id", effects.KindBytes))
	opHoldList     = declare("Holds.List", effects.HoldList, effects.KindList)
	opHoldHeld     = declare("Holds.Held", effects.HoldHeld, effects.KindList)
	opHoldRetrieve = declare("Holds.Retrieve", effects.HoldRetrieve, effects.KindMap, opt("holders", effects.KindList))
	opHoldReceived = declare("Holds.Received", effects.HoldReceived, effects.KindMap)
	opHoldWitness  = declare("Holds.Witness", effects.HoldWitness, effects.KindMap, arg("witness", effects.KindBytes))
	opHoldHealth   = declare("Holds.Health", effects.HoldHealth, effects.KindList)
)

// HoldDeposit is one of the caller's deposits.
type HoldDeposit struct {
	ID        []byte   // 16 bytes
	Recipient string   // authority id
	Holders   []string // where it was sent
	Acked     []string // holders that keep it
	Refused   []string // holders that refused it
	State     string   // pending, held, refused, delivered, expired
	CreatedMs int64
	ExpiresMs int64
}

func readHoldDeposit(r reader) HoldDeposit {
	return HoldDeposit{ID: r.bytesN("id", 16), Recipient: r.str("recipient"), Holders: r.strings("holders"),
		Acked: r.strings("acked"), Refused: r.strings("refused"), State: r.str("state"),
		CreatedMs: r.int("created_ms"), ExpiresMs: r.int("expires_ms")}
}

// HeldEnvelope is an envelope the agent holds for another (no payload).
type HeldEnvelope struct {
	ID                   []byte
	Depositor, Recipient string
	Bytes                int64
	ExpiresMs            int64
	Retrieved            int64
}

// ReceivedEnvelope is an envelope the caller received and verified.
type ReceivedEnvelope struct {
	ID        []byte
	Depositor string
	Payload   []byte
	CreatedMs int64
	Holders   []string // who delivered it intact
}

// HoldRefusal is a refused retrieval (or a delivery the caller refused).
type HoldRefusal struct {
	Holder  string
	Deposit []byte
	Reason  string // code and message
	AtMs    int64
}

// HoldRetrieval is what the caller has received, and was refused.
type HoldRetrieval struct {
	Asked    int // holders asked by this call (Retrieve only)
	Received []ReceivedEnvelope
	Refusals []HoldRefusal
}

func readRetrieval(r reader) HoldRetrieval {
	return HoldRetrieval{Asked: int(r.optInt("asked")),
		Received: records(r, "received", func(e reader) ReceivedEnvelope {
			return ReceivedEnvelope{ID: e.bytesN("id", 16), Depositor: e.str("depositor"), Payload: e.bytes("payload"),
				CreatedMs: e.int("created_ms"), Holders: e.strings("holders")}
		}),
		Refusals: records(r, "refusals", func(e reader) HoldRefusal {
			return HoldRefusal{Holder: e.str("holder"), Deposit: e.bytesN("deposit", 16), Reason: e.str("reason"), AtMs: e.int("at_ms")}
		}),
	}
}

// HolderScore is a holder's record from verified witnesses.
type HolderScore struct {
	Holder            string
	Delivered, Failed int64
}

func readScore(r reader) HolderScore {
	return HolderScore{Holder: r.str("holder"), Delivered: r.int("delivered"), Failed: r.int("failed")}
}

// Deposit seals payload for recipient and sends it to holders (none: the
// service's choice). A payload over 16 KiB, or a holder that is no peer,
// matches effects.ErrInvalidArgs; a full movement queue,
// effects.ErrExhausted.
func (x *Holds) Deposit(ctx context.Context, recipient string, payload []byte, holders ...string) (HoldDeposit, error) {
	args := map[string]effects.Value{"recipient": effects.String(recipient), "payload": effects.Bytes(payload)}
	if len(holders) > 0 {
		args["holders"] = stringList(holders)
	}
	v, err := x.c.invoke(ctx, opHoldDeposit, args)
	if err != nil {
		return HoldDeposit{}, err
	}
	return decodeRecord(opHoldDeposit, v, readHoldDeposit)
}

// Status returns one of the caller's deposits (unknown: effects.ErrNotFound).
func (x *Holds) Status(ctx context.Context, id []byte) (HoldDeposit, error) {
	v, err := x.c.invoke(ctx, opHoldStatus, map[string]effects.Value{"id": effects.Bytes(id)})
	if err != nil {
		return HoldDeposit{}, err
	}
	return decodeRecord(opHoldStatus, v, readHoldDeposit)
}

// List returns the caller's deposits, oldest first.
func (x *Holds) List(ctx context.Context) ([]HoldDeposit, error) {
	v, err := x.c.invoke(ctx, opHoldList, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opHoldList, v, readHoldDeposit)
}

// Held returns what the agent holds for others.
func (x *Holds) Held(ctx context.Context) ([]HeldEnvelope, error) {
	v, err := x.c.invoke(ctx, opHoldHeld, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opHoldHeld, v, func(r reader) HeldEnvelope {
		return HeldEnvelope{ID: r.bytesN("id", 16), Depositor: r.str("depositor"), Recipient: r.str("recipient"),
			Bytes: r.int("bytes"), ExpiresMs: r.int("expires_ms"), Retrieved: r.int("retrieved")}
	})
}

// Retrieve asks holders (none: every peer) for what they hold for the
// caller; answers arrive asynchronously (Received).
func (x *Holds) Retrieve(ctx context.Context, holders ...string) (HoldRetrieval, error) {
	var args map[string]effects.Value
	if len(holders) > 0 {
		args = map[string]effects.Value{"holders": stringList(holders)}
	}
	v, err := x.c.invoke(ctx, opHoldRetrieve, args)
	if err != nil {
		return HoldRetrieval{}, err
	}
	return decodeRecord(opHoldRetrieve, v, readRetrieval)
}

// Received returns what the caller received and verified, and the
// refusals, without asking anyone.
func (x *Holds) Received(ctx context.Context) (HoldRetrieval, error) {
	v, err := x.c.invoke(ctx, opHoldReceived, nil)
	if err != nil {
		return HoldRetrieval{}, err
	}
	return decodeRecord(opHoldReceived, v, readRetrieval)
}

// Witness submits a recipient's signed witness; a signature that is not
// the recipient's matches effects.ErrInvalidSignature and changes nothing.
func (x *Holds) Witness(ctx context.Context, witness []byte) (HolderScore, error) {
	v, err := x.c.invoke(ctx, opHoldWitness, map[string]effects.Value{"witness": effects.Bytes(witness)})
	if err != nil {
		return HolderScore{}, err
	}
	return decodeRecord(opHoldWitness, v, readScore)
}

// Health returns the holders' scores from verified witnesses.
func (x *Holds) Health(ctx context.Context) ([]HolderScore, error) {
	v, err := x.c.invoke(ctx, opHoldHealth, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(opHoldHealth, v, readScore)
}

// The hold family's probes (CheckResult), kept beside its methods.
func init() {
	for op, probe := range map[effects.OpID]func(context.Context, *Clients, effects.Value) error{
		opHoldDeposit.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
			return errOf(c.Holds.Deposit(ctx, "", nil))
		},
		opHoldStatus.id:   func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Holds.Status(ctx, nil)) },
		opHoldList.id:     func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Holds.List(ctx)) },
		opHoldHeld.id:     func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Holds.Held(ctx)) },
		opHoldRetrieve.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Holds.Retrieve(ctx)) },
		opHoldReceived.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Holds.Received(ctx)) },
		opHoldWitness.id:  func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Holds.Witness(ctx, nil)) },
		opHoldHealth.id:   func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Holds.Health(ctx)) },
	} {
		probes[op] = probe
	}
}
