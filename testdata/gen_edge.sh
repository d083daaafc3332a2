#!/usr/bin/env bash
# Writes edge/: certificates at the limits of the certificate-dict decoder,
# each signed by ca.pem (run after gen.sh, which calls this at its end).
#
#   ./gen_edge.sh && python3 golden/record_edge.py
#
# Keys are random and thrown away; the contents are fixed. See README.md.
set -euo pipefail
cd "$(dirname "$0")"

. ./genlib.sh
rm -rf edge
mkdir edge

# dotted N: an OID whose dotted text is exactly N characters long.
dotted() {
	python3 -c 'import sys
n = int(sys.argv[1]); s = "1.2.3"
while n - len(s) > 20: s += ".123456789"
print(s + "." + "1" * (n - len(s) - 1))' "$1"
}

# longname N TAG: a long name of exactly N characters.
longname() {
	python3 -c 'import sys
n, tag = int(sys.argv[1]), "sslctxRID" + sys.argv[2]
print(tag + "x" * (n - len(tag)))' "$1" "$2"
}

# An OpenSSL configuration (for OPENSSL_CONF) that names four OIDs with long
# names: 2046 characters fit the 2048-byte buffer Python prints a Registered
# ID into, 2047 fill it, 2048 and 3000 overflow it.
{
	echo 'openssl_conf = openssl_init'
	echo '[ openssl_init ]'
	echo 'oid_section = sslctx_oids'
	echo '[ sslctx_oids ]'
	for n in 2046 2047 2048 3000; do
		echo "sslctxRID$n = $(longname $n $n), 1.3.6.1.4.1.55555.$n"
	done
} >edge/long-oid-names.cnf

CNF="$TMP/openssl.cnf"
cat >"$CNF" <<EOF
oid_section = edge_oids
[ edge_oids ]
# Subject attributes whose dotted OIDs are longer than 255 characters; the
# second is near the 586-byte DER limit OpenSSL prints OIDs up to.
sslctxLongOID = $(dotted 300)
sslctxHugeOID = 1.2.$(printf '9%.0s' $(seq 1200))

[ req ]
distinguished_name = req_dn
utf8 = yes
[ req_dn ]

[ rid_ext ]
subjectAltName = DNS:rid.example, RID:1.3.6.1.4.1.55555.2046, RID:1.3.6.1.4.1.55555.2047, RID:1.3.6.1.4.1.55555.2048, RID:1.3.6.1.4.1.55555.3000, RID:1.3.6.1.4.1.55555.1

[ leaf_ext ]
basicConstraints = critical, CA:FALSE

[ crl_dup_ext ]
crlDistributionPoints = URI:http://crl.example/ca.crl, URI:http://crl.example/ca.crl, URI:http://other.example/ca.crl
authorityInfoAccess = OCSP;URI:http://ocsp.example/, OCSP;URI:http://ocsp.example/

[ othername_ext ]
subjectKeyIdentifier = none
authorityKeyIdentifier = none
subjectAltName = DNS:othername.example, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:upn!!@example.com
EOF

# edgecert NAME SUBJECT EXTSECTION: edge/NAME.pem signed by ca.
edgecert() {
	newkey ec "$TMP/$1.key"
	newcsr "$TMP/$1.key" "$2" "$TMP/$1.csr" -config "$CNF"
	sign "$TMP/$1.csr" "edge/$1.pem" ca "$3"
}

# Registered IDs named by edge/long-oid-names.cnf, and one it does not name.
edgecert rid-long-names '/CN=rid.example' rid_ext
# Subject attribute types longer than 255 characters as dotted OIDs.
edgecert long-oid-attributes '/CN=longoid.example/sslctxLongOID=three hundred/sslctxHugeOID=twelve hundred' leaf_ext
# The same CRL distribution point and OCSP URIs twice: Python keeps both.
edgecert crl-duplicates '/CN=crldup.example' crl_dup_ext
# A UPN othername whose UTF8String holds bytes that are not UTF-8: "!!"
# until the DER is patched to 0xff 0xfe.
edgecert othername-tmp '/CN=othername.example' othername_ext
patched edge/othername-tmp.pem "$TMP/othername-tmp.key" 's/upn!!\@/upn\xff\xfe\@/g' edge/othername-bad-utf8.pem
rm edge/othername-tmp.pem
