package ssl

import (
	"errors"
	"fmt"

	"github.com/sslctx/ssl/internal/bio"
	"github.com/sslctx/ssl/openssl"
)

// AlertDescription is a TLS alert number (Python's AlertDescription).
type AlertDescription int

// The TLS alerts Python's AlertDescription names, with the same values.
const (
	AlertDescriptionCloseNotify                  AlertDescription = 0
	AlertDescriptionUnexpectedMessage            AlertDescription = 10
	AlertDescriptionBadRecordMAC                 AlertDescription = 20
	AlertDescriptionRecordOverflow               AlertDescription = 22
	AlertDescriptionDecompressionFailure         AlertDescription = 30
	AlertDescriptionHandshakeFailure             AlertDescription = 40
	AlertDescriptionBadCertificate               AlertDescription = 42
	AlertDescriptionUnsupportedCertificate       AlertDescription = 43
	AlertDescriptionCertificateRevoked           AlertDescription = 44
	AlertDescriptionCertificateExpired           AlertDescription = 45
	AlertDescriptionCertificateUnknown           AlertDescription = 46
	AlertDescriptionIllegalParameter             AlertDescription = 47
	AlertDescriptionUnknownCA                    AlertDescription = 48
	AlertDescriptionAccessDenied                 AlertDescription = 49
	AlertDescriptionDecodeError                  AlertDescription = 50
	AlertDescriptionDecryptError                 AlertDescription = 51
	AlertDescriptionProtocolVersion              AlertDescription = 70
	AlertDescriptionInsufficientSecurity         AlertDescription = 71
	AlertDescriptionInternalError                AlertDescription = 80
	AlertDescriptionUserCancelled                AlertDescription = 90
	AlertDescriptionNoRenegotiation              AlertDescription = 100
	AlertDescriptionUnsupportedExtension         AlertDescription = 110
	AlertDescriptionCertificateUnobtainable      AlertDescription = 111
	AlertDescriptionUnrecognizedName             AlertDescription = 112
	AlertDescriptionBadCertificateStatusResponse AlertDescription = 113
	AlertDescriptionBadCertificateHashValue      AlertDescription = 114
	AlertDescriptionUnknownPSKIdentity           AlertDescription = 115
)

var alertNames = map[AlertDescription]string{
	AlertDescriptionCloseNotify:                  "ALERT_DESCRIPTION_CLOSE_NOTIFY",
	AlertDescriptionUnexpectedMessage:            "ALERT_DESCRIPTION_UNEXPECTED_MESSAGE",
	AlertDescriptionBadRecordMAC:                 "ALERT_DESCRIPTION_BAD_RECORD_MAC",
	AlertDescriptionRecordOverflow:               "ALERT_DESCRIPTION_RECORD_OVERFLOW",
	AlertDescriptionDecompressionFailure:         "ALERT_DESCRIPTION_DECOMPRESSION_FAILURE",
	AlertDescriptionHandshakeFailure:             "ALERT_DESCRIPTION_HANDSHAKE_FAILURE",
	AlertDescriptionBadCertificate:               "ALERT_DESCRIPTION_BAD_CERTIFICATE",
	AlertDescriptionUnsupportedCertificate:       "ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE",
	AlertDescriptionCertificateRevoked:           "ALERT_DESCRIPTION_CERTIFICATE_REVOKED",
	AlertDescriptionCertificateExpired:           "ALERT_DESCRIPTION_CERTIFICATE_EXPIRED",
	AlertDescriptionCertificateUnknown:           "ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN",
	AlertDescriptionIllegalParameter:             "ALERT_DESCRIPTION_ILLEGAL_PARAMETER",
	AlertDescriptionUnknownCA:                    "ALERT_DESCRIPTION_UNKNOWN_CA",
	AlertDescriptionAccessDenied:                 "ALERT_DESCRIPTION_ACCESS_DENIED",
	AlertDescriptionDecodeError:                  "ALERT_DESCRIPTION_DECODE_ERROR",
	AlertDescriptionDecryptError:                 "ALERT_DESCRIPTION_DECRYPT_ERROR",
	AlertDescriptionProtocolVersion:              "ALERT_DESCRIPTION_PROTOCOL_VERSION",
	AlertDescriptionInsufficientSecurity:         "ALERT_DESCRIPTION_INSUFFICIENT_SECURITY",
	AlertDescriptionInternalError:                "ALERT_DESCRIPTION_INTERNAL_ERROR",
	AlertDescriptionUserCancelled:                "ALERT_DESCRIPTION_USER_CANCELLED",
	AlertDescriptionNoRenegotiation:              "ALERT_DESCRIPTION_NO_RENEGOTIATION",
	AlertDescriptionUnsupportedExtension:         "ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION",
	AlertDescriptionCertificateUnobtainable:      "ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE",
	AlertDescriptionUnrecognizedName:             "ALERT_DESCRIPTION_UNRECOGNIZED_NAME",
	AlertDescriptionBadCertificateStatusResponse: "ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE",
	AlertDescriptionBadCertificateHashValue:      "ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE",
	AlertDescriptionUnknownPSKIdentity:           "ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY",
}

// String returns Python's name for the alert,
// "ALERT_DESCRIPTION_UNRECOGNIZED_NAME", or "AlertDescription(N)" for a
// number Python does not name.
func (d AlertDescription) String() string { return enumName("AlertDescription", alertNames, d) }

// AlertError ends a handshake with a TLS alert: an SNI callback returns it
// to send that alert (Python's callback returning an
// ALERT_DESCRIPTION_* value). A Description outside 0-255, which no alert
// has, sends internal_error.
type AlertError struct {
	Description AlertDescription
}

// Error names the alert.
func (e AlertError) Error() string {
	return fmt.Sprintf("ssl: TLS alert %s (%d)", e.Description, int(e.Description))
}

// errSNIPending marks a server handshake stopped at a ClientHello for the
// SNI callback.
var errSNIPending = errors.New("ssl: the handshake waits for the SNI callback")

// SetSNICallback makes fn run in every server handshake of sockets using
// this Context, once the client's ClientHello has arrived (Python's
// sni_callback): serverName is the name the client asked for, "" when it
// sent none; c is this Context. fn may move the socket to another Context
// with s.SetContext, whose certificate the server then presents. A non-nil
// error ends the handshake with a fatal alert: the AlertError's
// description for an AlertError (or *AlertError), internal_error for any
// other error and for a panic, which ends only that handshake. The
// socket's DoHandshake then returns an *Error (Reason "CALLBACK_FAILED")
// that wraps fn's error. nil removes the callback.
//
// fn runs on the goroutine running the handshake, with none of the
// library's locks held: it may use the socket and any Context. As in
// CPython it runs again for a second ClientHello (after a
// HelloRetryRequest) and for a renegotiation's. A client name that is not
// ASCII ends the handshake with internal_error without calling fn, as
// CPython does. Only server contexts take a callback.
func (c *Context) SetSNICallback(fn func(s *Socket, serverName string, c *Context) error) error {
	if c.protocol == ProtocolTLSClient {
		return invalidArgument("sni_callback cannot be set on TLS_CLIENT context")
	}
	return c.write(func(oc *openssl.Ctx) error {
		c.cb.sni = fn
		oc.SetSNI(fn != nil)
		return nil
	})
}

// sniCallback returns the SNI callback, nil when there is none.
func (c *Context) sniCallback() func(*Socket, string, *Context) error {
	return lockedField(c, &c.cb.sni)
}

// SetContext moves the socket to the Context c (Python's SSLSocket.context
// setter, over SSL_set_SSL_CTX). Called from an SNI callback it chooses the
// certificate and key the server presents, and for a server the ALPN
// protocols it selects from. As in CPython only what SSL_set_SSL_CTX moves
// changes: the verify mode, options, protocol versions and hostname check
// the socket was created with stay. Context, GetPeerCert's verify mode and
// later key logging follow c.
func (s *Socket) SetContext(c *Context) error {
	if c == nil {
		return invalidArgument("The value must be a SSLContext")
	}
	var err error
	ok := s.conn.Locked(func(be bio.Engine) {
		e := be.(*sslEngine)
		err = c.read(func(oc *openssl.Ctx) error {
			if err := e.ssl.SetCtx(oc); err != nil {
				return openSSLError(err)
			}
			return nil
		})
		if err != nil {
			return
		}
		// The engine's operations now read c's SSL_CTX: they take c's lock.
		e.settings = &c.mu
		if e.psk != nil {
			e.psk.ctx = c
		}
		s.ctx.Store(c)
	}) == nil
	if !ok {
		return ErrClosed
	}
	return err
}

// answerSNI asks the sni hook for its verdict on the ClientHello the
// server stopped at, with no lock held, and gives it to OpenSSL.
func (t *tlsConn) answerSNI() error {
	var name string
	var c *Context
	var pending bool
	if t.drv.Locked(func(be bio.Engine) {
		e := be.(*sslEngine)
		var origin bool
		name, origin, pending = e.ssl.SNIPending()
		c = t.Context()
		if origin {
			c = e.origin
		}
	}) != nil {
		return ErrClosed
	}
	if !pending {
		return errors.New("ssl: the handshake stopped for the SNI callback without a ClientHello")
	}
	cause := t.sni(name, c)
	alert := 0
	if cause != nil {
		alert = int(alertFor(cause))
	}
	if t.drv.Locked(func(be bio.Engine) {
		e := be.(*sslEngine)
		e.ssl.DecideSNI(cause != nil, alert)
		e.cause = cause
	}) != nil {
		return ErrClosed
	}
	return nil
}

// callSNI is a Socket's sni hook: c's SNI callback, if it has one.
func (s *Socket) callSNI(name string, c *Context) error {
	fn := c.sniCallback()
	if fn == nil {
		return nil
	}
	return callSNI(fn, s, name, c)
}

// errSNIObject refuses the ClientHello of an SSLObject server whose
// Context has an SNI callback: the callback takes a *Socket.
var errSNIObject = errors.New("ssl: the Context's SNI callback takes a *Socket and cannot run for an SSLObject; use a Context without one for WrapBIO servers")

// refuseSNI is an SSLObject's sni hook: without a callback the handshake
// goes on; with one it fails with internal_error rather than skip it.
func refuseSNI(name string, c *Context) error {
	if c.sniCallback() == nil {
		return nil
	}
	return errSNIObject
}

// callSNI runs fn, turning a panic into the error it stands for.
func callSNI(fn func(*Socket, string, *Context) error, s *Socket, name string, c *Context) (err error) {
	defer recoverCallback("SNI callback", &err)
	return fn(s, name, c)
}

// alertFor is the alert an SNI callback's error sends.
func alertFor(err error) AlertDescription {
	var p *AlertError
	if errors.As(err, &p) && p != nil {
		return p.Description
	}
	var v AlertError
	if errors.As(err, &v) {
		return v.Description
	}
	return AlertDescriptionInternalError
}
