package facade

import (
	"context"
	"fmt"
	"math"

	"github.com/aurahost/aura-host/effects"
)

// CheckResult reports whether the facade method that calls call.Op decodes
// result as the answer to call: nil if it does, the *effects.Error (with its
// ShapeError) the method would return if it does not. An operation no
// facade calls is an error too.
//
// It is the other half of the test helper for plugin maintainers: CheckSpecs
// compares declarations, CheckResult the shape of a real result, which an
// OpSpec does not describe (the fields of a map, the items of a list, the
// sizes of bytes):
//
//	call := &effects.Call{Op: "session.create", Args: args}
//	v, err := local.Invoke(ctx, call)
//	...
//	if err := facade.CheckResult(call, v); err != nil {
//		t.Error(err)
//	}
//
// The method runs against a stand-in invoker that answers result at once,
// so nothing else is called and nothing blocks.
func CheckResult(call *effects.Call, result effects.Value) error {
	probe, ok := probes[call.Op]
	if !ok {
		return fmt.Errorf("no facade method calls %s", call.Op)
	}
	answer := effects.HandlerFunc(func(context.Context, *effects.Call) (effects.Value, error) { return result, nil })
	return probe(context.Background(), New(answer), call.Args)
}

// probes call each operation's method, for CheckResult. Arguments are zero
// values, except where a method's decoding depends on them (an expected
// length, a range): those are read back from the call's arguments.
var probes = map[effects.OpID]func(context.Context, *Clients, effects.Value) error{
	opHash.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Crypto.Hash(ctx, nil)) },
	opKDF.id: func(ctx context.Context, c *Clients, a effects.Value) error {
		return errOf(c.Crypto.KDF(ctx, nil, nil, nil, argInt(a, "len")))
	},
	opGenerateKeypair.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.GenerateKeypair(ctx))
	},
	opSign.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.Sign(ctx, nil, nil))
	},
	opVerify.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.Verify(ctx, nil, nil, nil))
	},
	opPublicKey.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.PublicKey(ctx, nil))
	},
	opSeal.id: func(ctx context.Context, c *Clients, a effects.Value) error {
		return errOf(c.Crypto.Seal(ctx, nil, nil, argBytes(a, "plaintext"), nil))
	},
	opOpen.id: func(ctx context.Context, c *Clients, a effects.Value) error {
		return errOf(c.Crypto.Open(ctx, nil, nil, argBytes(a, "ciphertext"), nil))
	},
	opFrostGenerateKeys.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostGenerateKeys(ctx, 0, 0))
	},
	opFrostGenerateNonces.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostGenerateNonces(ctx, FrostKeyShare{}))
	},
	opFrostSigningPackage.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostSigningPackage(ctx, nil, nil, nil, nil))
	},
	opFrostSignShare.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostSignShare(ctx, FrostSigningPackage{}, FrostKeyShare{}, FrostNonces{}))
	},
	opFrostAggregate.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostAggregate(ctx, FrostSigningPackage{}, nil, nil))
	},
	opFrostVerify.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostVerify(ctx, nil, nil, nil))
	},
	opFrostVerifyShares.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostVerifyShares(ctx, FrostSigningPackage{}, nil, nil))
	},
	opFrostKeyInfo.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostKeyInfo(ctx, ""))
	},
	opFrostKeyNonces.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostKeyNonces(ctx, ""))
	},
	opFrostKeySignShare.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Crypto.FrostKeySignShare(ctx, "", FrostSigningPackage{}, ""))
	},

	opStore.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return c.Storage.Store(ctx, "", nil) },
	opRetrieve.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Storage.Retrieve(ctx, ""))
	},
	opRemove.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Storage.Remove(ctx, "")) },
	opListKeys.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Storage.ListKeys(ctx, ""))
	},
	opExists.id:     func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Storage.Exists(ctx, "")) },
	opStoreBatch.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return c.Storage.StoreBatch(ctx, nil) },
	opRetrieveBatch.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Storage.RetrieveBatch(ctx, nil))
	},
	opStorageStats.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Storage.Stats(ctx)) },
	opClearAll.id:     func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Storage.ClearAll(ctx)) },

	opPhysicalTime.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Clock.PhysicalTime(ctx)) },
	opSleep.id:        func(ctx context.Context, c *Clients, _ effects.Value) error { return c.Clock.Sleep(ctx, 0) },
	opLogicalNow.id:   func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Clock.LogicalNow(ctx)) },
	opLogicalAdvance.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Clock.LogicalAdvance(ctx, 0))
	},
	opOrderTime.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Clock.OrderTime(ctx)) },

	opRandomBytes.id: func(ctx context.Context, c *Clients, a effects.Value) error {
		return errOf(c.Random.Bytes(ctx, argInt(a, "n")))
	},
	opRandomBytes32.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Random.Bytes32(ctx)) },
	opRandomU64.id:     func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Random.Uint64(ctx)) },
	opRandomRange.id: func(ctx context.Context, c *Clients, a effects.Value) error {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if v, ok := a.Get("min"); ok {
			lo, _ = v.AsInt()
		}
		if v, ok := a.Get("max"); ok {
			hi, _ = v.AsInt()
		}
		return errOf(c.Random.Range(ctx, lo, hi))
	},
	opRandomUUID.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Random.UUID(ctx)) },

	opLogDebug.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return c.Console.Debug(ctx, "") },
	opLogInfo.id:  func(ctx context.Context, c *Clients, _ effects.Value) error { return c.Console.Info(ctx, "") },
	opLogWarn.id:  func(ctx context.Context, c *Clients, _ effects.Value) error { return c.Console.Warn(ctx, "") },
	opLogError.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return c.Console.Error(ctx, "") },

	opAppendFact.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.AppendFact(ctx, Fact{}))
	},
	opMergeFacts.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.MergeFacts(ctx, nil))
	},
	opGetJournal.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.GetJournal(ctx, nil, 0))
	},
	opGetFact.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.GetFact(ctx, FactID{}))
	},
	opFactsByType.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.FactsByType(ctx, ""))
	},
	opFactsByPredicate.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.FactsByPredicate(ctx, ""))
	},
	opFactsByAuthority.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.FactsByAuthority(ctx, effects.Null()))
	},
	opFactsInRange.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.FactsInRange(ctx, 0, 0))
	},
	opMightContain.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.MightContain(ctx, FactID{}))
	},
	opMerkleRoot.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Journal.MerkleRoot(ctx)) },
	opInclusionProof.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.InclusionProof(ctx, FactID{}))
	},
	opVerifyInclusion.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.VerifyInclusion(ctx, FactID{}, nil, InclusionProof{}))
	},
	opView.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.View(ctx, "", ""))
	},
	opJournalStats.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Journal.Stats(ctx)) },
	opGetFlowBudget.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.GetFlowBudget(ctx, nil, nil))
	},
	opChargeFlowBudget.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.ChargeFlowBudget(ctx, nil, nil, 0))
	},
	opSetFlowBudget.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.SetFlowBudget(ctx, nil, nil, 0, 0))
	},
	opRotateEpoch.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.RotateEpoch(ctx, nil, nil))
	},
	opMergeFlowBudget.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Journal.MergeFlowBudget(ctx, nil, nil, FlowBudget{}))
	},

	opSendEnvelope.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Network.SendEnvelope(ctx, Envelope{}))
	},
	opReceiveEnvelope.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		_, _, err := c.Network.ReceiveEnvelope(ctx, effects.Null())
		return err
	},
	opReceiveEnvelopeFrom.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		_, _, err := c.Network.ReceiveEnvelopeFrom(ctx, effects.Null(), effects.Null(), effects.Null())
		return err
	},
	opConnectedPeers.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Network.ConnectedPeers(ctx, effects.Null()))
	},
	opIsChannelEstablished.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Network.IsChannelEstablished(ctx, effects.Null(), effects.Null(), effects.Null()))
	},

	opSessionCreate.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Sessions.Create(ctx, SessionRequest{}))
	},
	opSessionGet.id:        func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Sessions.Get(ctx, "")) },
	opSessionEnd.id:        func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Sessions.End(ctx, "")) },
	opSessionListActive.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Sessions.ListActive(ctx)) },
	opSessionStats.id:      func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Sessions.Stats(ctx)) },
	opSessionCleanExpired.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Sessions.CleanExpired(ctx))
	},

	opCreateChallenge.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Auth.CreateChallenge(ctx))
	},
	opAuthVerify.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Auth.Verify(ctx, AuthResponse{}))
	},
	opEnrollDevice.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Auth.EnrollDevice(ctx, nil))
	},
	opListDevices.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Auth.ListDevices(ctx)) },

	opDeviceSign.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Device.Sign(ctx, "", nil))
	},
	opDevicePublicKey.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Device.PublicKey(ctx, ""))
	},

	opInvite.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.Invite(ctx, InviteRequest{}))
	},
	opInvitationAccept.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.Accept(ctx, ""))
	},
	opInvitationDecline.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.Decline(ctx, ""))
	},
	opInvitationCancel.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.Cancel(ctx, ""))
	},
	opInvitationGet.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Invitations.Get(ctx, "")) },
	opListPending.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.ListPending(ctx, ""))
	},
	opInvitationExport.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.Export(ctx, ""))
	},
	opInvitationImport.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.Import(ctx, ""))
	},
	opExportAnswer.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.ExportAnswer(ctx, ""))
	},
	opImportAnswer.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Invitations.ImportAnswer(ctx, ""))
	},

	opRecoveryInitiate.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Recovery.Initiate(ctx, RecoveryParams{}))
	},
	opSetGuardians.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Recovery.SetGuardians(ctx, nil, 0))
	},
	opGuardians.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Recovery.Guardians(ctx)) },
	opSubmitApproval.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Recovery.SubmitApproval(ctx, GuardianApproval{}))
	},
	opRecoveryGet.id:  func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Recovery.Get(ctx, "")) },
	opRecoveryList.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Recovery.List(ctx)) },
	opApprovalMessage.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Recovery.ApprovalMessage(ctx, "", "", ""))
	},

	opPublish.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Rendezvous.Publish(ctx, "", effects.Null(), 0))
	},
	opLookup.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Rendezvous.Lookup(ctx, ""))
	},
	opRendezvousList.id:   func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Rendezvous.List(ctx)) },
	opInvitationExpire.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Invitations.Expire(ctx)) },
	opCeremonyPropose.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Ceremonies.Propose(ctx, CeremonyRequest{}))
	},
	opCeremonyAdvance.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Ceremonies.Advance(ctx, ""))
	},
	opCeremonyCancel.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Ceremonies.Cancel(ctx, ""))
	},
	opCeremonyGet.id:  func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Ceremonies.Get(ctx, "")) },
	opCeremonyList.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Ceremonies.List(ctx)) },
	opNeighbourhood.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Social.Neighbourhood(ctx))
	},
	opSelectRelays.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Social.SelectRelays(ctx, 1))
	},
	opProfile.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Selection.Profile(ctx, "", false))
	},
	opSetPrivacy.id: func(ctx context.Context, c *Clients, _ effects.Value) error {
		return errOf(c.Selection.SetPrivacy(ctx, false))
	},
	opRendezvousExpire.id: func(ctx context.Context, c *Clients, _ effects.Value) error { return errOf(c.Rendezvous.Expire(ctx)) },
}

func errOf[T any](_ T, err error) error { return err }

// argInt reads an integer argument, or -1 ("any length") if it is absent
// or not an int.
func argInt(args effects.Value, name string) int {
	v, ok := args.Get(name)
	if !ok {
		return -1
	}
	i, ok := v.AsInt()
	if !ok || i < 0 || i > math.MaxInt32 {
		return -1
	}
	return int(i)
}

func argBytes(args effects.Value, name string) []byte {
	v, _ := args.Get(name)
	b, _ := v.AsBytes()
	return b
}
