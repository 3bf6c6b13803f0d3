// otlp-receiver: the OpenTelemetry Collector's own OTLP receiver (gRPC), writing every
// batch of spans it accepts to a file as one line of OTLP JSON (pdata's marshaller).
// The tracing tests export the sidecar's spans to it and read the file; nothing here
// decodes OTLP: the collector's receiver does.
//
//	otlp-receiver -endpoint 127.0.0.1:4317 -out spans.jsonl
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

func main() {
	endpoint := flag.String("endpoint", "127.0.0.1:4317", "host:port of the OTLP/gRPC listener")
	out := flag.String("out", "spans.jsonl", "file the received spans are appended to")
	flag.Parse()
	if err := run(*endpoint, *out); err != nil {
		fmt.Fprintln(os.Stderr, "otlp-receiver:", err)
		os.Exit(1)
	}
}

func run(endpoint, out string) error {
	file, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer file.Close()
	var mu sync.Mutex
	marshaler := ptrace.JSONMarshaler{}
	sink, err := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		line, err := marshaler.MarshalTraces(td)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if _, err := file.Write(append(line, '\n')); err != nil {
			return err
		}
		return file.Sync()
	})
	if err != nil {
		return err
	}

	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*otlpreceiver.Config)
	grpcConfig := configgrpc.NewDefaultServerConfig()
	grpcConfig.NetAddr.Endpoint = endpoint
	cfg.Protocols.GRPC = configoptional.Some(grpcConfig)
	cfg.Protocols.HTTP = configoptional.None[otlpreceiver.HTTPConfig]()

	ctx := context.Background()
	settings := receivertest.NewNopSettings(component.MustNewType("otlp"))
	receiver, err := factory.CreateTraces(ctx, settings, cfg, sink)
	if err != nil {
		return err
	}
	if err := receiver.Start(ctx, componenttest.NewNopHost()); err != nil {
		return err
	}
	fmt.Println("listening", endpoint)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return receiver.Shutdown(ctx)
}
