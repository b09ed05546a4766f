"""Replays recorded HTTP exchanges (tests/cassettes/*.json) through httpx.MockTransport.

A cassette is {"description": ..., "interactions": [{"request": {...}, "response": {...}}]}. The
request side says what the adapter must send: `method`, `url` (without the query), and any of
`query` (exact), `headers` (these must be present with these values), `json` (exact body),
`form` (these form fields with these values), `verify` (a server-side check: "aliyun_signature" or
"tc3_signature" recompute the signature the way the provider does, with the test secret). The
response side is what the provider answered: `status` and `json`. Requests are matched in order."""

import json
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

from xiuhao.integrations.notify import sms_aliyun, sms_tencent

CASSETTES = Path(__file__).parent / "cassettes"
SECRETS = {"aliyun": "testSecret", "tencent_id": "AKIDtestsecretid", "tencent_key": "testsecretkey"}


def refuse_network():
    def handler(request):
        raise httpx.ConnectError(f"tests may not reach {request.url}", request=request)

    return httpx.MockTransport(handler)


class Player:
    def __init__(self, names):
        self.names = names
        self.interactions = []
        for name in names:
            self.interactions += json.loads((CASSETTES / f"{name}.json").read_text(encoding="utf-8"))["interactions"]
        self.position = 0
        self.errors = []
        self.requests = []

    def transport(self):
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.position >= len(self.interactions):
            return self.fail(f"unexpected request {request.method} {request.url}")
        expected, answer = self.interactions[self.position]["request"], self.interactions[self.position]["response"]
        self.position += 1
        problem = mismatch(expected, request)
        if problem:
            return self.fail(f"request {self.position} ({request.method} {request.url}): {problem}")
        return httpx.Response(answer.get("status", 200), json=answer.get("json"))

    def fail(self, message):
        self.errors.append(message)
        return httpx.Response(599, json={"cassette_error": message})

    def assert_played(self):
        assert not self.errors, self.errors
        assert self.position == len(self.interactions), (
            f"{self.names}: {len(self.interactions) - self.position} recorded requests were not made")


def mismatch(expected: dict, request: httpx.Request) -> str | None:
    url = f"{request.url.scheme}://{request.url.host}{request.url.path}"
    if request.method != expected["method"] or url != expected["url"]:
        return f"expected {expected['method']} {expected['url']}"
    if "query" in expected and dict(request.url.params) != expected["query"]:
        return f"query {dict(request.url.params)} != {expected['query']}"
    for name, value in expected.get("headers", {}).items():
        if request.headers.get(name) != value:
            return f"header {name}: {request.headers.get(name)!r} != {value!r}"
    body = request.content.decode()
    if "json" in expected and json.loads(body or "null") != expected["json"]:
        return f"body {body} != {json.dumps(expected['json'], ensure_ascii=False)}"
    if "form" in expected:
        form = dict(parse_qsl(body, keep_blank_values=True))
        wrong = {k: form.get(k) for k, v in expected["form"].items() if form.get(k) != v}
        if wrong:
            return f"form fields {wrong} != {[expected['form'][k] for k in wrong]}"
    check = expected.get("verify")
    if check:
        return VERIFIERS[check](request)
    return None


def verify_aliyun_signature(request):
    params = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
    sent = params.pop("Signature", None)
    if sent != sms_aliyun.signature("POST", params, SECRETS["aliyun"]):
        return "SignatureDoesNotMatch"
    for name in ("SignatureNonce", "Timestamp"):
        if not params.get(name):
            return f"MissingParameter {name}"
    return None


def verify_tc3_signature(request):
    timestamp = int(request.headers["X-TC-Timestamp"])
    expected = sms_tencent.authorization(
        secret_id=SECRETS["tencent_id"], secret_key=SECRETS["tencent_key"], service="sms",
        host=request.headers["Host"], payload=request.content.decode(), timestamp=timestamp)
    if request.headers.get("Authorization") != expected:
        return f"AuthFailure.SignatureFailure: {request.headers.get('Authorization')} != {expected}"
    return None


VERIFIERS = {"aliyun_signature": verify_aliyun_signature, "tc3_signature": verify_tc3_signature}
