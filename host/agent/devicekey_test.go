package agent_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/aurahost/aura-host/config"
	"github.com/aurahost/aura-host/effects"
	"github.com/aurahost/aura-host/host/agent"
)

// Processes of one production run may create an agent's device key at
// once (each with the whole deployment's agents in mind): they all end
// with the one key the file holds.
func TestDeviceKeyCreatedAtOnceIsOneKey(t *testing.T) {
	dep := &config.Deployment{Mode: effects.Production, StateDir: t.TempDir()}
	id := effects.DeriveAuthorityID("device_1", 0)
	keys := make([][]byte, 16)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			pub, err := agent.DevicePublicKey(dep, id)
			if err != nil {
				t.Error(err)
			}
			keys[i] = pub
		})
	}
	wg.Wait()
	for i, k := range keys {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("creator %d got key %x, creator 0 %x", i, k, keys[0])
		}
	}
	again, err := agent.DevicePublicKey(dep, id)
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("the key read back %x, %v; want %x", again, err, keys[0])
	}
}
