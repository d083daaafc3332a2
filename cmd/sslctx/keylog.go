package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/sslctx/ssl"
)

// setKeylog makes c append its connections' secrets to file in the NSS key
// log format (-keylog), if file is not "". A file that cannot be opened is
// a configuration error naming it.
func setKeylog(c *ssl.Context, file string) error {
	if file == "" {
		return nil
	}
	if err := c.SetKeylogFilename(file); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return configError{fmt.Errorf("-keylog %s: %w", file, err)}
	}
	return nil
}
