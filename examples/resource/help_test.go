package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestHelp: -h and -help print the usage with every flag and are not an error.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out bytes.Buffer
		if err := run(context.Background(), []string{arg}, &out); err != nil {
			t.Errorf("run %s: %v, want nil", arg, err)
		}
		for _, want := range []string{"Usage:", "-validator", "-db", "-hash-key"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run %s printed no %q:\n%s", arg, want, out.String())
			}
		}
	}
}

// TestHelpExitStatus runs the command itself (this test binary, calling main) with -h and
// with an unknown flag: help exits 0, a wrong flag 1.
func TestHelpExitStatus(t *testing.T) {
	if arg := os.Getenv("RESOURCE_TEST_MAIN_ARG"); arg != "" {
		os.Args = []string{"resource", arg}
		main()
		os.Exit(0)
	}
	for arg, want := range map[string]int{"-h": 0, "-help": 0, "-nope": 1} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelpExitStatus$")
		cmd.Env = append(os.Environ(), "RESOURCE_TEST_MAIN_ARG="+arg)
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Errorf("resource %s exited %d, want %d:\n%s", arg, code, want, out)
		}
		if !strings.Contains(string(out), "Usage:") {
			t.Errorf("resource %s printed no usage:\n%s", arg, out)
		}
	}
}

// TestDemoTokenMarks: the seeded demo tokens carry the mark of their kind, as package flows
// issues them, so a personal or customer token does not read as an access token.
func TestDemoTokenMarks(t *testing.T) {
	c, err := parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, demo, cleanup, err := newHandler(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	got := map[string]string{}
	for _, d := range demo {
		v := strings.TrimPrefix(d.header, "Authorization: ")
		if b, ok := strings.CutPrefix(v, "Basic "); ok {
			raw, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				t.Fatal(err)
			}
			_, v, _ = strings.Cut(string(raw), ":")
		}
		got[d.what] = strings.TrimPrefix(v, "Bearer ")
	}
	for what, mark := range map[string]string{
		"access token (chats--my:ro)":                                        "oak:at_",
		"personal access token as Basic, login as user name (chats--all:rw)": "oak:pat_",
		"customer token": "oak:ct_",
	} {
		if tok, ok := got[what]; !ok || !strings.HasPrefix(tok, mark) {
			t.Errorf("%s: %q, want the mark %q", what, tok, mark)
		}
	}
}
