// Command app is the cluster tests' Go app: it runs as the app container's main process
// ("hold": logs its start and its SIGTERM as JSON lines, then exits) and, through
// `kubectl exec`, calls the sidecar with the Go client over the container's own socket.
//
//	app hold | app login UID | app whoami | app logout | app ready | app env
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/cometchat-sidecar/cometchat-sidecar/clients/go/sidecar"
)

func emit(fields map[string]any) {
	fields["t"] = float64(time.Now().UnixNano()) / 1e9
	line, _ := json.Marshal(fields)
	fmt.Println(string(line))
}

func fail(err error) {
	emit(map[string]any{"error": err.Error(), "reason": sidecar.ReasonOf(err)})
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: app hold|login UID|whoami|logout|ready|env")
		os.Exit(2)
	}
	if os.Args[1] == "hold" {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, syscall.SIGTERM)
		emit(map[string]any{"event": "started"})
		<-signals
		emit(map[string]any{"event": "sigterm"})
		return
	}
	if os.Args[1] == "env" {
		names := os.Environ()
		sort.Strings(names)
		for _, kv := range names {
			fmt.Println(kv)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := sidecar.New(os.Getenv("SIDECAR_ADDRESS"))
	if err != nil {
		fail(err)
	}
	defer c.Close()
	switch os.Args[1] {
	case "ready":
		err = c.WaitUntilReady(ctx)
		if err == nil {
			emit(map[string]any{"ready": true})
		}
	case "login":
		user, lerr := c.Login(ctx, os.Args[2])
		err = lerr
		if err == nil {
			emit(map[string]any{"uid": user.GetUid()})
		}
	case "whoami":
		user, werr := c.GetLoggedInUser(ctx)
		err = werr
		if err == nil && user == nil {
			emit(map[string]any{"uid": nil}) // nobody logged in
		} else if err == nil {
			emit(map[string]any{"uid": user.GetUid()})
		}
	case "logout":
		err = c.Logout(ctx)
		if err == nil {
			emit(map[string]any{"logged_out": true})
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}
