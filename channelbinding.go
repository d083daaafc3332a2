package ssl

import (
	"crypto/tls"

	"github.com/sslctx/ssl/openssl"
)

// Channel binding types GetChannelBinding knows: RFC 5929's tls-unique, the
// only one in Python's ssl.CHANNEL_BINDING_TYPES, and RFC 9266's
// tls-exporter.
const (
	channelBindingTLSUnique   = "tls-unique"
	channelBindingTLSExporter = "tls-exporter"
)

// tlsExporterLabel and tlsExporterLength are RFC 9266's: 32 bytes exported
// under this label with an empty context.
const (
	tlsExporterLabel  = "EXPORTER-Channel-Binding"
	tlsExporterLength = 32
)

// GetChannelBinding returns channel binding data for the connection, as
// Python's SSLSocket.get_channel_binding does, for SCRAM-PLUS or GSSAPI to
// tie their authentication to this TLS connection. It is nil, without an
// error, before the handshake.
//
// "tls-unique" (RFC 5929) is the first Finished message of the latest
// handshake, exactly as CPython computes it: the client's in a full
// handshake, the server's in a resumed one. Under TLS 1.3, where RFC 5929
// does not apply, it is still what CPython answers (the same Finished
// message), so both ends and a Python peer agree.
//
// "tls-exporter" (RFC 9266), which Python lacks, is 32 bytes of
// SSL_export_keying_material with the label "EXPORTER-Channel-Binding" and an
// empty context. RFC 9266 allows it only with TLS 1.3 or the extended master
// secret; without either it is an error.
//
// Any other type is an error wrapping ErrInvalidArgument with Python's
// message.
func (t *tlsConn) GetChannelBinding(cbType string) ([]byte, error) {
	switch cbType {
	case channelBindingTLSUnique:
		var data []byte
		if !t.ssl(func(ssl *openssl.SSL) {
			// The first Finished is the client's in a full handshake
			// and the server's in a resumed one.
			if ssl.SessionReused() != t.serverSide {
				data = ssl.PeerFinished()
			} else {
				data = ssl.Finished()
			}
		}) {
			return nil, ErrClosed
		}
		return data, nil
	case channelBindingTLSExporter:
		if !t.handshakeDone.Load() {
			return nil, nil
		}
		var version uint16
		var ems bool
		if !t.ssl(func(ssl *openssl.SSL) {
			version, ems = uint16(ssl.ProtocolVersion()), ssl.ExtendedMasterSecret()
		}) {
			return nil, ErrClosed
		}
		if version < tls.VersionTLS13 && !ems {
			return nil, invalidArgument("'%s' channel binding requires TLS 1.3 or the extended master secret (RFC 9266)", cbType)
		}
		return t.exportKeyingMaterial(true, version, ems, tlsExporterLabel, []byte{}, tlsExporterLength)
	}
	return nil, invalidArgument("'%s' channel binding type not implemented", cbType)
}
