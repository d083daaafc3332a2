package ssl

import "github.com/sslctx/ssl/openssl"

// Options are OpenSSL's SSL_OP_* bits, Python's OP_* constants: the values
// are OpenSSL's own, so bits this package does not name can be used too.
type Options uint64

// The options of Python's ssl module. Those OpenSSL 3 no longer implements
// (OpNoSSLv2, OpSingleDHUse, OpSingleECDHUse) are 0, as in OpenSSL's headers.
const (
	// OpAll is OpenSSL's SSL_OP_ALL without SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS,
	// as Python defines OP_ALL: the empty-fragment countermeasure for CBC
	// ciphers stays on.
	OpAll                    Options = Options(openssl.OpAll &^ openssl.OpDontInsertEmptyFragments)
	OpNoSSLv2                Options = Options(openssl.OpNoSSLv2)
	OpNoSSLv3                Options = Options(openssl.OpNoSSLv3)
	OpNoTLSv1                Options = Options(openssl.OpNoTLSv1)
	OpNoTLSv1_1              Options = Options(openssl.OpNoTLSv1_1)
	OpNoTLSv1_2              Options = Options(openssl.OpNoTLSv1_2)
	OpNoTLSv1_3              Options = Options(openssl.OpNoTLSv1_3)
	OpNoCompression          Options = Options(openssl.OpNoCompression)
	OpCipherServerPreference Options = Options(openssl.OpCipherServerPreference)
	OpSingleDHUse            Options = Options(openssl.OpSingleDHUse)
	OpSingleECDHUse          Options = Options(openssl.OpSingleECDHUse)
	OpNoTicket               Options = Options(openssl.OpNoTicket)
	OpNoRenegotiation        Options = Options(openssl.OpNoRenegotiation)
	OpEnableMiddleboxCompat  Options = Options(openssl.OpEnableMiddleboxCompat)
	OpIgnoreUnexpectedEOF    Options = Options(openssl.OpIgnoreUnexpectedEOF)
	// OpLegacyServerConnect allows connecting to servers without RFC 5746
	// secure renegotiation.
	OpLegacyServerConnect Options = Options(openssl.OpLegacyServerConnect)
	// OpEnableKTLS asks OpenSSL to use kernel TLS; with the memory BIOs of
	// this package it has no effect.
	OpEnableKTLS Options = Options(openssl.OpEnableKTLS)
)

// defaultOptions are the bits Python's SSLContext sets on every new context
// (context_new in _ssl.c), on top of what SSL_CTX_new already set.
const defaultOptions = OpAll |
	OpNoSSLv2 | OpNoSSLv3 | OpNoCompression | OpCipherServerPreference |
	OpSingleDHUse | OpSingleECDHUse

// VerifyFlags are OpenSSL's X509_V_FLAG_* bits, Python's VERIFY_* constants.
type VerifyFlags uint64

// The verify flags of Python's ssl module.
const (
	VerifyDefault          VerifyFlags = 0
	VerifyCRLCheckLeaf     VerifyFlags = VerifyFlags(openssl.VFlagCRLCheck)
	VerifyCRLCheckChain    VerifyFlags = VerifyFlags(openssl.VFlagCRLCheck | openssl.VFlagCRLCheckAll)
	VerifyX509Strict       VerifyFlags = VerifyFlags(openssl.VFlagX509Strict)
	VerifyAllowProxyCerts  VerifyFlags = VerifyFlags(openssl.VFlagAllowProxyCerts)
	VerifyX509TrustedFirst VerifyFlags = VerifyFlags(openssl.VFlagTrustedFirst)
	VerifyX509PartialChain VerifyFlags = VerifyFlags(openssl.VFlagPartialChain)
)
