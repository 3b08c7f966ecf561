// Command memberlist-go is a tiny hashicorp/memberlist node used by metallbts interop tests:
// it joins a cluster with a MetalLB-style secret (or raw keys) and prints member events as JSON lines.
package main

import (
	"bufio"
	"compress/lzw"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

var outMu sync.Mutex

func emit(fields map[string]interface{}) {
	fields["ts"] = time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(fields)
	outMu.Lock()
	os.Stdout.Write(append(b, '\n'))
	outMu.Unlock()
}

type events struct{}

func nodeFields(ev string, n *memberlist.Node) map[string]interface{} {
	return map[string]interface{}{"event": ev, "node": n.Name, "addr": net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))}
}

func (events) NotifyJoin(n *memberlist.Node)   { emit(nodeFields("join", n)) }
func (events) NotifyUpdate(n *memberlist.Node) { emit(nodeFields("update", n)) }

// nodeState reads the real state of a node: the Node passed to NotifyLeave carries a stale State
// (memberlist keeps it in the unexported nodeState), so look it up by reflection. NotifyLeave runs
// with memberlist's node lock held by this goroutine, so the read is safe.
func nodeState(name string) (memberlist.NodeStateType, bool) {
	if ml == nil {
		return 0, false
	}
	nodeMap := reflect.ValueOf(ml).Elem().FieldByName("nodeMap")
	if !nodeMap.IsValid() {
		return 0, false
	}
	ns := nodeMap.MapIndex(reflect.ValueOf(name))
	if !ns.IsValid() || ns.IsNil() {
		return 0, false
	}
	st := ns.Elem().FieldByName("State")
	if !st.IsValid() {
		return 0, false
	}
	return memberlist.NodeStateType(st.Int()), true
}

var ml *memberlist.Memberlist

func (events) NotifyLeave(n *memberlist.Node) {
	if st, ok := nodeState(n.Name); ok && st == memberlist.StateLeft {
		emit(nodeFields("left", n))
	} else {
		emit(nodeFields("dead", n))
	}
}

func main() {
	var joins multiFlag
	name := flag.String("name", "go-node", "member name")
	bind := flag.String("bind", "127.0.0.1:7946", "bind ADDR:PORT")
	secret := flag.String("secret", "", "MetalLB-style secret, turned into the key by -derivation; empty = clear")
	derivation := flag.String("derivation", "metallb-v0.16.2", "secret to primary key: metallb-v0.16.2 | metallb-legacy")
	accept := flag.String("accept", "", "comma list of further derivations whose keys are installed as secondary (receive-only) keys")
	var rawKeys multiFlag
	flag.Var(&rawKeys, "key", "raw AES key in hex (repeatable; the first is primary when no -secret is given)")
	deriveMode := flag.Bool("derive", false, "read secrets from stdin (one a line), print each one's keys as JSON lines and exit")
	profile := flag.String("profile", "lan", "lan | fast")
	label := flag.String("label", "", "label header (builds for memberlist >= 0.3 only)")
	flag.Var(&joins, "join", "ADDR:PORT to join (repeatable)")
	lzwMode := flag.Bool("lzw", false, "compress stdin with Go's compress/lzw (LSB, 8) to stdout and exit (codec check)")
	flag.Parse()
	if *deriveMode {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			out := map[string]interface{}{"secret": in.Text()}
			for _, d := range derivations {
				k, _ := deriveKey(in.Text(), d)
				out[d] = hex.EncodeToString(k)
			}
			b, _ := json.Marshal(out)
			fmt.Println(string(b))
		}
		return
	}
	if *lzwMode {
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			os.Exit(1)
		}
		w := lzw.NewWriter(os.Stdout, lzw.LSB, 8)
		if _, err := w.Write(data); err != nil {
			os.Exit(1)
		}
		if err := w.Close(); err != nil {
			os.Exit(1)
		}
		return
	}

	host, portStr, splitErr := net.SplitHostPort(*bind)
	if splitErr != nil {
		fmt.Fprintln(os.Stderr, "bad --bind:", splitErr)
		os.Exit(2)
	}
	port, _ := strconv.Atoi(portStr)
	cfg := memberlist.DefaultLANConfig()
	cfg.Name = *name
	cfg.BindAddr = host
	cfg.BindPort = port
	cfg.AdvertiseAddr = host
	cfg.AdvertisePort = port
	cfg.Events = events{}
	cfg.LogOutput = os.Stderr
	if *profile == "fast" {
		cfg.ProbeInterval = 200 * time.Millisecond
		cfg.ProbeTimeout = 100 * time.Millisecond
		cfg.SuspicionMult = 2
		cfg.GossipInterval = 50 * time.Millisecond
	}
	if err := applyLabel(cfg, *label); err != nil {
		fmt.Fprintln(os.Stderr, "label:", err)
		os.Exit(2)
	}
	keyring, err := buildKeyring(*secret, *derivation, *accept, rawKeys)
	if err != nil {
		fmt.Fprintln(os.Stderr, "keys:", err)
		os.Exit(2)
	}
	cfg.Keyring = keyring
	ml, err = memberlist.Create(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "create:", err)
		os.Exit(1)
	}
	var keys []string
	if keyring != nil {
		for _, k := range keyring.GetKeys() {
			keys = append(keys, hex.EncodeToString(k))
		}
	}
	emit(map[string]interface{}{"event": "ready", "node": *name, "keys": keys})
	if len(joins) > 0 {
		deadline := time.Now().Add(20 * time.Second)
		for {
			n, err := ml.Join(joins)
			if err == nil && n > 0 {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintln(os.Stderr, "join failed:", err)
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	<-sigs
	_ = ml.Leave(time.Second)
	_ = ml.Shutdown()
	emit(map[string]interface{}{"event": "shutdown", "node": *name})
}
