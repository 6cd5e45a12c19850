# Ping-pong: the smallest choreography. The client pings the server with a
# payload the host supplies; the server answers with the same bytes.
protocol "ping_pong" {
  roles = ["Client", "Server"]

  send "Client" "Server" "Ping" {
    value = host()
    sort  = "bytes"
    bind  = "ping"
  }

  send "Server" "Client" "Pong" {
    value = "$ping"
    sort  = "bytes"
    bind  = "pong"
  }
}
