// Command login logs a user in through the sidecar and prints who is logged in.
//
//	SIDECAR_ADDRESS=127.0.0.1:50051 SIDECAR_APP_CREDENTIAL=... go run ./examples/login cometchat-uid-1
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/cometchat-sidecar/cometchat-sidecar/clients/go/sidecar"
)

func main() {
	uid := "cometchat-uid-1"
	if len(os.Args) > 1 {
		uid = os.Args[1]
	}
	address := os.Getenv("SIDECAR_ADDRESS")
	if address == "" {
		address = sidecar.DefaultAddress
	}
	ctx := context.Background()

	c, err := sidecar.Dial(ctx, address, sidecar.WithCredential(os.Getenv("SIDECAR_APP_CREDENTIAL")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	user, err := c.Login(ctx, uid)
	var serr *sidecar.Error
	switch {
	case errors.As(err, &serr) && serr.Reason == sidecar.ReasonUIDWithSpace:
		log.Fatalf("%q is not a valid UID", uid)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Printf("logged in as %s (%s)\n", user.GetUid(), user.GetName())

	if err := c.Logout(ctx); err != nil {
		log.Fatal(err)
	}
}
