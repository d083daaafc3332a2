package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// tls13Labels are the NSS key log labels of a TLS 1.3 handshake, sorted.
var tls13Labels = []string{
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
	"SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0",
}

// keylogLine is one NSS key log line: label, client random, secret.
var keylogLine = regexp.MustCompile(`^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]+)$`)

// keylogRandoms reads an NSS key log file and returns, for each label, the
// client randoms it was logged for; every line that is not a comment must
// be a well-formed key log line.
func keylogRandoms(t *testing.T, file string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	got := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		m := keylogLine.FindStringSubmatch(line)
		require.NotNil(t, m, "not a key log line: %q", line)
		got[m[1]] = append(got[m[1]], m[2])
	}
	return got
}
