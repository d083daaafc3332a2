// Command handoff measures what Go's scheduler adds to a C call that
// computes for a while, as an OpenSSL signature or key exchange does, and
// what it would add if such calls ran on a C thread of their own instead.
//
// Two goroutines take turns, as the two ends of an in-memory handshake do;
// each turn is one C call that computes for a fixed time, made in one of
// three ways:
//
//   - direct: a cgo call, as the library makes every OpenSSL call;
//   - eventfd: the job goes to one C worker thread, and the goroutine waits
//     for it by reading an eventfd through Go's netpoller;
//   - callback: the same worker calls an exported Go function when done,
//     which fills a channel the goroutine waits on.
//
// It prints, per length of the C work, the time each way takes per call
// beyond the work itself, as a Markdown table (docs/PERFORMANCE.md). Run it
// under perf stat -e syscalls:sys_enter_futex with one -mode and one -us to
// count the futex calls of one cell.
//
// Usage:
//
//	handoff [-mode all|direct|eventfd|callback] [-us 5,30,100,400] [-n 10000] [-procs 1]
package main

// #include "worker.h"
import "C"

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// done is what goDone fills for the callback mode.
var done = make(chan struct{}, 1)

// goDone is the worker's callback in the callback mode.
//
//export goDone
func goDone() { done <- struct{}{} }

// modes in the order of the table's columns.
var modes = []string{"direct", "eventfd", "callback"}

// columns names each mode in the table's header.
var columns = map[string]string{
	"direct":   "direct cgo call",
	"eventfd":  "C thread, Go waits on an eventfd in the netpoller",
	"callback": "C thread, its callback into Go fills a channel",
}

func main() {
	mode := flag.String("mode", "all", "direct, eventfd, callback, or all")
	usList := flag.String("us", "5,30,100,400", "lengths of the C work per call, in microseconds, comma-separated")
	n := flag.Int("n", 10000, "calls per measurement")
	procs := flag.Int("procs", 1, "GOMAXPROCS (1: the in-memory rows of make bench)")
	flag.Parse()
	if *n < 2 {
		log.Fatalf("handoff: -n %d: want at least 2 calls, one per goroutine", *n)
	}
	if *procs < 1 {
		log.Fatalf("handoff: -procs %d: want at least 1", *procs)
	}
	runtime.GOMAXPROCS(*procs)
	// The two goroutines make one call each per turn.
	calls := *n / 2 * 2

	var lengths []int
	for _, f := range strings.Split(*usList, ",") {
		us, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || us < 0 {
			log.Fatalf("handoff: -us %q: want non-negative whole microseconds", *usList)
		}
		lengths = append(lengths, us)
	}
	run := modes
	if *mode != "all" {
		if _, ok := columns[*mode]; !ok {
			log.Fatalf("handoff: -mode %q: want direct, eventfd, callback or all", *mode)
		}
		run = []string{*mode}
	}
	efd := C.worker_start()
	if efd < 0 {
		log.Fatal("handoff: cannot start the worker thread or its eventfd")
	}
	ev := os.NewFile(uintptr(efd), "eventfd")

	fmt.Printf("Overhead per call beyond the C work; %d calls per cell, GOMAXPROCS=%d, %s.\n\n", calls, *procs, runtime.Version())
	header, rule := "| C work per call |", "|---:|"
	for _, m := range run {
		header += " " + columns[m] + " |"
		rule += "---:|"
	}
	fmt.Println(header)
	fmt.Println(rule)
	for _, us := range lengths {
		row := fmt.Sprintf("| %d µs |", us)
		for _, m := range run {
			per := measure(call(m, us, ev), calls/2)
			row += fmt.Sprintf(" %.1f µs |", per.Seconds()*1e6-float64(us))
		}
		fmt.Println(row)
	}
}

// call returns one C call of us microseconds made the way mode says.
func call(mode string, us int, ev *os.File) func() {
	buf := make([]byte, 8)
	switch mode {
	case "direct":
		return func() { C.burn(C.int(us)) }
	case "eventfd":
		return func() {
			C.worker_submit(C.int(us), C.WAKE_EVENTFD)
			if _, err := ev.Read(buf); err != nil {
				log.Fatalf("handoff: reading the eventfd: %v", err)
			}
		}
	}
	return func() {
		C.worker_submit(C.int(us), C.WAKE_CALLBACK)
		<-done
	}
}

// measure runs op 2×turns times, two goroutines taking turns, and returns
// the time per call.
func measure(op func(), turns int) time.Duration {
	ping, pong := make(chan struct{}), make(chan struct{})
	go func() {
		for range ping {
			op()
			pong <- struct{}{}
		}
	}()
	defer close(ping)
	start := time.Now()
	for i := 0; i < turns; i++ {
		op()
		ping <- struct{}{}
		<-pong
	}
	return time.Since(start) / time.Duration(2*turns)
}
