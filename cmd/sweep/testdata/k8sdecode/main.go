// Command k8sdecode decodes Kubernetes manifests strictly into the real API
// types of k8s.io/api, offline: no cluster, no kubeconfig, no OpenAPI
// download. It fails on YAML that does not parse, an apiVersion/kind that
// Kubernetes does not define, and a field that the kind does not have (a
// typo such as "parallelizm"). It is a module of its own so that the sweep
// module does not require k8s.io/api; the deploy lint test runs it with
// go run.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: k8sdecode FILE...")
		os.Exit(2)
	}
	code := 0
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "k8sdecode: error: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

func check(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	codecs := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)
	dec := codecs.UniversalDeserializer()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", path, n, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, gvk, err := dec.Decode(doc, nil, nil)
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", path, n, err)
		}
		if _, ok := obj.(runtime.Unstructured); ok {
			return fmt.Errorf("%s: document %d: %v is not a built-in kind", path, n, gvk)
		}
		fmt.Printf("%s: document %d: %v ok\n", path, n, gvk)
	}
}
