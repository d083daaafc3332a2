package openssl

/*
#include "../cshim/shim.h"
*/
import "C"

// SSL_OP_* option bits. A bit the OpenSSL built against lacks is 0; its
// HasOp variable in version.go is false.
const (
	OpAll                            = uint64(C.SSL_OP_ALL)
	OpNoSSLv2                        = uint64(C.SSL_OP_NO_SSLv2)
	OpNoSSLv3                        = uint64(C.SSL_OP_NO_SSLv3)
	OpNoTLSv1                        = uint64(C.SSL_OP_NO_TLSv1)
	OpNoTLSv1_1                      = uint64(C.SSL_OP_NO_TLSv1_1)
	OpNoTLSv1_2                      = uint64(C.SSL_OP_NO_TLSv1_2)
	OpNoTLSv1_3                      = uint64(C.SSL_OP_NO_TLSv1_3)
	OpNoCompression                  = uint64(C.SSL_OP_NO_COMPRESSION)
	OpCipherServerPreference         = uint64(C.SSL_OP_CIPHER_SERVER_PREFERENCE)
	OpSingleDHUse                    = uint64(C.SSL_OP_SINGLE_DH_USE)
	OpSingleECDHUse                  = uint64(C.SSL_OP_SINGLE_ECDH_USE)
	OpNoTicket                       = uint64(C.SSL_OP_NO_TICKET)
	OpNoRenegotiation                = uint64(C.SSL_OP_NO_RENEGOTIATION)
	OpEnableMiddleboxCompat          = uint64(C.SSL_OP_ENABLE_MIDDLEBOX_COMPAT)
	OpIgnoreUnexpectedEOF            = uint64(C.SHIM_SSL_OP_IGNORE_UNEXPECTED_EOF)
	OpDontInsertEmptyFragments       = uint64(C.SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS)
	OpLegacyServerConnect            = uint64(C.SSL_OP_LEGACY_SERVER_CONNECT)
	OpAllowUnsafeLegacyRenegotiation = uint64(C.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION)
	OpAllowClientRenegotiation       = uint64(C.SHIM_SSL_OP_ALLOW_CLIENT_RENEGOTIATION)
	OpPrioritizeChacha               = uint64(C.SSL_OP_PRIORITIZE_CHACHA)
	OpNoAntiReplay                   = uint64(C.SSL_OP_NO_ANTI_REPLAY)
	OpEnableKTLS                     = uint64(C.SHIM_SSL_OP_ENABLE_KTLS)
	OpNoExtendedMasterSecret         = uint64(C.SHIM_SSL_OP_NO_EXTENDED_MASTER_SECRET)
)

// Protocol version wire values (SSL3_VERSION, TLS1_VERSION, ...).
const (
	SSLv3Version   = int(C.SSL3_VERSION)
	TLSv1Version   = int(C.TLS1_VERSION)
	TLSv1_1Version = int(C.TLS1_1_VERSION)
	TLSv1_2Version = int(C.TLS1_2_VERSION)
	TLSv1_3Version = int(C.TLS1_3_VERSION)
)

// SSL_get_error results.
const (
	ErrorNone            = int(C.SSL_ERROR_NONE)
	ErrorSSL             = int(C.SSL_ERROR_SSL)
	ErrorWantRead        = int(C.SSL_ERROR_WANT_READ)
	ErrorWantWrite       = int(C.SSL_ERROR_WANT_WRITE)
	ErrorWantX509Lookup  = int(C.SSL_ERROR_WANT_X509_LOOKUP)
	ErrorSyscall         = int(C.SSL_ERROR_SYSCALL)
	ErrorZeroReturn      = int(C.SSL_ERROR_ZERO_RETURN)
	ErrorWantConnect     = int(C.SSL_ERROR_WANT_CONNECT)
	ErrorWantAccept      = int(C.SSL_ERROR_WANT_ACCEPT)
	ErrorWantAsync       = int(C.SSL_ERROR_WANT_ASYNC)
	ErrorWantAsyncJob    = int(C.SSL_ERROR_WANT_ASYNC_JOB)
	ErrorWantClientHello = int(C.SSL_ERROR_WANT_CLIENT_HELLO_CB)
)

// SSL_get_shutdown bits.
const (
	SentShutdown     = int(C.SSL_SENT_SHUTDOWN)
	ReceivedShutdown = int(C.SSL_RECEIVED_SHUTDOWN)
)

// X509_V_FLAG_* verification flags.
const (
	VFlagCRLCheck         = uint64(C.X509_V_FLAG_CRL_CHECK)
	VFlagCRLCheckAll      = uint64(C.X509_V_FLAG_CRL_CHECK_ALL)
	VFlagX509Strict       = uint64(C.X509_V_FLAG_X509_STRICT)
	VFlagAllowProxyCerts  = uint64(C.X509_V_FLAG_ALLOW_PROXY_CERTS)
	VFlagTrustedFirst     = uint64(C.X509_V_FLAG_TRUSTED_FIRST)
	VFlagPartialChain     = uint64(C.X509_V_FLAG_PARTIAL_CHAIN)
	VFlagIgnoreCritical   = uint64(C.X509_V_FLAG_IGNORE_CRITICAL)
	VFlagCheckSSSignature = uint64(C.X509_V_FLAG_CHECK_SS_SIGNATURE)
)

// X509_V_* verification results Python words itself.
const (
	VerifyOK                = int(C.X509_V_OK)
	VerifyHostnameMismatch  = int(C.X509_V_ERR_HOSTNAME_MISMATCH)
	VerifyIPAddressMismatch = int(C.X509_V_ERR_IP_ADDRESS_MISMATCH)
)

// VerifyErrorString returns X509_verify_cert_error_string(code).
func VerifyErrorString(code int) string {
	return goStringOrEmpty(C.X509_verify_cert_error_string(C.long(code)))
}

// GENERAL_NAME types (GEN_*).
const (
	GenOtherName = int(C.GEN_OTHERNAME)
	GenEmail     = int(C.GEN_EMAIL)
	GenDNS       = int(C.GEN_DNS)
	GenX400      = int(C.GEN_X400)
	GenDirName   = int(C.GEN_DIRNAME)
	GenEDIParty  = int(C.GEN_EDIPARTY)
	GenURI       = int(C.GEN_URI)
	GenIPAdd     = int(C.GEN_IPADD)
	GenRID       = int(C.GEN_RID)
)

// NIDs of the Authority Information Access methods.
const (
	NIDOCSP      = int(C.NID_ad_OCSP)
	NIDCAIssuers = int(C.NID_ad_ca_issuers)
)

// AlertInternalError is the TLS internal_error alert (SSL_AD_INTERNAL_ERROR).
const AlertInternalError = int(C.SSL_AD_INTERNAL_ERROR)
