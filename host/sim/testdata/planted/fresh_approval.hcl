# A coordinator with a planted bug, for host/sim's shrink tests and
# `aura-host simulate`'s: do not copy it.
#
# The account asks its three guardians to approve; a guardian approves
# only a fresh request (one that reached it within 10ms of being asked),
# and answers Stale to an old one, after which the account asks everyone
# again, up to four rounds. A guardian's approval stands: once it has
# approved, it answers every later round with its approval again. The
# account grants once it has two approvals.
#
# The bug: the account counts approval messages, across rounds, instead of
# the distinct guardians that approved. A guardian's approval re-sent in
# the next round is counted twice, so when the network holds the other two
# back (a delay, a drop the transport retransmits 100ms later, a
# partition) for two rounds, the account grants on one guardian's word.
# The fix would keep approved[*] per guardian and decide on
# count_true("$approved") >= 2.
#
# A duplicated envelope cannot trigger it: the receiver's guard chain
# refuses the copy's receipt as a replay, and the post office drops a
# sequence number it already delivered. The double count needs the
# protocol's own re-send, a new message each round, which the guard chain
# rightly lets through.
protocol "fresh_approval" {
  roles           = ["Account", "Guardian[3]"]
  step_multiplier = 16

  set "Account" "approvals" {
    value = 0
  }
  set "Account" "round" {
    value = 0
  }
  set "Guardian[*]" "approved" {
    value = false
  }

  rec "Round" {
    # Rounds are paced: the account waits 20ms before it asks.
    invoke "Account" "clock.sleep_ms" {
      args = { ms = 20 }
    }
    now "Account" {
      result = "asked_at"
    }
    send "Account" "Guardian[*]" "Request" {
      value = "$asked_at"
      bind  = "asked_at"
    }
    now "Guardian[*]" {
      result = "seen_at"
    }
    # A guardian takes 5ms to review a request.
    invoke "Guardian[*]" "clock.sleep_ms" {
      args = { ms = 5 }
    }
    choice "Guardian[*]" {
      decide = "$approved" || int("$seen_at") - int("$asked_at") <= 10 ? "Approve" : "Stale"

      branch "Approve" {
        send "Guardian[*]" "Account" "Approve" {}
        set "Guardian[*]" "approved" {
          value = true
        }
        # The planted bug: one more approval message, whoever sent it.
        set "Account" "approvals" {
          value = "$approvals" + 1
        }
      }
      branch "Stale" {
        send "Guardian[*]" "Account" "Stale" {}
      }
    }
    set "Account" "round" {
      value = "$round" + 1
    }
    choice "Account" {
      decide = "$approvals" >= 2 ? "Granted" : ("$round" >= 4 ? "Denied" : "Retry")

      branch "Granted" {
        send "Account" "Guardian[*]" "Granted" {}
      }
      branch "Denied" {
        send "Account" "Guardian[*]" "Denied" {}
      }
      branch "Retry" {
        send "Account" "Guardian[*]" "Retry" {}
        continue "Round" {}
      }
    }
  }
}
