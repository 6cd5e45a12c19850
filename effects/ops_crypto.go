package effects

// Operations of the crypto family, served by crypto.
const (
	// CryptoEd25519GenerateKeypair generates an Ed25519 key pair.
	CryptoEd25519GenerateKeypair OpID = "crypto.ed25519_generate_keypair"
	// CryptoEd25519Sign signs msg with an Ed25519 private key (pure Ed25519, RFC 8032).
	CryptoEd25519Sign OpID = "crypto.ed25519_sign"
	// CryptoEd25519Verify reports whether sig is a valid Ed25519 signature of msg by pub.
	CryptoEd25519Verify OpID = "crypto.ed25519_verify"
	// CryptoEd25519PublicKey returns the 32-byte Ed25519 public key of a private key.
	CryptoEd25519PublicKey OpID = "crypto.ed25519_public_key"
	// CryptoHash returns the 32-byte BLAKE3-256 hash of data, the platform's hash.
	CryptoHash OpID = "crypto.hash"
	// CryptoKDFDerive derives len bytes of key material from ikm with HKDF-SHA256.
	CryptoKDFDerive OpID = "crypto.kdf_derive"
	// CryptoAEADSeal encrypts and authenticates plaintext with ChaCha20-Poly1305.
	CryptoAEADSeal OpID = "crypto.aead_seal"
	// CryptoAEADOpen authenticates and decrypts what aead_seal returned.
	CryptoAEADOpen OpID = "crypto.aead_open"
	// CryptoFrostGenerateKeys deals a t-of-n FROST(Ed25519, SHA-512) key with a trusted dealer.
	CryptoFrostGenerateKeys OpID = "crypto.frost_generate_keys"
	// CryptoFrostGenerateNonces is round one of FROST signing for one participant (RFC 9591 §5.1).
	CryptoFrostGenerateNonces OpID = "crypto.frost_generate_nonces"
	// CryptoFrostCreateSigningPackage is the coordinator's step between the rounds of FROST signing.
	CryptoFrostCreateSigningPackage OpID = "crypto.frost_create_signing_package"
	// CryptoFrostSignShare is round two of FROST signing for one participant (RFC 9591 §5.2).
	CryptoFrostSignShare OpID = "crypto.frost_sign_share"
	// CryptoFrostAggregateSignatures combines the signature shares of a package into the group signature.
	CryptoFrostAggregateSignatures OpID = "crypto.frost_aggregate_signatures"
	// CryptoFrostDKGBegin is round one of a Pedersen DKG for one participant; the secrets stay in the plugin.
	CryptoFrostDKGBegin OpID = "crypto.frost_dkg_begin"
	// CryptoFrostDKGShares checks the round-one packages and encrypts a participant's round-two shares.
	CryptoFrostDKGShares OpID = "crypto.frost_dkg_shares"
	// CryptoFrostDKGRoute sorts encrypted round-two shares by receiver, for whoever relays them.
	CryptoFrostDKGRoute OpID = "crypto.frost_dkg_route"
	// CryptoFrostDKGFinish verifies the shares a participant received and derives its signing share, or complains.
	CryptoFrostDKGFinish OpID = "crypto.frost_dkg_finish"
	// CryptoFrostDKGCommit makes the signing share of an agreed ceremony active.
	CryptoFrostDKGCommit OpID = "crypto.frost_dkg_commit"
	// CryptoFrostDKGAbort forgets the key of a failed ceremony.
	CryptoFrostDKGAbort OpID = "crypto.frost_dkg_abort"
	// CryptoFrostReshareBegin is round one of a proactive resharing of a held key's group key to a new device set or threshold.
	CryptoFrostReshareBegin OpID = "crypto.frost_reshare_begin"
	// CryptoFrostKeyFind finds this device's active held key of a group.
	CryptoFrostKeyFind OpID = "crypto.frost_key_find"
	// CryptoFrostKeyInfo describes a held key (no secret).
	CryptoFrostKeyInfo OpID = "crypto.frost_key_info"
	// CryptoFrostKeyNonces is round one of FROST signing with a held key; the nonces stay in the plugin.
	CryptoFrostKeyNonces OpID = "crypto.frost_key_nonces"
	// CryptoFrostKeySignShare is round two of FROST signing with a held key and its held nonces.
	CryptoFrostKeySignShare OpID = "crypto.frost_key_sign_share"
	// CryptoFrostVerifyShares names the participants whose signature share does not verify.
	CryptoFrostVerifyShares OpID = "crypto.frost_verify_shares"
	// CryptoFrostVerify reports whether sig is a valid FROST(Ed25519, SHA-512) signature of msg.
	CryptoFrostVerify OpID = "crypto.frost_verify"
)
