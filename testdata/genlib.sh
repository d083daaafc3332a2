# Shared by the gen*.sh scripts, which source it from this directory: a
# temporary directory removed on exit, the validity period, and the steps
# every certificate is made of. The caller sets CNF, the configuration
# file whose sections sign's EXTSECTION names.

DAYS=36500
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# leafext NAME KEYUSAGE EXTKEYUSAGE SAN: the configuration section NAME of
# an end-entity certificate issued by a CA, for the heredoc of a CNF.
leafext() {
	printf '[ %s ]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, %s\nextendedKeyUsage = %s\nsubjectAltName = %s\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n' "$@"
}

# caext NAME BASICCONSTRAINTS: the configuration section NAME of a CA
# certificate, for the heredoc of a CNF.
caext() {
	printf '[ %s ]\nbasicConstraints = critical, %s\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n' "$@"
}

# quiet COMMAND...: run COMMAND, showing its chatter on stderr only if it fails.
quiet() {
	"$@" 2>"$TMP/stderr" || {
		cat "$TMP/stderr" >&2
		return 1
	}
}

# newkey rsa|ec|ed25519 FILE: a fresh PKCS#8 private key.
newkey() {
	case $1 in
	rsa) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
	ec) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
	ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$2" ;;
	esac
}

# newcsr KEY SUBJECT CSR [req options...]
newcsr() {
	local key=$1 subj=$2 csr=$3
	shift 3
	openssl req -new -key "$key" -subj "$subj" -out "$csr" "$@"
}

# sign CSR CERT ISSUER EXTSECTION [x509 options...]: ISSUER.pem/.key sign
# CSR. An empty EXTSECTION gives a version 1 certificate.
sign() {
	local csr=$1 cert=$2 issuer=$3 ext=$4
	shift 4
	local extopts=()
	[ -n "$ext" ] && extopts=(-extfile "$CNF" -extensions "$ext")
	quiet openssl x509 -req -in "$csr" -out "$cert" -CA "$issuer.pem" -CAkey "$issuer.key" \
		-sha256 -days "$DAYS" "${extopts[@]}" "$@"
}

# leaf NAME KEYTYPE SUBJECT EXTSECTION [ISSUER [x509 options...]]: NAME.pem
# and NAME.key, issued by ISSUER (default ca).
leaf() {
	local name=$1 type=$2 subj=$3 ext=$4 issuer=${5:-ca}
	shift $(($# < 5 ? $# : 5))
	newkey "$type" "$name.key"
	newcsr "$name.key" "$subj" "$TMP/${name##*/}.csr"
	sign "$TMP/${name##*/}.csr" "$name.pem" "$issuer" "$ext" "$@"
}

# patched CERT KEY PERLSUB OUT: CERT's DER with the substitution PERLSUB
# applied, re-signed by its own KEY (openssl x509 -CA insists on a valid
# self-signature), then signed by ca into OUT. The CLI cannot type the
# bytes the substitution puts in (a NUL, bytes that are not UTF-8).
patched() {
	openssl x509 -in "$1" -outform DER | perl -0777 -pe "$3" >"$TMP/patched.der"
	quiet openssl x509 -in "$TMP/patched.der" -inform DER -signkey "$2" \
		-sha256 -days "$DAYS" -out "$TMP/patched-self.pem"
	quiet openssl x509 -in "$TMP/patched-self.pem" -CA ca.pem -CAkey ca.key -sha256 -days "$DAYS" \
		-out "$4"
}
