module github.com/pdsafe/pdsafe/go

go 1.25.0

require golang.org/x/exp v0.0.0-20260813180055-c1d0aacb2297
