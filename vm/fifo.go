package vm

import "github.com/aurahost/aura-host/effects"

// Message is one message on a directed edge of a session. Seq numbers the
// messages of each edge from 0, so a receiver can tell a gap or a replay.
type Message struct {
	Session effects.SessionID
	From    string
	To      string
	Seq     uint64
	Label   string
	Payload effects.Value
}

// fifo is a bounded ring buffer of messages: one directed edge.
type fifo struct {
	buf        []Message
	head, size int
}

func newFIFO(capacity int) *fifo { return &fifo{buf: make([]Message, capacity)} }

func (f *fifo) full() bool  { return f.size == len(f.buf) }
func (f *fifo) empty() bool { return f.size == 0 }

func (f *fifo) front() *Message { return &f.buf[f.head] }

func (f *fifo) push(m Message) {
	f.buf[(f.head+f.size)%len(f.buf)] = m
	f.size++
}

func (f *fifo) pop() {
	f.buf[f.head] = Message{} // drop references to the payload
	f.head = (f.head + 1) % len(f.buf)
	f.size--
}
