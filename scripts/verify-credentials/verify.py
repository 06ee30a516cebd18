"""An independent verifier of bimtek-api's Open Badges 3.0 credentials, as another office or BKN would run one.

It talks to a running service over HTTP only and verifies with PyJWT and cryptography (installed from PyPI by
scripts/verify-credentials.sh), sharing no code with the service:

1. logs in as the demo administrator, issues the demo event's certificates and takes two valid ones;
2. fetches each credential as a VC-JWT and as JSON, and the key set `/.well-known/jwks.json`;
3. verifies each JWT with the key its header's `kid` names (RS256 or EdDSA), requiring `iss`, `jti`, `nbf` and
   `sub`, with `iss` = the issuer's id, `jti` = the credential id, `sub` = the subject id, and the claims = the JSON;
4. checks the NIP's salted hash against the officer's NIP, and that no plain NIP is in any token;
5. fetches the signed status list, verifies it the same way, decodes its bits (base64url, GZIP) and reads each
   credential's bit, and hands both documents to check.mjs (jsonld.js in safe mode, vc-bitstring-status-list);
6. revokes one certificate and checks that its bit is now 1 and the other's still 0.

Usage: python verify.py BASE_URL CHECK_MJS WORK_DIR ALG (the algorithm the server signs with: RS256 or EdDSA)
"""

import base64
import gzip
import hashlib
import json
import subprocess
import sys
import urllib.error
import urllib.request

import jwt

BASE, CHECK, WORK, ALG = sys.argv[1:5]
VC_JWT = "application/vc+jwt"
CLAIMS = ("iss", "jti", "nbf", "sub")


def call(method, path, token=None, body=None, accept="application/json"):
    url = path if path.startswith("http") else BASE + path
    headers = {"Accept": accept}
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def ok(method, path, token=None, body=None, accept="application/json", statuses=(200,)):
    status, content_type, data = call(method, path, token, body, accept)
    if status not in statuses:
        sys.exit(f"verify.py: {method} {path}: {status} {data[:300]!r}")
    return content_type, data


def own(url):
    """A URL the service named, fetched from the address under test (its PUBLIC_BASE_URL may be another)."""
    return BASE + url[url.index("/", len("https://")) :].split("#")[0]


def key_set():
    _, data = ok("GET", "/.well-known/jwks.json")
    keys = json.loads(data)["keys"]
    for key in keys:
        for private in ("d", "p", "q", "dp", "dq", "qi"):
            if private in key:
                sys.exit(f"verify.py: the key set publishes the private member {private}")
        jwt.PyJWK(key)  # every published key is a usable public key
    return {key["kid"]: key for key in keys}


def verify(token, keys, issuer=None):
    header = jwt.get_unverified_header(token)
    if header.get("alg") != ALG:
        sys.exit(f"verify.py: signed with {header.get('alg')}, the server was told {ALG}")
    key = keys.get(header.get("kid"))
    if key is None:
        sys.exit(f"verify.py: the token's kid {header.get('kid')} is not in the key set")
    if header.get("alg") != key["alg"]:
        sys.exit(f"verify.py: the token says {header.get('alg')}, its key {key['alg']}")
    claims = jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=[key["alg"]],
        issuer=issuer,
        options={"require": ["iss", "nbf"], "verify_aud": False},
    )
    return header, claims


def bit(encoded, index):
    if not encoded.startswith("u"):
        sys.exit("verify.py: the encoded list is not base64url multibase ('u')")
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    return len(raw) * 8, bool(raw[index // 8] & (0x80 >> (index % 8)))


def status(credential, keys, expected, name):
    entry = credential["credentialStatus"]
    content_type, data = ok("GET", own(entry["statusListCredential"]), accept=VC_JWT)
    if not content_type.startswith(VC_JWT):
        sys.exit(f"verify.py: the status list came as {content_type}")
    header, claims = verify(data.decode(), keys, issuer=credential["issuer"]["id"])
    size, value = bit(claims["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))
    if value != expected:
        sys.exit(f"verify.py: {name}: bit {entry['statusListIndex']} is {value}, expected {expected}")
    list_document = {k: v for k, v in claims.items() if k not in CLAIMS}
    with open(f"{WORK}/credential.json", "w") as f:
        json.dump(credential, f)
    with open(f"{WORK}/list.json", "w") as f:
        json.dump(list_document, f)
    node = subprocess.run(
        ["node", CHECK, f"{WORK}/credential.json", f"{WORK}/list.json", str(expected).lower()],
        capture_output=True,
        text=True,
    )
    if node.returncode != 0:
        sys.exit(f"verify.py: check.mjs refused {name}: {node.stderr.strip()}")
    print(
        f"  {name}: status list {list_document['id']} verifies ({header['alg']}); {size} bits; "
        f"bit {entry['statusListIndex']} = {int(value)}\n    {node.stdout.strip()}"
    )


def main():
    _, data = ok("POST", "/api/v1/auth/login", body={"username": "admin", "password": "admin-demo-2025"})
    admin = json.loads(data)["access_token"]
    _, data = ok("GET", "/api/v1/events?status=completed&limit=1", admin)
    event = json.loads(data)["items"][0]["id"]
    ok("POST", f"/api/v1/events/{event}/certificates", admin, body={}, statuses=(200, 201))
    _, data = ok("GET", f"/api/v1/events/{event}/certificates?status=valid&limit=2", admin)
    certificates = json.loads(data)["items"]
    if len(certificates) < 2:
        sys.exit("verify.py: the demo event has fewer than two valid certificates")
    keys = key_set()
    print(f"verify.py: PyJWT {jwt.__version__}; key set: {len(keys)} keys ({', '.join(sorted({k['alg'] for k in keys.values()}))})")

    credentials = []
    for certificate in certificates:
        name = certificate["number"]
        content_type, token = ok("GET", f"/api/v1/certificates/{certificate['id']}/credential", admin, accept=VC_JWT)
        if not content_type.startswith(VC_JWT):
            sys.exit(f"verify.py: the credential came as {content_type}")
        token = token.decode()
        _, data = ok("GET", f"/api/v1/certificates/{certificate['id']}/credential", admin)
        credential = json.loads(data)
        header, claims = verify(token, keys, issuer=credential["issuer"]["id"])
        if claims["jti"] != credential["id"] or claims["sub"] != credential["credentialSubject"]["id"]:
            sys.exit(f"verify.py: {name}: jti/sub do not name the credential and its subject")
        if {k: v for k, v in claims.items() if k not in CLAIMS} != credential:
            sys.exit(f"verify.py: {name}: the signed claims are not the credential the JSON shows")
        _, data = ok("GET", f"/api/v1/participants/{certificate['participant_id']}", admin)
        nip = json.loads(data)["nip"]
        hashed = next(i for i in credential["credentialSubject"]["identifier"] if i["identityType"] == "ext:NIP")
        expected = "sha256$" + hashlib.sha256((nip + hashed["salt"]).encode()).hexdigest()
        if hashed["identityHash"] != expected or not hashed["hashed"]:
            sys.exit(f"verify.py: {name}: the NIP's hash does not match")
        payload = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
        if nip in token or nip in payload or nip in json.dumps(credential):
            sys.exit(f"verify.py: {name}: a plain NIP in the credential")
        print(
            f"  {name}: VC-JWT verifies ({header['alg']}, kid {header['kid'].rsplit('/', 1)[-1]}); "
            f"iss/jti/nbf/sub as the spec asks; NIP hash matches; no plain NIP"
        )
        credentials.append((certificate, credential))

    for certificate, credential in credentials:
        status(credential, keys, False, certificate["number"])
    revoked, kept = credentials
    ok(
        "POST",
        f"/api/v1/certificates/{revoked[0]['id']}/revoke",
        admin,
        body={"reason": "Pemeriksaan pemverifikasi independen"},
    )
    print(f"verify.py: revoked {revoked[0]['number']}")
    status(revoked[1], keys, True, revoked[0]["number"])
    status(kept[1], keys, False, kept[0]["number"])
    print("verify.py: every check passed")


main()
