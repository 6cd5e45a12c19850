package effects

// Operations of the random family, served by random and sim-random.
const (
	// RandomBytes returns n random bytes.
	RandomBytes OpID = "random.random_bytes"
	// RandomBytes32 returns 32 random bytes, e.g. a key or a nonce seed.
	RandomBytes32 OpID = "random.random_bytes_32"
	// RandomU64 returns a uniformly random 64-bit unsigned integer (uint).
	RandomU64 OpID = "random.random_u64"
	// RandomRange returns a uniformly random integer r with min <= r < max.
	RandomRange OpID = "random.random_range"
	// RandomUUID returns a random (version 4, RFC 9562) UUID as a lower-case string.
	RandomUUID OpID = "random.random_uuid"
)
