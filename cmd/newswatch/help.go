package main

import (
	"embed"
	"strings"
)

// helpFiles hold what -h says of each command, one file a command:
// help/feeds-list.txt for "feeds list". They are plain text, to be read
// and edited as the prose they are.
//
//go:embed help/*.txt
var helpFiles embed.FS

// help returns the description of the command name. Every command has
// one (TestEveryCommandHasHelp).
func help(name string) string {
	text, err := helpFiles.ReadFile("help/" + strings.ReplaceAll(name, " ", "-") + ".txt")
	if err != nil {
		panic("newswatch: no help for the command " + name)
	}
	return string(text)
}
