# A reply that takes an hour: the sleeper waits 3,600,000 ms before it
# answers. With the clock plugin swapped for sim-clock, the hour passes in
# virtual time.
protocol "slow_reply" {
  roles = ["Asker", "Sleeper"]

  send "Asker" "Sleeper" "Ask" {
    value = host()
    sort  = "bytes"
    bind  = "question"
  }

  invoke "Sleeper" "clock.sleep_ms" {
    args = { ms = 3600000 }
  }

  send "Sleeper" "Asker" "Reply" {
    value = "$question"
    sort  = "bytes"
    bind  = "answer"
  }
}
