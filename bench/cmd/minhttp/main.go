// Command minhttp is the floor that Ruche's startup time and memory are
// compared with: the smallest Go HTTP server that answers GET /healthz,
// built and started by ruchebench exactly as ruche is. Its figures measure
// the machine (exec, Go runtime start, a listening socket), not any code of
// ours, so ruche/minhttp ratios drift less than absolute times on shared
// machines.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
