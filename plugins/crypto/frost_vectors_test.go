package crypto

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"filippo.io/edwards25519"
)

// frostVectors is the shape of testdata/frost-ed25519-sha512.json.
type frostVectors struct {
	Inputs struct {
		ParticipantList []uint64 `json:"participant_list"`
		GroupSecretKey  string   `json:"group_secret_key"`
		GroupPublicKey  string   `json:"group_public_key"`
		Message         string   `json:"message"`
		Coefficients    []string `json:"share_polynomial_coefficients"`
		Shares          []struct {
			Identifier uint64 `json:"identifier"`
			Share      string `json:"participant_share"`
		} `json:"participant_shares"`
	} `json:"inputs"`
	RoundOne struct {
		Outputs []struct {
			Identifier         uint64 `json:"identifier"`
			HidingRandomness   string `json:"hiding_nonce_randomness"`
			BindingRandomness  string `json:"binding_nonce_randomness"`
			HidingNonce        string `json:"hiding_nonce"`
			BindingNonce       string `json:"binding_nonce"`
			HidingCommitment   string `json:"hiding_nonce_commitment"`
			BindingCommitment  string `json:"binding_nonce_commitment"`
			BindingFactorInput string `json:"binding_factor_input"`
			BindingFactor      string `json:"binding_factor"`
		} `json:"outputs"`
	} `json:"round_one_outputs"`
	RoundTwo struct {
		Outputs []struct {
			Identifier uint64 `json:"identifier"`
			SigShare   string `json:"sig_share"`
		} `json:"outputs"`
	} `json:"round_two_outputs"`
	Final struct {
		Sig string `json:"sig"`
	} `json:"final_output"`
}

func loadFrostVectors(t testing.TB) frostVectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/frost-ed25519-sha512.json")
	if err != nil {
		t.Fatal(err)
	}
	var v frostVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func scalarHex(t testing.TB, s string) *edwards25519.Scalar {
	t.Helper()
	x, err := deserializeScalar(unhex(t, s))
	if err != nil {
		t.Fatalf("scalar %s: %v", s, err)
	}
	return x
}

func pointHex(t testing.TB, s string) *edwards25519.Point {
	t.Helper()
	p, err := deserializeElement(unhex(t, s))
	if err != nil {
		t.Fatalf("element %s: %v", s, err)
	}
	return p
}

func checkHex(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if hex.EncodeToString(got) != want {
		t.Errorf("%s = %x, want %s", what, got, want)
	}
}

// TestFROSTAgainstRFC9591Vectors walks the RFC's example step by step
// through the ciphersuite functions.
func TestFROSTAgainstRFC9591Vectors(t *testing.T) {
	t.Parallel()
	v := loadFrostVectors(t)
	msg := unhex(t, v.Inputs.Message)

	// Key generation by the trusted dealer.
	coeffs := []*edwards25519.Scalar{scalarHex(t, v.Inputs.GroupSecretKey)}
	for _, c := range v.Inputs.Coefficients {
		coeffs = append(coeffs, scalarHex(t, c))
	}
	commitment := vssCommit(coeffs)
	checkHex(t, "group public key", commitment[0].Bytes(), v.Inputs.GroupPublicKey)
	shares := secretShareShard(coeffs, len(v.Inputs.Shares))
	secrets := map[uint64]*edwards25519.Scalar{}
	for i, want := range v.Inputs.Shares {
		if shares[i].id != want.Identifier {
			t.Fatalf("share %d has identifier %d, want %d", i, shares[i].id, want.Identifier)
		}
		checkHex(t, "share secret", shares[i].secret.Bytes(), want.Share)
		secrets[want.Identifier] = shares[i].secret
	}
	groupPublic := pointHex(t, v.Inputs.GroupPublicKey)

	// Round one: nonces and commitments.
	var list []frostCommitment
	nonces := map[uint64][2]*edwards25519.Scalar{}
	for _, o := range v.RoundOne.Outputs {
		hiding := nonceGenerate(unhex(t, o.HidingRandomness), secrets[o.Identifier])
		binding := nonceGenerate(unhex(t, o.BindingRandomness), secrets[o.Identifier])
		checkHex(t, "hiding nonce", hiding.Bytes(), o.HidingNonce)
		checkHex(t, "binding nonce", binding.Bytes(), o.BindingNonce)
		hc, bc := new(edwards25519.Point).ScalarBaseMult(hiding), new(edwards25519.Point).ScalarBaseMult(binding)
		checkHex(t, "hiding commitment", hc.Bytes(), o.HidingCommitment)
		checkHex(t, "binding commitment", bc.Bytes(), o.BindingCommitment)
		list = append(list, frostCommitment{id: o.Identifier, hiding: hc, binding: bc})
		nonces[o.Identifier] = [2]*edwards25519.Scalar{hiding, binding}
	}
	inputs := bindingFactorInputs(groupPublic, list, msg)
	factors := computeBindingFactors(groupPublic, list, msg)
	for i, o := range v.RoundOne.Outputs {
		checkHex(t, "binding factor input", inputs[i], o.BindingFactorInput)
		checkHex(t, "binding factor", factors[i].Bytes(), o.BindingFactor)
	}

	// Round two and aggregation.
	sc := newSigningContext(groupPublic, list, msg)
	if !slices.Equal(sc.ids(), v.Inputs.ParticipantList) {
		t.Fatalf("participants %v, want %v", sc.ids(), v.Inputs.ParticipantList)
	}
	var zs []*edwards25519.Scalar
	for i, o := range v.RoundTwo.Outputs {
		n := nonces[o.Identifier]
		z := sc.sign(i, secrets[o.Identifier], n[0], n[1])
		checkHex(t, "signature share", z.Bytes(), o.SigShare)
		public := new(edwards25519.Point).ScalarBaseMult(secrets[o.Identifier])
		if !sc.verifyShare(i, z, public) {
			t.Errorf("participant %d's valid share fails verification", o.Identifier)
		}
		if sc.verifyShare(i, edwards25519.NewScalar().Add(z, scalarOne()), public) {
			t.Errorf("participant %d's altered share passes verification", o.Identifier)
		}
		zs = append(zs, z)
	}
	sig := sc.aggregate(zs)
	checkHex(t, "signature", sig, v.Final.Sig)
	if !ed25519.Verify(groupPublic.Bytes(), msg, sig) {
		t.Fatal("crypto/ed25519 rejects the aggregated signature")
	}
}

func TestDeserializeElement(t *testing.T) {
	t.Parallel()
	identity := make([]byte, 32)
	identity[0] = 1
	fieldOrder := unhex(t, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f") // y = p: non-canonical 0
	cases := []struct {
		name string
		in   []byte
		want string // "" for success
	}{
		{"generator", edwards25519.NewGeneratorPoint().Bytes(), ""},
		{"short", make([]byte, 31), "must be a 32-byte point encoding, got 31 bytes"},
		{"identity", identity, "is the identity point"},
		{"order four", make([]byte, 32), "is not in the prime-order subgroup"},
		{"non-canonical", fieldOrder, "is not a canonical point encoding"},
		{"off the curve", unhex(t, "0200000000000000000000000000000000000000000000000000000000000000"), "is not a point on edwards25519"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := deserializeElement(tc.in)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
