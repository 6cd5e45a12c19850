# Anti-entropy sync between two replicas. Each round they compare digests
# of their item sets; while the digests differ, the replica sends the
# items it has and the peer answers with up to two items the replica
# lacks, both sides merging what they learn. The loop ends when the
# digests are equal.
protocol "anti_entropy" {
  roles           = ["Replica", "Peer"]
  policy          = "aura.vm.sync_anti_entropy.prod"
  step_multiplier = 64

  # Each side's items come from the host (its journal, say).
  set "Replica" "items" {
    value = host()
    sort  = "list"
  }
  set "Peer" "items" {
    value = host()
    sort  = "list"
  }

  rec "Round" {
    invoke "Replica" "crypto.hash" {
      args   = { data = encode("$items") }
      result = "digest"
    }
    send "Replica" "Peer" "Digest" {
      value = "$digest"
      sort  = "bytes"
      bind  = "their_digest"
    }
    invoke "Peer" "crypto.hash" {
      args   = { data = encode("$items") }
      result = "digest"
    }

    choice "Peer" {
      decide = "$digest" == "$their_digest" ? "InSync" : "Differ"

      branch "InSync" {
        send "Peer" "Replica" "InSync" {}
        set "Replica" "agreed_digest" {
          value = "$digest"
        }
      }
      branch "Differ" {
        send "Peer" "Replica" "Differ" {}
        send "Replica" "Peer" "Have" {
          value = "$items"
          sort  = "list"
          bind  = "their_items"
        }
        send "Peer" "Replica" "Missing" {
          value = take(difference("$items", "$their_items"), 2)
          sort  = "list"
          bind  = "missing"
        }
        set "Peer" "items" {
          value = union("$items", "$their_items")
        }
        set "Replica" "items" {
          value = union("$items", "$missing")
        }
        continue "Round" {}
      }
    }
  }
}
