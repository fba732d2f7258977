//go:build !race

package pdsafe_test

const raceEnabled = false
