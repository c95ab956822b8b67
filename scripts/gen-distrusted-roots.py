#!/usr/bin/env python3
"""Regenerates data/trust/distrusted-roots.csv: roots that browsers removed or restricted for
cause, keyed by the SHA-256 of their SubjectPublicKeyInfo.

The certificates come from public snapshots of Mozilla's root store — old releases of the
webpki-roots crate (crates.io; each release embeds every root's PEM) and of the certifi package
(PyPI) — and, for DigiNotar, from Chromium's SSL blocklist. The decision, date and reason of each
distrust are written below with their sources; data/README.md names them too.

usage: scripts/gen-distrusted-roots.py DIGINOTAR_PEM... > data/trust/distrusted-roots.csv
(needs curl, pip and openssl; the DigiNotar PEMs are Chromium's net/data/ssl/blocklist/
0d136e43….pem and 294f55ef….pem)
"""
import base64, csv, hashlib, io, re, subprocess, sys, tarfile, tempfile, urllib.request

# (label regex, distrust, date, reason, source)
RULES = [
    (r"^DigiNotar Root CA( G2)?$", "full", "2011-09-02",
     "complete CA compromise: fraudulent certificates for google.com and hundreds of names",
     "Chromium net/data/ssl/blocklist (DigiNotar); Mozilla security blog 2011-09-02"),
    (r"^(CNNIC ROOT|China Internet Network Information Center EV Certificates Root)$", "full", "2015-04-01",
     "an intermediate CNNIC issued to MCS Holdings minted certificates for Google domains",
     "Google security blog 2015-03-23/04-01; Mozilla bug 1177209; certifi 2017.4.17"),
    (r"(WoSign|沃通)", "full", "2016-10-21",
     "backdated SHA-1 certificates and the undisclosed purchase of StartCom (WoSign)",
     "Mozilla dev-security-policy 2016-10 (WoSign and StartCom); Chrome 61; certifi 2017.7.27.1"),
    (r"^StartCom Certification Authority( G2)?$", "full", "2016-10-21",
     "backdated SHA-1 certificates and the undisclosed purchase of StartCom (WoSign)",
     "Mozilla dev-security-policy 2016-10 (WoSign and StartCom); Chrome 61; certifi 2017.7.27.1"),
    (r"^(GeoTrust (Global CA|Primary Certification Authority( - G[23])?|Universal CA( 2)?)|VeriSign (Class 3 Public Primary Certification Authority - G[345]|Universal Root Certification Authority)|thawte Primary Root CA( - G[23])?)$",
     "full", "2018-10-16",
     "Symantec's PKI: a long pattern of misissuance and audit failures",
     "Chrome 70 and Firefox 64 distrust of Symantec (Google security blog 2017-09-11; Mozilla 2018); webpki-roots 0.20.0"),
    (r"^Certinomis - Root CA$", "full", "2019-07-01",
     "misissuance, and a cross-certificate for StartCom after its distrust",
     "Mozilla bug 1552374 (removal in NSS 3.46); webpki-roots 0.16.0"),
    (r"^(Chambers of Commerce Root( - 2008)?|Global Chambersign Root( - 2008)?)$", "full", "2021-04-13",
     "Camerfirma: a long-standing pattern of misissuance and incomplete remediation",
     "Chrome 90 (Chromium blocklist: Camerfirma); Mozilla bug 1695786; webpki-roots 0.14.0/0.20.0"),
    (r"^TrustCor (ECA-1|RootCert CA-[12])$", "full", "2022-11-30",
     "TrustCor's owners' ties to a maker of interception SDK spyware",
     "Mozilla dev-security-policy 2022-11-30; Chrome 111 (Chromium blocklist: TrustCor); webpki-roots 0.21.1"),
    (r"^E-Tugra (Certification Authority|Global Root CA (ECC|RSA) v3)$", "full", "2023-07-27",
     "a breach of E-Tugra's systems and an inadequate incident response",
     "Mozilla bug 1801345 (removal in NSS 3.92); webpki-roots 0.22.6"),
    (r"^(Entrust Root Certification Authority( - (G2|G4|EC1))?|Entrust\.net Certification Authority \(2048\))$",
     "after:2024-11-11", "2024-11-11",
     "Entrust: a pattern of compliance failures; certificates issued after the date are distrusted",
     "Chrome 131 (Google security blog 2024-06-27); Mozilla 2024-11-30; webpki-roots 0.26.1"),
    (r"^ePKI Root Certification Authority$", "after:2025-07-31", "2025-07-31",
     "Chunghwa Telecom: a pattern of compliance failures; certificates issued after the date are distrusted",
     "Chrome 139 (Chrome Root Program 2025-05-30); webpki-roots 0.26.1"),
]

WEBPKI = ["0.14.0", "0.16.0", "0.20.0", "0.21.1", "0.22.6", "0.26.1"]
CERTIFI = ["2017.4.17", "2017.7.27.1"]


def openssl(der, *args):
    return subprocess.run(["openssl", "x509", "-inform", "DER", *args], input=der,
                          capture_output=True, check=True).stdout


def describe(der):
    subject = openssl(der, "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb,utf8").decode().strip()
    cn = re.search(r"CN=((?:\\,|[^,])*)", subject)
    ou = re.search(r"OU=((?:\\,|[^,])*)", subject)
    label = (cn or ou).group(1).replace("\\,", ",") if (cn or ou) else subject
    pub = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"],
                         input=openssl(der, "-noout", "-pubkey"), capture_output=True, check=True).stdout
    return label, hashlib.sha256(pub).hexdigest()


def pems(text):
    for block in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S):
        yield base64.b64decode("".join(line.strip().lstrip("*").strip() for line in block.strip().splitlines()))


def sources():
    for version in WEBPKI:
        url = f"https://static.crates.io/crates/webpki-roots/webpki-roots-{version}.crate"
        with tarfile.open(fileobj=io.BytesIO(urllib.request.urlopen(url).read())) as crate:
            text = crate.extractfile(f"webpki-roots-{version}/src/lib.rs").read().decode()
        yield from pems(text)
    with tempfile.TemporaryDirectory() as tmp:
        for version in CERTIFI:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                            f"certifi=={version}", "-d", tmp], check=True)
        for path in subprocess.run(["sh", "-c", f"ls {tmp}/*.tar.gz"], capture_output=True, text=True).stdout.split():
            with tarfile.open(path) as archive:
                member = next(m for m in archive.getmembers() if m.name.endswith("certifi/cacert.pem"))
                yield from pems(archive.extractfile(member).read().decode())
    for path in sys.argv[1:]:
        yield from pems(open(path).read())


rows = {}
for der in sources():
    label, spki = describe(der)
    for pattern, distrust, date, reason, source in RULES:
        if re.search(pattern, label):
            rows[spki] = (label, spki, distrust, date, reason, source)
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["name", "spki_sha256", "distrust", "date", "reason", "source"])
for row in sorted(rows.values(), key=lambda r: (r[3], r[0])):
    out.writerow(row)
