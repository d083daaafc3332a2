package ssl

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Python's names for the members it has, and the type and number for one
// it has not.
func TestEnumNames(t *testing.T) {
	for _, tc := range []struct {
		v    fmt.Stringer
		want string
	}{
		{ProtocolTLSClient, "PROTOCOL_TLS_CLIENT"},
		{Protocol(99), "Protocol(99)"},
		{CertOptional, "CERT_OPTIONAL"},
		{VerifyMode(7), "VerifyMode(7)"},
		{AlertDescriptionUnrecognizedName, "ALERT_DESCRIPTION_UNRECOGNIZED_NAME"},
		{AlertDescription(255), "AlertDescription(255)"},
	} {
		assert.Equal(t, tc.want, tc.v.String())
	}
}
