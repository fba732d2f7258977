module github.com/pdsafe/pdsafe/compat/go

go 1.24
