# Two-phase commit: the coordinator proposes a transaction, every
# participant votes, and the coordinator commits only if all voted yes —
# otherwise every participant is told to abort.
protocol "two_phase_commit" {
  roles = ["Coordinator", "Participant[2]"]

  # One transaction at a time per coordinator.
  acquire "Coordinator" "transaction_lock" {}

  set "Coordinator" "transaction" {
    value = host()
  }
  send "Coordinator" "Participant[*]" "Prepare" {
    value = "$transaction"
    bind  = "transaction"
  }

  # Phase one: each participant votes; the coordinator notes the vote.
  choice "Participant[*]" {
    branch "Yes" {
      send "Participant[*]" "Coordinator" "Yes" {}
      set "Coordinator" "vote[*]" {
        value = true
      }
    }
    branch "No" {
      send "Participant[*]" "Coordinator" "No" {}
      set "Coordinator" "vote[*]" {
        value = false
      }
    }
  }

  # Phase two: commit on a unanimous yes, abort otherwise.
  choice "Coordinator" {
    decide = count_true("$vote") == len("$vote") ? "Commit" : "Abort"

    branch "Commit" {
      send "Coordinator" "Participant[*]" "Commit" {}
      send "Participant[*]" "Coordinator" "Ack" {}
    }
    branch "Abort" {
      send "Coordinator" "Participant[*]" "Abort" {}
      send "Participant[*]" "Coordinator" "Ack" {}
    }
  }

  release "Coordinator" "transaction_lock" {}
}
