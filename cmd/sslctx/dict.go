package main

import (
	"bytes"
	"encoding/json"
	"strings"
)

// dictText writes a JSON object one key per line with compact values, in
// the order of its keys: how a certificate dict reads best on a terminal.
func dictText(v any, indent string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return string(b), err
	}
	var lines []string
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return "", err
		}
		k, _ := json.Marshal(key)
		lines = append(lines, indent+"  "+string(k)+": "+string(raw))
	}
	if len(lines) == 0 {
		return "{}", nil
	}
	return "{\n" + strings.Join(lines, ",\n") + "\n" + indent + "}", nil
}
