"""Malformed request bodies, as data: every case the error boundary must answer with a short 4xx.

Each case is a `BodyCase(name, content_type, body)`; `body` is bytes ready to send. The corpus is
built once per test process (`CORPUS`). Builders of single hostile files (`png_claiming`) are used
by other tests too.
"""
import base64
import io
import json
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

BOUNDARY = "corpus-boundary-7f3a"


@dataclass(frozen=True)
class BodyCase:
    name: str
    content_type: str
    body: bytes


def png_claiming(width: int, height: int) -> bytes:
    """A ~70-byte PNG whose header claims width × height pixels (no real pixel data behind it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(
        b"IEND", b""
    )


def compressible_png(side: int) -> bytes:
    """A real PNG of side × side black pixels: a few kilobytes that decode to side² pixels."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    return buffer.getvalue()


def _json(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: image/png\r\n\r\n").encode()
        parts.append(head + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


# Field names the API's bodies use, so wrong types land on real fields at every level.
FIELDS = ["creative", "scores", "client_uuid", "duration_ms", "shown_at", "username", "password", "name",
          "question", "scale_min", "scale_max", "anchors", "external_id", "headline", "body", "metadata",
          "creatives", "ids", "action", "note", "reason", "overlap", "repeat_rate", "gold_rate", "lease_seconds",
          "retrain_threshold", "active", "archived", "order", "level", "all"]
WRONG_TYPES = {"null": None, "true": True, "int": 7, "negative": -1, "huge_int": 10**30, "float": 2.5,
               "string": "x", "empty_string": "", "list": [1, "a", None], "object": {"1": {"2": [3]}}}


def build_corpus() -> list[BodyCase]:
    """Every malformed body (about 50 cases)."""
    j, cases = "application/json", []
    add = cases.append
    add(BodyCase("deep_nesting_array", j, b"[" * 100_000 + b"]" * 100_000))
    add(BodyCase("deep_nesting_object", j, b'{"a":' * 50_000 + b"1" + b"}" * 50_000))
    add(BodyCase("nesting_just_past_the_limit", j, b'{"scores":' + b"[" * 40 + b"]" * 40 + b"}"))
    add(BodyCase("hundred_thousand_keys", j, _json({f"k{i}": i for i in range(100_000)})))
    add(BodyCase("hundred_thousand_scores", j, _json({"creative": 1, "scores": {str(i): 3 for i in range(100_000)},
                                                      "client_uuid": "00000000-0000-4000-8000-000000000009"})))
    add(BodyCase("huge_string_values", j, _json({name: "x" * 500_000 for name in ("name", "headline", "note")})))
    add(BodyCase("huge_key", j, _json({"k" * 300_000: 1})))
    add(BodyCase("nan", j, b'{"creative": NaN, "scores": {"1": NaN}, "repeat_rate": NaN, "metadata": {"x": NaN}}'))
    add(BodyCase("infinity", j, b'{"duration_ms": Infinity, "gold_rate": -Infinity, "overlap": 1e999}'))
    add(BodyCase("number_too_long", j, b'{"creative": ' + b"9" * 5000 + b"}"))
    add(BodyCase("invalid_utf8", j, b'{"name": "\xff\xfe\xfa", "headline": "\xc3\x28"}'))
    add(BodyCase("nul_characters", j, _json({name: "a\x00b" for name in FIELDS} | {"metadata": {"a\x00": "b\x00"}})))
    add(BodyCase("lone_surrogates", j, b'{"name": "\\ud800", "metadata": {"\\udfff": "x"}, "note": "\\ud83d"}'))
    add(BodyCase("truncated_json", j, b'{"creative": 1, "scores": {"1": 3'))
    add(BodyCase("duplicated_keys", j, b'{"creative": 1, "creative": "x", "scores": {"1": 1, "1": [2]}}'))
    add(BodyCase("two_documents", j, b'{"a": 1}{"b": 2}'))
    add(BodyCase("empty_body", j, b""))
    add(BodyCase("json_null", j, b"null"))
    add(BodyCase("json_scalar", j, b"42"))
    add(BodyCase("json_array_top_level", j, b"[1, 2, 3]"))
    add(BodyCase("bom_prefixed", j, b"\xef\xbb\xbf{}"))
    add(BodyCase("wrong_charset", "application/json; charset=klingon", b"{}"))
    add(BodyCase("utf16_body", "application/json; charset=utf-16", '{"name": "x"}'.encode("utf-16")))
    for type_name, value in WRONG_TYPES.items():
        add(BodyCase(f"every_field_{type_name}", j, _json({name: value for name in FIELDS})))
    add(BodyCase("nested_wrong_types", j, _json({
        "scores": {"1": {"x": []}, "2": [None], "": 1}, "anchors": {"1": ["a"], "x": {"y": 1}},
        "creatives": [None, 1, "x", [], {"external_id": {"a": 1}, "image_base64": 5, "metadata": "[]"}],
        "ids": [None, "1", 1.5, [1], 10**30], "metadata": [1, 2], "creative": [1],
    })))
    add(BodyCase("dates_far_out", j, _json({"shown_at": "2999-01-01T00:00:00Z", "creative": 1,
                                            "client_uuid": "00000000-0000-4000-8000-000000000010",
                                            "scores": {"1": 3}})))
    add(BodyCase("dates_malformed", j, _json({"shown_at": "9999-99-99T99:99:99", "created_at": "yesterday"})))
    add(BodyCase("uuid_malformed", j, _json({"client_uuid": "not-a-uuid" * 1000, "creative": 1, "scores": {}})))
    bomb = base64.b64encode(png_claiming(65536, 65536)).decode()
    add(BodyCase("bulk_image_header_bombs", j, _json({"creatives": [
        {"external_id": f"bomb-{i}", "image_base64": bomb} for i in range(50)
    ]})))
    add(BodyCase("bulk_compressible_images", j, _json({"creatives": [
        {"external_id": f"dense-{i}", "image_base64": base64.b64encode(compressible_png(9000)).decode()}
        for i in range(3)
    ]})))
    add(BodyCase("bulk_base64_garbage", j, _json({"creatives": [
        {"external_id": f"g{i}", "image_base64": "A" * 100_000 + "!!"} for i in range(20)
    ]})))
    add(BodyCase("bulk_501_items", j, _json({"creatives": [{"external_id": f"x{i}"} for i in range(501)]})))
    mp = f"multipart/form-data; boundary={BOUNDARY}"
    add(BodyCase("multipart_without_boundary", "multipart/form-data", b"--x\r\n\r\nabc\r\n--x--"))
    add(BodyCase("multipart_truncated", mp, f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"'.encode()))
    add(BodyCase("multipart_image_header_bomb", mp, _multipart(
        {"external_id": "bomb", "metadata": "{}"}, {"image": ("bomb.png", png_claiming(65536, 65536))})))
    add(BodyCase("multipart_image_header_past_uint32", mp, _multipart(
        {"external_id": "bomb2"}, {"image": ("bomb.png", png_claiming(2**31 - 1, 2**31 - 1))})))
    add(BodyCase("multipart_not_an_image", mp, _multipart({"external_id": "n"}, {"image": ("x.png", b"GIF89a..")})))
    add(BodyCase("multipart_metadata_nested", mp, _multipart({"external_id": "m", "metadata": "[" * 50_000}, {})))
    add(BodyCase("multipart_metadata_nan", mp, _multipart({"external_id": "m", "metadata": '{"a": NaN, "b": 1e999}'},
                                                          {})))
    add(BodyCase("multipart_metadata_nul", mp, _multipart({"external_id": "m", "metadata": '{"a\\u0000": "\\u0000"}'},
                                                          {})))
    add(BodyCase("multipart_many_fields", mp, _multipart({f"f{i}": "v" for i in range(5000)}, {})))
    add(BodyCase("form_urlencoded_garbage", "application/x-www-form-urlencoded", b"%%%&&&=%ZZ&a=%00&" + b"b" * 10_000))
    add(BodyCase("form_nul_values", "application/x-www-form-urlencoded",
                 b"&".join(f"{name}=a%00b".encode() for name in FIELDS)))
    add(BodyCase("unsupported_media_type", "text/plain", b"hello"))
    add(BodyCase("xml_body", "application/xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>"))
    return cases


# Query strings sent to every GET route alongside the bodies: ids past 64 bits, NUL, wrong types.
QUERY_CASES = {
    "ids_past_64_bits": "?creative=99999999999999999999&criterion=99999999999999999999&exclude=99999999999999999999",
    "nul_in_filters": "?rater=a%00b&reason=%00&status=%00&campaign=%00&tag=%00&format=%00&sort=%00",
    "wrong_types": "?page=abc&archived=maybe&criterion=x&exclude=a,b&sort=password&format=xml",
    "huge_page": "?page=99999999999999999999999",
    "lone_surrogate_escape": "?rater=%ED%A0%80&campaign=%ED%A0%80",
}

CORPUS = build_corpus()
