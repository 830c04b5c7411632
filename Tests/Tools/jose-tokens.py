#!/usr/bin/env python3
"""Mints reader tokens with an independent JOSE library (joserfc), and the hostile ones no library would sign.

The tests use it so that what our services accept is checked against tokens we did not make ourselves.

  jose-tokens.py keys DIR          writes DIR/jwks.json (public RS256 key "rsa-1", ES256 key "ec-1"),
                                   DIR/private.json (the same keys with their private parts) and DIR/rsa-public.pem
  jose-tokens.py mint DIR SPECS    reads a JSON list of specs from the file SPECS, prints a JSON list of tokens

A spec: {"alg": "HS256"|"RS256"|"ES256"|"none"|"HS256-with-public-key", "secret": "...", "kid": "...",
         "claims": {...}, "exp_in": seconds (added as exp = now + exp_in unless claims has exp),
         "truncate": n (drop the last n characters), "pad_to": n (grow the payload to n bytes)}
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def keys(directory: str) -> None:
    rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "alg": "RS256", "use": "sig"})
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1", "alg": "ES256", "use": "sig"})
    with open(os.path.join(directory, "private.json"), "w") as f:
        json.dump(KeySet([rsa, ec]).as_dict(private=True), f)
    with open(os.path.join(directory, "jwks.json"), "w") as f:
        json.dump(KeySet([rsa, ec]).as_dict(private=False), f)
    with open(os.path.join(directory, "rsa-public.pem"), "wb") as f:
        f.write(rsa.as_pem(private=False))


def manual(header: dict, claims: dict, key: bytes | None) -> str:
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(signature)


def mint(directory: str, spec: dict) -> str:
    claims = dict(spec.get("claims", {}))
    if "exp_in" in spec and "exp" not in claims:
        claims["exp"] = int(time.time()) + int(spec["exp_in"])
    if "pad_to" in spec:
        claims["padding"] = "x" * int(spec["pad_to"])
    alg = spec["alg"]
    header = {"alg": alg, "typ": "JWT"}
    if "kid" in spec:
        header["kid"] = spec["kid"]
    if alg == "none":
        token = manual(header, claims, None)
    elif alg == "HS256-with-public-key":
        # The classic confusion attack: an RS256 verifier's public key used as an HMAC secret.
        header["alg"] = "HS256"
        with open(os.path.join(directory, "rsa-public.pem"), "rb") as f:
            token = manual(header, claims, f.read())
    elif alg.startswith("HS"):
        token = jwt.encode(header, claims, OctKey.import_key(spec["secret"]), algorithms=[alg])
    else:
        with open(os.path.join(directory, "private.json")) as f:
            key_set = KeySet.import_key_set(json.load(f))
        key = key_set.get_by_kid(spec.get("kid", "rsa-1" if alg == "RS256" else "ec-1"))
        token = jwt.encode(header, claims, key)
    if "truncate" in spec:
        token = token[: -int(spec["truncate"])]
    return token


def main() -> None:
    command, directory = sys.argv[1], sys.argv[2]
    if command == "keys":
        keys(directory)
    elif command == "mint":
        with open(sys.argv[3]) as f:
            print(json.dumps([mint(directory, spec) for spec in json.load(f)]))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
