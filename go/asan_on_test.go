//go:build asan

package pdsafe_test

const asanEnabled = true
