module github.com/pdsafe/pdsafe/go

go 1.24
