package crypto

import (
	"context"
	"fmt"

	"filippo.io/edwards25519"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
)

// frostCheckOperations are the coordinator's check of signature shares
// before it aggregates them: what lets a threshold signer name a cheating
// device and sign again without it.
func frostCheckOperations() []sdk.Operation {
	return []sdk.Operation{{
		Spec: sdk.OpSpec{
			ID: effects.CryptoFrostVerifyShares,
			Doc: "Checks each signature share of the package against its participant's verifying share (RFC 9591 §5.4). " +
				"Returns the identifiers whose share is invalid (a list of ints, empty when all are valid). A share from " +
				"a participant with no verifying share is invalid_args.",
			Params: []sdk.Param{
				{Name: "pkg", Kind: sdk.KindMap, Doc: packageDoc},
				{Name: "shares", Kind: sdk.KindList, Doc: "the signature shares: list of map {identifier: int, share: bytes}"},
				{Name: "verifying_shares", Kind: sdk.KindList, Doc: "the participants' public shares: list of map {identifier: int, public: bytes}"},
			},
			Result:      sdk.KindList,
			Idempotent:  true,
			Determinism: sdk.Pure,
		},
		Handle: frostVerifyShares,
	}}
}

func frostVerifyShares(_ context.Context, c *sdk.Call) (sdk.Value, error) {
	pkg, err := decodePackage(c.Arg("pkg"))
	if err != nil {
		return sdk.Value{}, err
	}
	publics := map[uint64]*edwards25519.Point{}
	for i, it := range c.Arg("verifying_shares").Items() {
		r := record{it, fmt.Sprintf("verifying_shares[%d]", i)}
		id, err := r.identifier()
		if err != nil {
			return sdk.Value{}, err
		}
		if publics[id], err = r.element("public"); err != nil {
			return sdk.Value{}, err
		}
	}
	var invalidIDs []sdk.Value
	for i, it := range c.Arg("shares").Items() {
		r := record{it, fmt.Sprintf("shares[%d]", i)}
		id, err := r.identifier()
		if err != nil {
			return sdk.Value{}, err
		}
		z, err := r.scalar("share")
		if err != nil {
			return sdk.Value{}, err
		}
		j := pkg.ctx.index(id)
		if j < 0 {
			return sdk.Value{}, invalid("%s is from participant %d, who is not in the signing package (participants %v)", r.where, id, pkg.ctx.ids())
		}
		pub, ok := publics[id]
		if !ok {
			return sdk.Value{}, invalid("%s: participant %d has no verifying share", r.where, id)
		}
		if !pkg.ctx.verifyShare(j, z, pub) {
			invalidIDs = append(invalidIDs, sdk.Int(int64(id)))
		}
	}
	return sdk.List(invalidIDs...), nil
}
