# The sender commits a send, then sleeps a second of virtual time before
# its second send. While it sleeps its machine runs (inside the sleep), so
# the first send has not been handed to the network yet: a crash then
# loses it (host/sim's crash tests).
protocol "send_then_sleep" {
  roles = ["Sender", "Receiver"]

  send "Sender" "Receiver" "First" {
    value = host()
    sort  = "bytes"
    bind  = "first"
  }

  invoke "Sender" "clock.sleep_ms" {
    args = { ms = 1000 }
  }

  send "Sender" "Receiver" "Second" {
    value = host()
    sort  = "bytes"
    bind  = "second"
  }
}
