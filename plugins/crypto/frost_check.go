package crypto

import (
	"context"

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
				"Returns the identifiers whose share is invalid (a list of ints, empty when all are valid). Shares are read " +
				"as frost_aggregate_signatures reads them (a participant outside the package, or two shares from one, is " +
				"invalid_args); a share from a participant with no verifying share is invalid_args.",
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
	zs, err := signatureShares(pkg, c.Arg("shares"))
	if err != nil {
		return sdk.Value{}, err
	}
	publics, err := verifyingShares(c.Arg("verifying_shares"), "verifying_shares")
	if err != nil {
		return sdk.Value{}, err
	}
	invalidIDs := []sdk.Value{}
	for j, z := range zs {
		if z == nil {
			continue
		}
		id := pkg.ctx.list[j].id
		pub, ok := publics[id]
		if !ok {
			return sdk.Value{}, invalid("participant %d's signature share has no verifying share to check it against", id)
		}
		if !pkg.ctx.verifyShare(j, z, pub) {
			invalidIDs = append(invalidIDs, sdk.Int(int64(id)))
		}
	}
	return sdk.List(invalidIDs...), nil
}
