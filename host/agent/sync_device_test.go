package agent_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"lukechampine.com/blake3"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
	"github.com/aurahost/aura-host/host/syncer"
	"github.com/aurahost/aura-host/plugins"
)

// syncDeviceEnv makes the test binary one device's host process (see
// runSyncDevice) instead of running tests.
const syncDeviceEnv = "AURA_AGENT_TEST_SYNC_DEVICE"

// syncDeviceSpec is what a device process is told.
type syncDeviceSpec struct {
	Deployment string
	Agent      string
	StateDir   string
	Listen     string // host:port of its transport
	Peers      []syncPeerSpec
	Facts      int    // how many signed facts "write" writes
	LogLevel   string // the device's log level (hclog's names)
	Concurrent int    // SyncConfig.ConcurrentRounds
}

type syncPeerSpec struct {
	Authority string // hex
	Address   string
	PublicKey string // hex
}

// syncDeviceState is a device's answer to "state".
type syncDeviceState struct {
	Root  string
	Count int64
	Stats syncer.Stats
}

// runSyncDevice is one device's host process: a production agent (its
// plugins as processes, its transport on its address) with the sync
// service on, driven by lines on stdin:
//
//	write   writes Facts signed facts, answers "written BYTES" (their canonical bytes),
//	        after a line "progress N" per batch written
//	state   answers "state JSON" (sync_root, count, the syncer's stats)
//	cpu     answers "cpu JSON": the CPU time its process and each plugin process used (processTreeCPU)
//	digest  answers "digest HEX N": BLAKE3 over the signed facts of get_journal in ID order
//
// It shuts down when stdin closes.
func runSyncDevice(spec string) int {
	var sp syncDeviceSpec
	if err := json.Unmarshal([]byte(spec), &sp); err != nil {
		fmt.Fprintln(os.Stderr, "device:", err)
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(os.Stderr, "device %s: %v\n", sp.Agent, err); return 1 }
	dep, diags := config.Load(sp.Deployment, config.Options{Builtins: plugins.Names()})
	if diags.HasErrors() {
		return fail(diags)
	}
	var self effects.AuthorityID
	for _, ag := range dep.Agents {
		if ag.Name == sp.Agent {
			id, err := agent.Authority(dep, ag)
			if err != nil {
				return fail(err)
			}
			self = id
		}
	}
	keys := map[effects.AuthorityID]ed25519.PublicKey{}
	peers := map[string]effects.Value{}
	var syncPeers []syncer.Peer
	for _, p := range sp.Peers {
		raw, err1 := hex.DecodeString(p.Authority)
		pub, err2 := hex.DecodeString(p.PublicKey)
		if err1 != nil || err2 != nil || len(raw) != 16 {
			return fail(fmt.Errorf("bad peer %+v", p))
		}
		var id effects.AuthorityID
		copy(id[:], raw)
		keys[id] = pub
		peers[p.Authority] = effects.Map(map[string]effects.Value{"address": effects.String(p.Address), "public_key": effects.String(p.PublicKey)})
		syncPeers = append(syncPeers, syncer.Peer{Authority: id, Keys: []syncer.Key{{Authority: id, Key: pub}}})
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: sp.Agent, Level: hclog.LevelFromString(sp.LogLevel), Output: os.Stderr})
	ctx := context.Background()
	a, err := agent.NewBuilder().WithConfig(dep).WithAuthority(self).WithBuiltins(plugins.Lookup, false).
		WithExecutable(auraHost).WithStateDir(sp.StateDir).WithLogger(logger).
		WithPeerKeys(func(id effects.AuthorityID) (ed25519.PublicKey, bool) { k, ok := keys[id]; return k, ok }).
		WithPluginConfig("network", effects.Map(map[string]effects.Value{
			"listen": effects.String(sp.Listen), "name": effects.String(hex.EncodeToString(self[:])), "peers": effects.Map(peers)})).
		WithSync(agent.SyncConfig{Peers: syncPeers, Interval: time.Second, RoundTimeout: 5 * time.Second, PeerCheck: 200 * time.Millisecond, ConcurrentRounds: sp.Concurrent}).
		BuildProduction(ctx)
	if err != nil {
		return fail(err)
	}
	defer a.Shutdown(ctx)
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var line string
		switch cmd := strings.TrimSpace(in.Text()); cmd {
		case "write":
			size, err := writeFacts(ctx, a, sp.Agent, self, sp.Facts)
			if err != nil {
				return fail(err)
			}
			line = fmt.Sprintf("written %d", size)
		case "state":
			v, err := a.Invoke(ctx, syncer.OpSyncRoot, effects.Map(nil))
			if err != nil {
				return fail(err)
			}
			r, _ := v.Get("root")
			c, _ := v.Get("count")
			count, _ := c.AsInt()
			b, _ := json.Marshal(syncDeviceState{Root: hex.EncodeToString([]byte(r.BytesString())), Count: count, Stats: a.Sync().Stats()})
			line = "state " + string(b)
		case "cpu":
			b, _ := json.Marshal(processTreeCPU(os.Getpid()))
			line = "cpu " + string(b)
		case "digest":
			sum, n, err := signedDigest(ctx, a)
			if err != nil {
				return fail(err)
			}
			line = fmt.Sprintf("digest %x %d", sum, n)
		default:
			return fail(fmt.Errorf("unknown command %q", cmd))
		}
		fmt.Println(line)
	}
	return 0
}

// writeFacts writes n signed facts of the device's authority, in batches,
// and returns their canonical bytes.
func writeFacts(ctx context.Context, a *agent.Agent, name string, self effects.AuthorityID, n int) (int64, error) {
	var size int64
	const batch = 1000
	for start := 0; start < n; start += batch {
		facts := make([]effects.Value, 0, batch)
		for i := start; i < min(n, start+batch); i++ {
			facts = append(facts, effects.Map(map[string]effects.Value{
				"type": effects.String("note"), "authority": effects.Bytes(self[:]), "time": effects.Int(int64(i)),
				"predicate": effects.String("note.written"),
				"body":      effects.String(fmt.Sprintf("fact %d of device %s, written while partitioned", i, name)),
			}))
		}
		if _, err := a.AppendSigned(ctx, facts...); err != nil {
			return 0, err
		}
		fmt.Printf("progress %d\n", start+len(facts))
		// Signer and signature are fixed-size: any key's signed fact is as
		// long as the device's.
		sizer := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
		for _, f := range facts {
			signed, err := syncer.SignFact(sizer, f)
			if err != nil {
				return 0, err
			}
			size += int64(len(signed.Canonical()))
		}
	}
	return size, nil
}

// signedDigest hashes the signed facts of the journal, read page by page
// in ID order.
func signedDigest(ctx context.Context, a *agent.Agent) ([]byte, int, error) {
	h := blake3.New(32, nil)
	var after effects.Value
	n := 0
	for {
		args := map[string]effects.Value{"limit": effects.Int(5000)}
		if !after.IsNull() {
			args["after"] = after
		}
		v, err := a.Invoke(ctx, effects.JournalGetJournal, effects.Map(args))
		if err != nil {
			return nil, 0, err
		}
		items := v.Items()
		if len(items) == 0 {
			return h.Sum(nil), n, nil
		}
		for _, f := range items {
			if _, ok := f.Get(syncer.SignatureField); ok {
				h.Write(f.Canonical())
				n++
			}
		}
		id := blake3.Sum256(items[len(items)-1].Canonical())
		after = effects.Bytes(id[:])
	}
}

// processTreeCPU is the user + system CPU time, in clock ticks, of pid
// ("host") and of each of its children (the plugin processes, by name),
// read from /proc; nil where there is no /proc.
func processTreeCPU(pid int) map[string]int64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	total := map[string]int64{}
	for _, e := range entries {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// After the command in parentheses: state ppid ... utime(14) stime(15).
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b)[i+1:])
		if len(f) < 13 {
			continue
		}
		self := e.Name() == strconv.Itoa(pid)
		if !self && f[1] != strconv.Itoa(pid) {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		name := "host"
		if !self {
			cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			args := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
			name = args[len(args)-1]
		}
		total[name] += u + st
	}
	return total
}
