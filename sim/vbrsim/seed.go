package vbrsim

import _ "embed"

// DefaultSeed is the YAML of the default vbr seed section: a Windows backup
// server, two Linux hosts, repositories (the Default Backup Repository
// among them), a scale-out repository with two performance extents, two
// protection groups with discovered computers, backups and a recovery
// token. Object ids are fixed so golden tests are stable.
//
//go:embed seed.yaml
var DefaultSeed []byte
