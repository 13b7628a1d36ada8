package coldstart

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Runtime is a fake Lambda Runtime API on loopback: enough of it (next, response, error, init
// error) for aws-lambda-go to run one process at a time.
type Runtime struct {
	Addr string // host:port; AWS_LAMBDA_RUNTIME_API is host:port/<launch>

	ln  net.Listener
	srv *http.Server

	mu       sync.Mutex
	cur      *session
	launches int
}

// session is what one launched process is handed and what it does.
type session struct {
	id     string
	events [][]byte
	served int
	nexts  chan time.Time // when each GET /next arrived
	posts  chan post      // each response or error
	done   chan struct{}  // closed when the launch is over: a pending /next is released
}

type post struct {
	at    time.Time
	body  []byte
	error bool
	init  bool
}

// NewRuntime starts a runtime API on 127.0.0.1.
func NewRuntime() (*Runtime, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rt := &Runtime{Addr: ln.Addr().String(), ln: ln}
	mux := http.NewServeMux()
	// Each launch gets its own path prefix (AWS_LAMBDA_RUNTIME_API=127.0.0.1:port/<launch>), so a
	// request a killed process left in its socket can never be taken for the next process's.
	mux.HandleFunc("GET /{launch}/2018-06-01/runtime/invocation/next", rt.next)
	mux.HandleFunc("POST /{launch}/2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) { rt.post(w, r, false, false) })
	mux.HandleFunc("POST /{launch}/2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) { rt.post(w, r, true, false) })
	mux.HandleFunc("POST /{launch}/2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) { rt.post(w, r, true, true) })
	rt.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rt.srv.Serve(ln) }()
	return rt, nil
}

// Close stops the runtime API.
func (rt *Runtime) Close() { _ = rt.srv.Close() }

// current is the session of the launch r belongs to, or nil for a stale one.
func (rt *Runtime) current(r *http.Request) *session {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.cur == nil || rt.cur.id != r.PathValue("launch") {
		return nil
	}
	return rt.cur
}

var debug = os.Getenv("BENCH_DEBUG") != ""

func (rt *Runtime) next(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	if debug {
		fmt.Fprintf(os.Stderr, "%s next from %s\n", at.Format("15:04:05.000"), r.RemoteAddr)
	}
	s := rt.current(r)
	if s == nil {
		http.Error(w, "not the current launch", http.StatusGone)
		return
	}
	select {
	case s.nexts <- at:
	default:
	}
	rt.mu.Lock()
	var ev []byte
	id := 0
	if s.served < len(s.events) {
		ev, id = s.events[s.served], s.served+1
		s.served++
	}
	rt.mu.Unlock()
	if ev == nil {
		// No more work: hold the request, as Lambda does between invocations, until the launch ends.
		select {
		case <-s.done:
		case <-r.Context().Done():
		}
		http.Error(w, "launch over", http.StatusGone)
		return
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", "req-"+strconv.Itoa(id))
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(10*time.Second).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:bench")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(ev)
}

func (rt *Runtime) post(w http.ResponseWriter, r *http.Request, isError, isInit bool) {
	at := time.Now()
	body, _ := io.ReadAll(r.Body)
	if debug {
		fmt.Fprintf(os.Stderr, "%s post %s from %s (%d bytes)\n", at.Format("15:04:05.000"), r.URL.Path, r.RemoteAddr, len(body))
	}
	if s := rt.current(r); s != nil {
		select {
		case s.posts <- post{at: at, body: body, error: isError, init: isInit}:
		default:
		}
	}
	w.WriteHeader(http.StatusAccepted)
}

// Launch is what one start of a bootstrap measured.
type Launch struct {
	// ToNext is from exec to the process's first GET /next: its whole init.
	ToNext time.Duration
	// Invocations are the round trips of the events handed to it, in order: from the moment its
	// GET /next arrived (and the event was handed out) to its response.
	Invocations []Invocation
	Output      string // what it printed
}

// Invocation is one event's round trip.
type Invocation struct {
	RoundTrip time.Duration
	Response  []byte
	Error     bool
}

// Start runs bin with env (and nothing else of this process's environment) against the runtime
// API, hands it events one by one, and kills it when it asks for more. timeout bounds the wait for
// each step.
func (rt *Runtime) Start(ctx context.Context, bin string, env []string, events [][]byte, timeout time.Duration) (l Launch, err error) {
	s := &session{events: events, nexts: make(chan time.Time, len(events)+2), posts: make(chan post, len(events)+2), done: make(chan struct{})}
	rt.mu.Lock()
	rt.launches++
	s.id = "L" + strconv.Itoa(rt.launches)
	rt.cur = s
	rt.mu.Unlock()
	defer func() {
		close(s.done)
		rt.mu.Lock()
		rt.cur = nil
		rt.mu.Unlock()
	}()

	var out bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"AWS_LAMBDA_RUNTIME_API=" + rt.Addr + "/" + s.id}, env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	exited := make(chan error, 1)

	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return l, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Kill)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		l.Output = out.String()
	}()

	wait := func(what string) (time.Time, error) {
		select {
		case at := <-s.nexts:
			return at, nil
		case p := <-s.posts:
			if p.init {
				return time.Time{}, fmt.Errorf("init failed before %s: %s", what, strings.TrimSpace(string(p.body)))
			}
			return time.Time{}, fmt.Errorf("unexpected post before %s", what)
		case err := <-exited:
			exited <- err
			return time.Time{}, fmt.Errorf("the process exited before %s: %v: %s", what, err, tail(out.String()))
		case <-time.After(timeout):
			return time.Time{}, fmt.Errorf("no %s within %s", what, timeout)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	var t1 time.Time
	t1, err = wait("its first GET /next")
	if err != nil {
		return l, err
	}
	l.ToNext = t1.Sub(t0)
	handed := t1
	for i := range events {
		var p post
		select {
		case p = <-s.posts:
		case err := <-exited:
			exited <- err
			return l, fmt.Errorf("the process exited during invocation %d: %v: %s", i+1, err, tail(out.String()))
		case <-time.After(timeout):
			return l, fmt.Errorf("no answer to invocation %d within %s", i+1, timeout)
		case <-ctx.Done():
			return l, ctx.Err()
		}
		l.Invocations = append(l.Invocations, Invocation{RoundTrip: p.at.Sub(handed), Response: p.body, Error: p.error})
		if i+1 < len(events) {
			if handed, err = wait(fmt.Sprintf("GET /next for invocation %d", i+2)); err != nil {
				return l, err
			}
		}
	}
	return l, nil
}

func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 400 {
		s = "…" + s[len(s)-400:]
	}
	return s
}

// Blackhole is a TCP listener that accepts connections, counts them and never answers: a
// dependency that is there but never replies, so a call made during init would hang it.
type Blackhole struct {
	Addr string
	ln   net.Listener
	mu   sync.Mutex
	n    int
	who  []string
}

// NewBlackhole listens on 127.0.0.1.
func NewBlackhole() (*Blackhole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &Blackhole{Addr: ln.Addr().String(), ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.n++
			b.mu.Unlock()
			go func() {
				buf := make([]byte, 512)
				n, _ := c.Read(buf)
				line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
				b.mu.Lock()
				b.who = append(b.who, line)
				b.mu.Unlock()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return b, nil
}

// Connections returns how many connections arrived and the first line each sent.
func (b *Blackhole) Connections() (int, []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n, append([]string(nil), b.who...)
}

// Close stops listening.
func (b *Blackhole) Close() { _ = b.ln.Close() }
