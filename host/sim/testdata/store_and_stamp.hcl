# The client asks its storage whether a key exists, the server reads its
# clock, then the client pings the server: a run that a storage failure of
# the client and a clock skew of the server both act on (host/sim's
# coverage tests).
protocol "store_and_stamp" {
  roles = ["Client", "Server"]

  invoke "Client" "storage.exists" {
    args   = { key = "k" }
    result = "there"
  }

  now "Server" {
    result = "stamp"
  }

  send "Client" "Server" "Ping" {
    value = host()
    sort  = "bytes"
    bind  = "ping"
  }
}
