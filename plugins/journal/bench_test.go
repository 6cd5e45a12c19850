package journal

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"go.etcd.io/bbolt"

	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/sdk"
	"github.com/aurahost/aura-host/sdk/sdktest"
)

// batchSize is the batch of AURA-SPEC §7's target: indexes updated in
// under 10 ms for 10k facts.
const batchSize = 10_000

// parsedFacts returns n distinct parsed facts, sorted by ID as merge sorts
// them; offset keeps batches of one run distinct.
func parsedFacts(b testing.TB, n, offset int) []Fact {
	out := make([]Fact, n)
	for i, v := range randomFacts(n, uint64(offset)+1000) {
		f, err := ParseFact(v)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = f
	}
	slices.SortFunc(out, func(x, y Fact) int { return compareID(x.ID, y.ID) })
	return out
}

// pointers returns pointers to the elements of facts.
func pointers(facts []Fact) []*Fact {
	out := make([]*Fact, len(facts))
	for i := range facts {
		out[i] = &facts[i]
	}
	return out
}

func openBench(b testing.TB) *journal {
	return openAt(b, b.TempDir())
}

func openAt(b testing.TB, dir string) *journal {
	j := newJournal(lockTimeout, DefaultRegistry())
	if err := j.configure(context.Background(), &sdk.Configuration{Values: sdk.Map(nil), StateDir: dir}); err != nil {
		b.Fatal(err)
	}
	return j
}

// filledJournal returns a journal holding n facts, merged in batches of
// 10k, with offsets from 1_000_000 so they differ from the benchmarks'
// batches.
func filledJournal(b testing.TB, dir string, n int) *journal {
	j := openAt(b, dir)
	for k := 0; k*batchSize < n; k++ {
		if _, err := j.merge(context.Background(), parsedFacts(b, min(batchSize, n-k*batchSize), 1_000_000+k)); err != nil {
			b.Fatal(err)
		}
	}
	return j
}

func (x *indexes) clone() *indexes {
	deep := func(m map[string][]uint32) map[string][]uint32 {
		out := maps.Clone(m)
		for k, v := range out {
			out[k] = slices.Clone(v)
		}
		return out
	}
	return &indexes{ids: slices.Clone(x.ids), byType: deep(x.byType), byPredicate: deep(x.byPredicate),
		byAuthority: deep(x.byAuthority), byTime: slices.Clone(x.byTime)}
}

// clock pauses and resumes a benchmark's timer together with a count of
// the process's CPU time, so that a benchmark can report the CPU its timed
// part used beside the wall time: on a shared machine other processes'
// load stretches the wall time, not the CPU time. Create it right before
// the loop (it starts running), and pause and resume it instead of
// b.StopTimer and b.StartTimer.
type clock struct {
	b       *testing.B
	cpu     time.Duration // accumulated while running
	mark    time.Duration // process CPU when last resumed
	running bool
	ok      bool
}

func startClock(b *testing.B) *clock {
	c := &clock{b: b}
	c.mark, c.ok = processCPU()
	c.running = true
	return c
}

func (c *clock) pause() {
	c.b.StopTimer()
	if c.running {
		now, _ := processCPU()
		c.cpu += now - c.mark
		c.running = false
	}
}

func (c *clock) resume() {
	c.running = true
	c.mark, _ = processCPU()
	c.b.StartTimer()
}

// report reports the wall and CPU milliseconds of an iteration, per what
// an iteration is ("10k-batch", "fact", "rebuild").
func (c *clock) report(per string) {
	c.pause()
	n := float64(c.b.N)
	c.b.ReportMetric(float64(c.b.Elapsed().Microseconds())/1000/n, "ms/"+per)
	if c.ok {
		c.b.ReportMetric(float64(c.cpu.Microseconds())/1000/n, "cpu-ms/"+per)
	}
}

// update arranges facts into a batch and applies it to x, as publish
// does, and returns how long the apply took: the part done with the
// journal's lock held, when readers wait.
func update(x *indexes, facts []Fact) time.Duration {
	batch := batchOf(x.count(), pointers(facts))
	start := time.Now()
	x.apply(batch)
	return time.Since(start)
}

func reportLocked(b *testing.B, locked time.Duration) {
	b.ReportMetric(float64(locked.Microseconds())/1000/float64(b.N), "locked-ms/10k-batch")
}

// BenchmarkIndexUpdate10k times the index update of AURA-SPEC §7's target:
// a committed batch of 10k new facts arranged (grouped by type, predicate
// and authority; sorted by time) and merged into the in-memory indexes, as
// merge_facts does after its commit. locked-ms is the part of it done
// with the journal's lock held (the merge into the lists), while readers
// wait; the rest is done before the lock is taken.
//
//   - fresh: into empty indexes;
//   - into_100k: into indexes that already hold 100k facts, the top of the
//     size the journal is designed for, and grow by 10k per iteration (so
//     that list growth is amortized as it is in use);
//   - one_into_100k: a single fact into 100k (what append_fact pays), per
//     fact rather than per batch;
//   - baseline_layout1_bbolt_puts: what this replaced — the 40k index keys
//     of the same batch put into bbolt inside the transaction, before its
//     commit.
func BenchmarkIndexUpdate10k(b *testing.B) {
	facts := parsedFacts(b, batchSize, 0)
	b.Run("fresh", func(b *testing.B) {
		var locked time.Duration
		c := startClock(b)
		for b.Loop() {
			locked += update(newIndexes(), facts)
		}
		c.report("10k-batch")
		reportLocked(b, locked)
	})
	base := newIndexes()
	base.apply(batchOf(0, pointers(parsedFacts(b, 10*batchSize, 1))))
	b.Run("into_100k", func(b *testing.B) {
		x := base.clone()
		var locked time.Duration
		c := startClock(b)
		for i := 0; b.Loop(); i++ {
			c.pause()
			facts := parsedFacts(b, batchSize, 2_000_000+i)
			runtime.GC() // the setup's garbage is not the update's to collect
			c.resume()
			locked += update(x, facts)
		}
		c.report("10k-batch")
		reportLocked(b, locked)
	})
	b.Run("one_into_100k", func(b *testing.B) {
		x := base.clone()
		more := parsedFacts(b, batchSize, 2)
		c := startClock(b)
		for i := 0; b.Loop(); i++ {
			if i == len(more) {
				c.pause()
				x, i = base.clone(), 0
				c.resume()
			}
			x.apply(batchOf(x.count(), []*Fact{&more[i]}))
		}
		c.report("fact")
	})
	b.Run("baseline_layout1_bbolt_puts", func(b *testing.B) {
		c := startClock(b)
		for b.Loop() {
			c.pause()
			j := openBench(b)
			err := j.db.Update(func(tx *bbolt.Tx) error {
				c.resume()
				err := putLegacyIndexes(tx, facts)
				c.pause()
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			j.close()
			c.resume()
		}
		c.report("10k-batch")
	})
}

// BenchmarkMergeFacts10k times whole merges of 10k new facts, as
// merge_facts runs them once the facts are parsed: Bloom checks, the
// transaction, its commit and fsync, then the index, Bloom and trie
// publication (the tries' new paths hashed before the readers' lock).
//
//   - committed: into a fresh journal;
//   - nosync: the same with bbolt's fsync off, to show what the disk costs;
//   - into_100k: into a journal already holding 100k+ facts (it grows 10k
//     per iteration);
//   - baseline_layout1: the same batch written as layout 1 wrote it, facts
//     and index keys in one committed transaction, into a fresh file;
//   - parse: validating, encoding and BLAKE3-hashing 10k facts, which
//     merge_facts does first, outside any lock.
//
// BenchmarkFactsOnly10k is the floor all of these stand on.
func BenchmarkMergeFacts10k(b *testing.B) {
	ctx := context.Background()
	fresh := func(b *testing.B, noSync bool) {
		c := startClock(b)
		for i := 0; b.Loop(); i++ {
			c.pause()
			j, facts := openBench(b), parsedFacts(b, batchSize, i)
			j.db.NoSync = noSync
			c.resume()
			if _, err := j.merge(ctx, facts); err != nil {
				b.Fatal(err)
			}
			c.pause()
			j.close()
			c.resume()
		}
		c.report("10k-batch")
	}
	b.Run("committed", func(b *testing.B) { fresh(b, false) })
	b.Run("nosync", func(b *testing.B) { fresh(b, true) })
	b.Run("into_100k", func(b *testing.B) {
		j := filledJournal(b, b.TempDir(), 10*batchSize)
		defer j.close()
		c := startClock(b)
		for i := 0; b.Loop(); i++ {
			c.pause()
			facts := parsedFacts(b, batchSize, 2_000_000+i)
			c.resume()
			if _, err := j.merge(ctx, facts); err != nil {
				b.Fatal(err)
			}
		}
		c.report("10k-batch")
	})
	b.Run("baseline_layout1", func(b *testing.B) {
		c := startClock(b)
		for i := 0; b.Loop(); i++ {
			c.pause()
			j, facts := openBench(b), parsedFacts(b, batchSize, i)
			c.resume()
			err := j.db.Update(func(tx *bbolt.Tx) error {
				if _, err := insert(tx, pointers(facts), func(ID) bool { return false }); err != nil {
					return err
				}
				return putLegacyIndexes(tx, facts)
			})
			if err != nil {
				b.Fatal(err)
			}
			c.pause()
			j.close()
			c.resume()
		}
		c.report("10k-batch")
	})
	b.Run("parse", func(b *testing.B) {
		values := randomFacts(batchSize, 7)
		c := startClock(b)
		for b.Loop() {
			for _, v := range values {
				if _, err := ParseFact(v); err != nil {
					b.Fatal(err)
				}
			}
		}
		c.report("10k-batch")
	})
}

// BenchmarkFactsOnly10k is the baseline of the merges: 10k fact puts in
// one bbolt transaction, committed and fsynced, with no index, no Bloom
// filter and no existence checks — into a fresh file, and into one holding
// 100k+ facts.
func BenchmarkFactsOnly10k(b *testing.B) {
	put := func(db *bbolt.DB, facts []Fact) error {
		return db.Update(func(tx *bbolt.Tx) error {
			fb := tx.Bucket(bucketFacts)
			for _, f := range facts {
				if err := fb.Put(f.ID[:], f.Encoded); err != nil {
					return err
				}
			}
			return nil
		})
	}
	b.Run("committed", func(b *testing.B) {
		c := startClock(b)
		for i := 0; b.Loop(); i++ {
			c.pause()
			j, facts := openBench(b), parsedFacts(b, batchSize, i)
			c.resume()
			if err := put(j.db, facts); err != nil {
				b.Fatal(err)
			}
			c.pause()
			j.close()
			c.resume()
		}
		c.report("10k-batch")
	})
	b.Run("into_100k", func(b *testing.B) {
		j := filledJournal(b, b.TempDir(), 10*batchSize)
		defer j.close()
		c := startClock(b)
		for i := 0; b.Loop(); i++ {
			c.pause()
			facts := parsedFacts(b, batchSize, 2_000_000+i)
			c.resume()
			if err := put(j.db, facts); err != nil {
				b.Fatal(err)
			}
		}
		c.report("10k-batch")
	})
}

// BenchmarkRebuildIndexes times what opening a journal of 10k and of 100k
// facts spends rebuilding its in-memory state from the facts bucket:
//
//   - rebuild: every fact read and decoded, the indexes built, the Bloom
//     filter filled and the tries built (the RFC 6962 tree is built only
//     on request, see BenchmarkMerkleRoot); its MB-heap metric is what
//     the indexes and tries hold;
//   - open: the whole configure — bbolt open, layout check, rebuild;
//   - baseline_scan: reading every fact of the bucket without decoding it.
func BenchmarkRebuildIndexes(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			dir := b.TempDir()
			filledJournal(b, dir, n).close()
			b.Run("open", func(b *testing.B) {
				c := startClock(b)
				for b.Loop() {
					if err := openAt(b, dir).close(); err != nil {
						b.Fatal(err)
					}
				}
				c.report("open")
			})
			j := openAt(b, dir)
			defer j.close()
			b.Run("rebuild", func(b *testing.B) {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				var x *indexes
				var facts, signd *trie
				c := startClock(b)
				for b.Loop() {
					var signed []uint32
					err := j.db.View(func(tx *bbolt.Tx) (err error) {
						x, signed, err = loadState(tx)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					bloomOf(x, nil)
					facts, signd = triesOf(x, signed)
				}
				c.report("rebuild")
				runtime.GC()
				runtime.ReadMemStats(&after)
				if x.count() != n {
					b.Fatalf("rebuilt %d facts, want %d", x.count(), n)
				}
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "MB-heap")
				runtime.KeepAlive(x)
				runtime.KeepAlive(facts)
				runtime.KeepAlive(signd)
			})
			b.Run("baseline_scan", func(b *testing.B) {
				c := startClock(b)
				for b.Loop() {
					err := j.db.View(func(tx *bbolt.Tx) error {
						var size int
						err := tx.Bucket(bucketFacts).ForEach(func(k, v []byte) error {
							size += len(v)
							return nil
						})
						if size == 0 {
							return fmt.Errorf("empty journal")
						}
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				c.report("scan")
			})
		})
	}
}

// BenchmarkReadByType times what the value indexes' unsorted lists cost a
// read: facts_by_type of one type in a journal of 100k facts (3 types, so
// about 33k facts returned), whole, and only the sort of its IDs.
func BenchmarkReadByType(b *testing.B) {
	j := filledJournal(b, b.TempDir(), 10*batchSize)
	defer j.close()
	ctx := context.Background()
	b.Run("facts_by_type", func(b *testing.B) {
		c := startClock(b)
		for b.Loop() {
			v, err := j.listFacts(ctx, func(x *indexes) []ID { return x.sorted(x.byType["counter"]) })
			if err != nil || v.Len() < 30_000 {
				b.Fatalf("facts_by_type: %d facts, %v", v.Len(), err)
			}
		}
		c.report("read")
	})
	b.Run("sort_only", func(b *testing.B) {
		handles := j.index.byType["counter"]
		c := startClock(b)
		for b.Loop() {
			j.index.sorted(handles)
		}
		c.report("read")
	})
}

// benchIDs returns n distinct random IDs, sorted, in a table with room
// for extra more, and a generator of further random IDs.
func benchIDs(n, extra int) ([]ID, func() ID) {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	next := func() ID {
		var id ID
		for w := 0; w < IDSize; w += 8 {
			binary.LittleEndian.PutUint64(id[w:], r.Uint64())
		}
		return id
	}
	ids := make([]ID, n, n+extra)
	for i := range ids {
		ids[i] = next()
	}
	slices.SortFunc(ids, compareID)
	return slices.CompactFunc(ids, func(a, b ID) bool { return a == b }), next
}

// BenchmarkRootAfterAppend is issue 13's acceptance: the root after one
// append into a 1M-fact journal, against rebuilding the structure in the
// same run. It drives the trie directly (building 1M bbolt facts would
// take minutes); BenchmarkJournalRootAfterAppend goes through the plugin.
//
//   - rebuild_trie: the trie of all 1M IDs built from scratch (what the
//     journal does once, on open);
//   - rebuild_rfc6962: the RFC 6962 tree over the same sorted IDs (what
//     the first merkle_root after any write cost before);
//   - append: one new ID planned into the trie, committed, and the root
//     read — what a committed append_fact adds to the journal's write and
//     a merkle_root read. The trie grows by one per iteration. It reports
//     how many times faster it is than each rebuild measured above, and
//     the trie's memory per fact.
func BenchmarkRootAfterAppend(b *testing.B) {
	const n = 1_000_000
	ids, next := benchIDs(n, 1<<20)
	handles := make([]uint32, len(ids))
	for i := range handles {
		handles[i] = uint32(i)
	}
	// Per iteration, wall and CPU: the ratios are reported for both, since
	// on a shared machine other processes stretch the wall time.
	type cost struct{ wall, cpu float64 }
	measured := func(b *testing.B, c *clock, per string) cost {
		c.report(per)
		n := float64(b.N)
		return cost{float64(b.Elapsed().Nanoseconds()) / n, float64(c.cpu.Nanoseconds()) / n}
	}
	var rebuildTrie, rebuildRFC cost
	b.Run("rebuild_trie", func(b *testing.B) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var t *trie
		c := startClock(b)
		for b.Loop() {
			t = buildTrie(handles, ids)
		}
		rebuildTrie = measured(b, c, "rebuild")
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(len(ids)), "heap-B/fact")
		runtime.KeepAlive(t)
	})
	b.Run("rebuild_rfc6962", func(b *testing.B) {
		c := startClock(b)
		for b.Loop() {
			buildTree(ids)
		}
		rebuildRFC = measured(b, c, "rebuild")
	})
	b.Run("append", func(b *testing.B) {
		t := buildTrie(handles, ids)
		table := slices.Clone(ids) // with the spare capacity of ids: appends do not copy 32 MB
		table = slices.Grow(table, 1<<20)
		var root [TrieHashSize]byte
		c := startClock(b)
		for b.Loop() {
			id := next()
			h := uint32(len(table))
			u := t.plan([]uint32{h}, idTable{base: table, more: []ID{id}})
			table = append(table, id)
			t.commit(u)
			root = t.rootHash(idTable{base: table})
		}
		if root == TrieEmptyRoot {
			b.Fatal("empty root")
		}
		per := measured(b, c, "append")
		if rebuildTrie.wall > 0 && per.cpu > 0 {
			b.ReportMetric(rebuildTrie.wall/per.wall, "x-faster-than-rebuild-trie")
			b.ReportMetric(rebuildTrie.cpu/per.cpu, "x-cpu-faster-than-rebuild-trie")
		}
		if rebuildRFC.wall > 0 && per.cpu > 0 {
			b.ReportMetric(rebuildRFC.wall/per.wall, "x-faster-than-rebuild-rfc6962")
			b.ReportMetric(rebuildRFC.cpu/per.cpu, "x-cpu-faster-than-rebuild-rfc6962")
		}
		b.ReportMetric(float64(cap(t.nodes))*float64(unsafe.Sizeof(trieNode{}))/float64(t.size), "trie-B/fact")
	})
}

// BenchmarkJournalRootAfterAppend is the same through the journal, at
// 100k facts: append_fact of one parsed fact (its commit and fsync
// included) and then merkle_root, against the same append followed by the
// RFC 6962 root (merkle_root with rfc6962: true), which rebuilds its tree
// after every write; root_only is the trie's merkle_root alone.
func BenchmarkJournalRootAfterAppend(b *testing.B) {
	j := filledJournal(b, b.TempDir(), 10*batchSize)
	defer j.close()
	ctx := context.Background()
	more := parsedFacts(b, batchSize, 3_000_000)
	rfc := sdk.Map(map[string]sdk.Value{"rfc6962": sdk.Bool(true)})
	next := 0
	run := func(b *testing.B, root func() (sdk.Value, error)) {
		c := startClock(b)
		for b.Loop() {
			if next == len(more) {
				b.Fatal("out of facts: raise the pool")
			}
			if _, err := j.merge(ctx, more[next:next+1]); err != nil {
				b.Fatal(err)
			}
			next++
			if v, err := root(); err != nil || v.Len() != TrieHashSize {
				b.Fatalf("root %v, %v", v, err)
			}
		}
		c.report("append")
	}
	b.Run("append_then_root", func(b *testing.B) {
		run(b, func() (sdk.Value, error) { return j.merkleRoot(ctx, &sdk.Call{Args: sdk.Map(nil)}) })
	})
	b.Run("append_then_rfc6962_root", func(b *testing.B) {
		run(b, func() (sdk.Value, error) { return j.merkleRoot(ctx, &sdk.Call{Args: rfc}) })
	})
	b.Run("root_only", func(b *testing.B) {
		c := startClock(b)
		for b.Loop() {
			if _, err := j.merkleRoot(ctx, &sdk.Call{Args: sdk.Map(nil)}); err != nil {
				b.Fatal(err)
			}
		}
		c.report("root")
	})
}

// BenchmarkMerkleRoot builds each structure from scratch at the sizes the
// journal is designed for: the trie (once, on open) and the RFC 6962 tree
// (on the first rfc6962 request after a write).
func BenchmarkMerkleRoot(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		ids, _ := benchIDs(n, 0)
		handles := make([]uint32, len(ids))
		for i := range handles {
			handles[i] = uint32(i)
		}
		b.Run(fmt.Sprintf("trie/%d", n), func(b *testing.B) {
			for b.Loop() {
				buildTrie(handles, ids)
			}
		})
		b.Run(fmt.Sprintf("rfc6962/%d", n), func(b *testing.B) {
			for b.Loop() {
				buildTree(ids)
			}
		})
	}
}

// BenchmarkTrieBatch10k times what a merge of 10k new facts into a journal
// of 100k adds for the trie of all facts: plan (hashing the new paths,
// before the readers' lock) and commit (copying them in, under it), the
// latter reported as locked-ms. The trie grows 10k per iteration.
func BenchmarkTrieBatch10k(b *testing.B) {
	ids, next := benchIDs(10*batchSize, 1<<20)
	handles := make([]uint32, len(ids))
	for i := range handles {
		handles[i] = uint32(i)
	}
	t := buildTrie(handles, ids)
	table := ids
	var locked time.Duration
	c := startClock(b)
	for b.Loop() {
		c.pause()
		batch := make([]ID, batchSize)
		for i := range batch {
			batch[i] = next()
		}
		slices.SortFunc(batch, compareID)
		hs := make([]uint32, batchSize)
		for i := range hs {
			hs[i] = uint32(len(table) + i)
		}
		c.resume()
		u := t.plan(hs, idTable{base: table, more: batch})
		start := time.Now()
		t.commit(u)
		locked += time.Since(start)
		c.pause()
		table = append(table, batch...)
		c.resume()
	}
	c.report("10k-batch")
	reportLocked(b, locked)
}

// BenchmarkMergeSigned10k is the journal's side of healing a partition:
// merge_signed of 10k facts signed by a device (each verified, then
// merged in one transaction) into a fresh journal, through the
// operation's handler as a sync peer calls it. cpu-ms counts every core.
func BenchmarkMergeSigned10k(b *testing.B) {
	key := deviceKey(7)
	facts := sdk.List(signedFacts(key, "dev", batchSize, 0)...)
	keys := sdk.List(keyOf(sdk.Bytes([]byte("dev")), key))
	c := startClock(b)
	for b.Loop() {
		c.pause()
		h := sdktest.New(b, newPlugin(b))
		c.resume()
		res := mustInvoke(b, h, effects.JournalMergeSigned, args("facts", facts, "keys", keys))
		if n, _ := field(res, "merged").AsInt(); n != batchSize {
			b.Fatalf("merged %d of %d: %v", n, batchSize, field(res, "refused"))
		}
	}
	c.report("10k-batch")
}
