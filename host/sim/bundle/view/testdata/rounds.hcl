# Five roles, 25 rounds: each round the hub hashes the round number, sends
# it to the four others and each answers; then it stops them. 204
# messages: the viewer's size test (view_test.go) records it in simulation.
protocol "rounds" {
  roles           = ["Hub", "A", "B", "C", "D"]
  step_multiplier = 64

  set "Hub" "round" {
    value = 0
  }

  rec "Round" {
    choice "Hub" {
      decide = "$round" < 25 ? "Tick" : "Stop"

      branch "Tick" {
        send "Hub" "A" "Tick" {
          value = "$round"
          bind  = "r"
        }
        send "Hub" "B" "Tick" {
          value = "$round"
          bind  = "r"
        }
        send "Hub" "C" "Tick" {
          value = "$round"
          bind  = "r"
        }
        send "Hub" "D" "Tick" {
          value = "$round"
          bind  = "r"
        }
        send "A" "Hub" "Ack" {
          value = "$r"
        }
        send "B" "Hub" "Ack" {
          value = "$r"
        }
        send "C" "Hub" "Ack" {
          value = "$r"
        }
        send "D" "Hub" "Ack" {
          value = "$r"
        }
        invoke "Hub" "crypto.hash" {
          args   = { data = encode("$round") }
          result = "digest"
        }
        set "Hub" "round" {
          value = "$round" + 1
        }
        continue "Round" {}
      }
      branch "Stop" {
        send "Hub" "A" "Stop" {}
        send "Hub" "B" "Stop" {}
        send "Hub" "C" "Stop" {}
        send "Hub" "D" "Stop" {}
      }
    }
  }
}
