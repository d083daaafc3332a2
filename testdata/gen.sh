#!/usr/bin/env bash
# Regenerates every certificate and key in this directory with the openssl CLI.
#
#   ./gen.sh && python3 golden/record.py
#
# Keys are random, so every run produces new files; the layout (names,
# subjects, extensions, dates of the odd certificates) is fixed. See README.md.
set -euo pipefail
cd "$(dirname "$0")"

. ./genlib.sh
# Password of server-rsa-enc.key and keycert-enc.pem (also in ./PASSWORD).
PASSWORD='sslctx-password'
LOCALHOST='/C=XY/L=Castle Anthrax/O=Python Software Foundation/CN=localhost'
LOCALHOST_SAN='DNS:localhost, IP:127.0.0.1, IP:::1'

# One configuration file for everything: request defaults, the extension
# sections used with -extfile/-extensions, and a throwaway "openssl ca" setup
# (only needed for certificates with fixed validity dates).
CNF="$TMP/openssl.cnf"
cat >"$CNF" <<EOF
# Lets "-subj" use an attribute OID that no other program knows by name.
oid_section = test_oids
[ test_oids ]
sslctxUnknownAttribute = 1.2.3.4.5

[ req ]
distinguished_name = req_dn
utf8 = yes
[ req_dn ]

[ ca ]
default_ca = tmpca
[ tmpca ]
database = $TMP/index.txt
new_certs_dir = $TMP
serial = $TMP/serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = optional

# ---- roots and the certificates the TLS tests use ----
$(caext ca_ext CA:TRUE)

$(leafext server_rsa_ext 'digitalSignature, keyEncipherment' serverAuth "$LOCALHOST_SAN")

# ECDSA and Ed25519 keys cannot encipher, so no keyEncipherment.
$(leafext server_sig_ext digitalSignature serverAuth "$LOCALHOST_SAN")

$(leafext server_other_ext 'digitalSignature, keyEncipherment' serverAuth DNS:other.example)

$(leafext client_ext 'digitalSignature, keyEncipherment' clientAuth email:client@example.com)

[ selfsigned_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash

# ---- certs/: inputs for the certificate-dict decoder ----
[ san_all_ext ]
subjectAltName = @san_all
[ san_all ]
DNS.1 = all.example
DNS.2 = *.wild.example
IP.1 = 127.0.0.1
IP.2 = 192.0.2.255
IP.3 = 2001:db8::1
IP.4 = ::1
IP.5 = fe80::a:bc:def0:1234
IP.6 = 2001:db8:0:0:1:0:0:ff
email.1 = user@example.com
URI.1 = https://www.example.com/path?q=1\#frag
RID.1 = 1.2.3.4.5.6
RID.2 = 1.3.6.1.5.5.7.3.1
dirName.1 = san_dir
otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:upn@example.com
otherName.2 = 1.3.6.1.5.5.7.8.7;IA5:_ldap._tcp.example.com
otherName.3 = 1.2.3.4.5.6.7;UTF8:opaque value
[ san_dir ]
C = XY
O = Dir Org
OU = Dir Unit
CN = dir.example

[ san_ip_ext ]
subjectAltName = IP:10.0.0.1, IP:0.0.0.0, IP:255.255.255.255, IP:::, IP:::ffff:192.0.2.1, IP:2001:db8:85a3::8a2e:370:7334

# No key identifiers: a CA's authorityKeyIdentifier would stop the patched
# certificate from counting as self-signed when it is re-signed below.
[ nul_ext ]
subjectKeyIdentifier = none
authorityKeyIdentifier = none
subjectAltName = DNS:altnull.python.org!example.com, email:null@python.org!user@example.org, URI:http://null.python.org!http://example.org, IP:192.0.2.1, IP:2001:db8::1

[ long_san_ext ]
subjectAltName = @long_san
[ long_san ]
DNS.1 = *.example.com
$(for i in $(seq 2 26); do echo "DNS.$i = host$i.example.com"; done)

[ empty_subject_ext ]
subjectAltName = critical, DNS:nosubject.example, email:nosubject@example.com

[ aia_crl_ext ]
authorityInfoAccess = OCSP;URI:http://ocsp1.example.com/, OCSP;URI:http://ocsp2.example.com/, caIssuers;URI:http://ca.example.com/ca.crt, caIssuers;URI:ldap://ca.example.com/cn=CA
crlDistributionPoints = URI:http://crl1.example.com/ca.crl, URI:http://crl2.example.com/ca.crl

# Three distribution points: a dirName plus URI fullName, a relativeName,
# and one with no distributionPoint at all (only cRLIssuer and reasons).
[ crl_mixed_ext ]
crlDistributionPoints = crl_dp_full, crl_dp_relative, crl_dp_issuer_only
[ crl_dp_full ]
fullname = dirName:crl_dir, URI:http://crl.example.com/full.crl
[ crl_dp_relative ]
relativename = crl_rdn
[ crl_rdn ]
CN = relative crl
[ crl_dp_issuer_only ]
CRLissuer = dirName:crl_dir
reasons = keyCompromise, CACompromise
[ crl_dir ]
O = CRL Org
CN = CRL Issuer

[ crl_dirname_only_ext ]
crlDistributionPoints = crl_dp_dir_only
[ crl_dp_dir_only ]
fullname = dirName:crl_dir

[ leaf_ext ]
basicConstraints = CA:FALSE
subjectAltName = DNS:leaf.example

# ---- servers of the security tests (certificate and key kept) ----
[ nul_server_ext ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectKeyIdentifier = none
authorityKeyIdentifier = none
subjectAltName = DNS:null.python.org!example.org
[ dnsip_ext ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:127.0.0.1
EOF
export OPENSSL_CONF="$CNF" # keep the system openssl.cnf out of the picture

# Request configurations that choose how DN strings are typed: MASK:0x800
# (B_ASN1_BMPSTRING) makes every free-form attribute a BMPString, nombstr
# picks T61String for Latin-1 text.
maskcnf() {
	printf '[ req ]\ndistinguished_name = req_dn\nutf8 = yes\nstring_mask = %s\n[ req_dn ]\n' \
		"$2" >"$TMP/$1.cnf"
}
maskcnf bmp MASK:0x800
maskcnf t61 nombstr

# sign_dated CSR CERT EXTSECTION START END: signed by ca with fixed validity
# dates (YYMMDDHHMMSSZ is UTCTime, YYYYMMDDHHMMSSZ GeneralizedTime).
sign_dated() {
	: >"$TMP/index.txt"
	openssl rand -hex 16 >"$TMP/serial"
	quiet openssl ca -batch -config "$CNF" -in "$1" -out "$2" -cert ca.pem -keyfile ca.key \
		-extensions "$3" -startdate "$4" -enddate "$5" -preserveDN -notext
}

# root NAME SUBJECT: self-signed RSA CA certificate NAME.pem, key NAME.key.
root() {
	newkey rsa "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "$2" -sha256 -days "$DAYS" \
		-extensions ca_ext -out "$1.pem"
}

# testcert NAME SUBJECT EXTSECTION [x509 options...]: certs/NAME.pem signed
# by ca; the key is thrown away. REQOPTS (array) adds "openssl req" options.
testcert() {
	local name=$1 subj=$2 ext=$3
	shift 3
	newkey ec "$TMP/$name.key"
	newcsr "$TMP/$name.key" "$subj" "$TMP/$name.csr" "${REQOPTS[@]}"
	sign "$TMP/$name.csr" "certs/$name.pem" ca "$ext" "$@"
}
REQOPTS=()

# dated_testcert NAME EXTSECTION START END
dated_testcert() {
	newkey ec "$TMP/$1.key"
	newcsr "$TMP/$1.key" "/O=sslctx tests/CN=$1.example" "$TMP/$1.csr"
	sign_dated "$TMP/$1.csr" "certs/$1.pem" "$2" "$3" "$4"
}

# ---------------------------------------------------------------------------
# Roots, server and client certificates.

root ca '/C=XY/O=sslctx tests/CN=sslctx Test CA'
# An unrelated root: trusting it must not make ca's leaves verify.
root ca2 '/C=XY/O=sslctx tests/CN=sslctx Other CA'

leaf server-rsa rsa "$LOCALHOST" server_rsa_ext
leaf server-ecdsa ec "$LOCALHOST" server_sig_ext
leaf server-ed25519 ed25519 "$LOCALHOST" server_sig_ext
leaf client rsa '/C=XY/O=sslctx tests/CN=sslctx client' client_ext
# Valid chain, wrong name: hostname-mismatch tests.
leaf server-other rsa '/C=XY/L=Castle Anthrax/O=Python Software Foundation/CN=other.example' server_other_ext
# Right name, issued by ca2: "unable to get local issuer certificate".
leaf wrongca-server rsa "$LOCALHOST" server_rsa_ext ca2

# Right name and issuer, but outside its validity period.
newkey rsa expired.key
newcsr expired.key "$LOCALHOST" "$TMP/expired.csr"
sign_dated "$TMP/expired.csr" expired.pem server_rsa_ext 20000101000000Z 20010101000000Z
newkey rsa notyetvalid.key
newcsr notyetvalid.key "$LOCALHOST" "$TMP/notyetvalid.csr"
sign_dated "$TMP/notyetvalid.csr" notyetvalid.pem server_rsa_ext 21200101000000Z 21300101000000Z

# Not issued by any CA: "self-signed certificate".
newkey rsa selfsigned.key
openssl req -x509 -new -key selfsigned.key -subj "$LOCALHOST" -sha256 -days "$DAYS" \
	-extensions selfsigned_ext -out selfsigned.pem

# Bundles in the layouts Python's own test suite uses.
cat server-rsa.pem ca.pem >server-rsa-chain.pem
cat server-rsa.key server-rsa.pem >keycert.pem
openssl pkcs8 -topk8 -v2 aes-256-cbc -in server-rsa.key -passout "pass:$PASSWORD" \
	-out server-rsa-enc.key
cat server-rsa-enc.key server-rsa.pem >keycert-enc.pem
printf '%s' "$PASSWORD" >PASSWORD

openssl x509 -in server-rsa.pem -outform DER -out server-rsa.der
openssl x509 -in ca.pem -outform DER -out ca.der

# Hash-named directories for load_verify_locations(capath=...), as
# "openssl rehash" lays them out but with real files instead of symlinks.
# capath names the hash via ca.pem, so stale files must go.
hashdir() {
	rm -rf "$1"
	mkdir "$1"
	cp "$2" "$1/$(openssl x509 -hash -noout -in "$2").0"
}
hashdir capath ca.pem
hashdir capath2 ca2.pem

# ---------------------------------------------------------------------------
# Broken inputs for error paths.

cat >garbage.pem <<'EOF'
This is not a PEM file.
It has no BEGIN or END lines,
just a few lines of plain text.
EOF
: >nullcert.pem
# A good key, then a CERTIFICATE block whose body is base64("Just bad cert data").
{
	cat server-rsa.key
	printf -- '-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n' \
		"$(printf 'Just bad cert data' | openssl base64 -A)"
} >badcert.pem
# A PRIVATE KEY block that is not base64, then a good certificate.
{
	printf -- '-----BEGIN PRIVATE KEY-----\nBad Key, though the cert should be OK\n-----END PRIVATE KEY-----\n'
	cat server-rsa.pem
} >badkey.pem
# server-rsa.pem cut off halfway through its base64 body (no END line).
head -c "$(($(wc -c <server-rsa.pem) / 2))" server-rsa.pem >truncated.pem
# 32 fixed bytes that are not DER.
printf '\x30\x82\xff\x00\x8b\x5e\x13\x77\xde\xad\xbe\xef\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x01\x02\x03\x04' >garbage.der

# Diffie-Hellman parameters for servers that offer DHE suites: RFC 7919's
# ffdhe2048 group, so nothing is generated at random.
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dhparams.pem

# ---------------------------------------------------------------------------
# certs/: odd certificates for the certificate-dict decoder. All signed by
# ca unless noted; their keys are discarded.

rm -rf certs
mkdir certs

# Every subjectAltName type Python reports, with IPv6 spellings that must be
# re-formatted and othernames OpenSSL can print and one it cannot.
testcert san-all-types '/C=XY/O=sslctx tests/CN=all.example' san_all_ext
testcert san-ip-addresses '/CN=ip.example' san_ip_ext
# Two attributes in one RDN.
REQOPTS=(-multivalue-rdn)
testcert multivalue-rdn '/C=XY/O=Org/OU=Unit+CN=multi.example/L=Somewhere+ST=Some State' leaf_ext
# Non-ASCII UTF8String names.
REQOPTS=(-utf8)
testcert utf8-names '/C=XY/O=Grüße GmbH/OU=日本語/CN=bücher.example/L=Zürich' leaf_ext
# The same kind of text typed BMPString and T61String.
REQOPTS=(-utf8 -config "$TMP/bmp.cnf")
testcert bmpstring '/C=XY/O=BMP Org/CN=Grüße 日本語' leaf_ext
REQOPTS=(-utf8 -config "$TMP/t61.cnf")
testcert t61string '/C=XY/O=T61 Örg/CN=Grüße' leaf_ext
REQOPTS=()
# A version 1 certificate: no extensions at all.
testcert v1 '/C=XY/O=sslctx tests/CN=v1.example' ''
# Serial number edge cases.
testcert serial-0 '/CN=serial0.example' leaf_ext -set_serial 0
testcert serial-1 '/CN=serial1.example' leaf_ext -set_serial 1
testcert serial-20byte '/CN=serial20.example' leaf_ext -set_serial 0x7f0102030405060708090a0b0c0d0e0f10111213
# 20-byte value with the high bit set: 21 octets once DER-encoded.
testcert serial-20byte-highbit '/CN=serial20hi.example' leaf_ext -set_serial 0x8f0102030405060708090a0b0c0d0e0f10111213
testcert serial-negative '/CN=serialneg.example' leaf_ext -set_serial -5
# Validity dates: a day below 10 (space-padded by Python), UTCTime and
# GeneralizedTime encodings, and the extremes of both.
dated_testcert dates-padding leaf_ext 240105093007Z 20500301000000Z
dated_testcert dates-utctime leaf_ext 500101000000Z 491231235959Z
dated_testcert dates-generalized leaf_ext 20500101000000Z 99991231235959Z
# Many standard attributes, repeated DC, and an OID OpenSSL has no name for.
testcert many-attributes '/C=XY/ST=State/L=City/street=1 Main St/postalCode=12345/O=Org/OU=Unit One/OU=Unit Two/CN=attrs.example/DC=example/DC=com/title=Dr/givenName=Given/surname=Sur/initials=GS/generationQualifier=III/pseudonym=Nick/dnQualifier=q1/UID=uid1/emailAddress=attrs@example.com/serialNumber=SN12345/sslctxUnknownAttribute=unknown oid value' leaf_ext
# 26 DNS names, the first a wildcard.
testcert long-san '/CN=long.example' long_san_ext
# No subject at all; the (critical) SAN is the only name.
testcert empty-subject '/' empty_subject_ext
# Two OCSP and two caIssuers URIs; two CRL distribution points.
testcert aia-crl '/CN=aia.example' aia_crl_ext
# CRL distribution points Python partly skips (dirName, relativeName, none).
testcert crl-mixed '/CN=crlmixed.example' crl_mixed_ext
testcert crl-dirname-only '/CN=crldir.example' crl_dirname_only_ext

# Embedded NUL bytes, like CPython's nullbytecert.pem: "!" stands in for
# the NUL after ".org" until the DER is patched.
testcert nul-bytes-tmp '/C=US/ST=Oregon/L=Beaverton/O=Python Software Foundation/OU=Python Core Development/CN=null.python.org!example.org/emailAddress=python-dev@python.org' nul_ext
patched certs/nul-bytes-tmp.pem "$TMP/nul-bytes-tmp.key" 's/\.org!/.org\0/g' certs/nul-bytes.pem
rm certs/nul-bytes-tmp.pem

# ---------------------------------------------------------------------------
# Servers for the security tests, with their keys.

# A name with a NUL byte: "null.python.org\0example.org" in the CN and the
# SAN. Whoever compares C strings sees "null.python.org"; a client checking
# that name must still refuse it. Made as nul-bytes.pem is.
newkey ec nul-server.key
newcsr nul-server.key '/O=sslctx tests/CN=null.python.org!example.org' "$TMP/nul-server.csr"
sign "$TMP/nul-server.csr" "$TMP/nul-server-tmp.pem" ca nul_server_ext
patched "$TMP/nul-server-tmp.pem" nul-server.key 's/\.org!/.org\0/g' nul-server.pem

# An IP address written as a DNS name: an IP literal must never match it.
leaf dnsip-server ec '/O=sslctx tests/CN=127.0.0.1' dnsip_ext

# ---------------------------------------------------------------------------
# negserial/: a chain crypto/x509 cannot parse (its own script).
./gen-unparsable.sh

# edge/: certificates at the limits of the decoder, signed by the new ca.
./gen_edge.sh
