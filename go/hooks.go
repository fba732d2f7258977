package pdsafe

import "sync/atomic"

// cleanupHook, when set (by tests, through export_test.go), is told about
// every cleanup that freed a never-closed object and what the library said.
var cleanupHook atomic.Pointer[func(kind string, h uint64, err error)]

func testHookCleanup(kind string, h uint64, err error) {
	if f := cleanupHook.Load(); f != nil {
		(*f)(kind, h, err)
	}
}
