// Package golden reads the answers Python's ssl module gave, recorded under
// testdata/golden by testdata/golden/record.py, so tests compare with Python
// without running it.
package golden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
)

// Dir is the testdata directory of the module.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Path returns the path of a file under testdata.
func Path(name string) string { return filepath.Join(Dir(), filepath.FromSlash(name)) }

// Load decodes testdata/golden/<name> into v.
func Load(name string, v any) error {
	b, err := os.ReadFile(Path("golden/" + name))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Exception is how record.py writes a Python exception, or {"ok": true}.
type Exception struct {
	OK            bool    `json:"ok"`
	Class         string  `json:"class"`
	Errno         *int    `json:"errno"`
	Library       *string `json:"library"`
	Reason        *string `json:"reason"`
	Message       string  `json:"message"`
	Str           string  `json:"str"`
	VerifyCode    *int    `json:"verify_code"`
	VerifyMessage *string `json:"verify_message"`
}

// Str returns *p, or "" for nil: Python's None.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Int returns *p, or 0 for nil.
func Int(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
