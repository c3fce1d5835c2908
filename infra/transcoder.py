"""Event state <-> bytes with orjson, keeping Python types that JSON cannot express.

orjson would serialise date/UUID/Enum/dataclass to bare strings and lose the type, so the
object tree is walked first and every non-JSON value becomes a tagged dict
``{"_t": <tag>, ...}``. A real dict that itself has a key "_t" (or non-str keys) is written in
the tagged "map" form, so a tag can never be confused with data.

Dispatch is on ``type(x)`` through dicts: this runs for every event of a full rebuild.
Enum and dataclass encoders are created on first sight of a class and cached.
"""

from __future__ import annotations

import dataclasses
from base64 import b64decode, b64encode
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Transcoder
from eventsourcing.utils import get_topic, resolve_topic

_Encoder = Callable[[Any], Any]
_Decoder = Callable[[dict[str, Any]], Any]

_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def _enc_date(o: date) -> dict[str, Any]:
    return {"_t": "date", "v": o.isoformat()}


def _enc_datetime(o: datetime) -> dict[str, Any]:
    return {"_t": "dt", "v": o.isoformat()}


def _enc_uuid(o: UUID) -> dict[str, Any]:
    return {"_t": "uuid", "v": o.hex}


def _enc_decimal(o: Decimal) -> dict[str, Any]:
    return {"_t": "dec", "v": str(o)}


def _enc_bytes(o: bytes) -> dict[str, Any]:
    return {"_t": "bytes", "v": b64encode(o).decode("ascii")}


def _enc_list(o: list[Any]) -> list[Any]:
    return [_enc(x) for x in o]


def _enc_tuple(o: tuple[Any, ...]) -> dict[str, Any]:
    return {"_t": "tuple", "v": [_enc(x) for x in o]}


def _enc_frozenset(o: frozenset[Any]) -> dict[str, Any]:
    return {"_t": "fset", "v": [_enc(x) for x in o]}


def _enc_dict(o: dict[Any, Any]) -> Any:
    if "_t" not in o:
        out: dict[str, Any] = {}
        plain = _PLAIN
        for k, v in o.items():
            if type(k) is not str:
                break
            out[k] = v if type(v) in plain else _enc(v)
        else:
            return out
    # Non-str keys or a literal "_t" key: pairs keep both types and unambiguity.
    return {"_t": "map", "v": [[_enc(k), _enc(v)] for k, v in o.items()]}


_ENCODERS: dict[type, _Encoder] = {
    date: _enc_date,
    datetime: _enc_datetime,
    UUID: _enc_uuid,
    Decimal: _enc_decimal,
    bytes: _enc_bytes,
    list: _enc_list,
    tuple: _enc_tuple,
    frozenset: _enc_frozenset,
    dict: _enc_dict,
}


def _enum_encoder(cls: type[Enum]) -> _Encoder:
    topic = get_topic(cls)

    def encode(o: Enum) -> dict[str, Any]:
        return {"_t": "enum", "c": topic, "v": _enc(o.value)}

    return encode


def _dataclass_encoder(cls: type) -> _Encoder:
    topic = get_topic(cls)
    names = tuple(f.name for f in dataclasses.fields(cls))

    def encode(o: Any) -> dict[str, Any]:
        return {"_t": "dc", "c": topic, "f": {n: _enc(getattr(o, n)) for n in names}}

    return encode


def _enc(o: Any) -> Any:
    t = type(o)
    if t in _PLAIN:
        return o
    try:
        encoder = _ENCODERS[t]
    except KeyError:
        encoder = _encoder_for_new_type(t)
    return encoder(o)


def _encoder_for_new_type(t: type) -> _Encoder:
    if issubclass(t, Enum):
        encoder = _enum_encoder(t)
    elif dataclasses.is_dataclass(t):
        encoder = _dataclass_encoder(t)
    else:
        raise TypeError(f"cannot store a value of type {t.__module__}.{t.__qualname__}")
    _ENCODERS[t] = encoder
    return encoder


# --- decoding -------------------------------------------------------------------------------

_CLASSES: dict[str, Any] = {}


def _cls(topic: str) -> Any:
    try:
        return _CLASSES[topic]
    except KeyError:
        cls = _CLASSES[topic] = resolve_topic(topic)
        return cls


def _dec_dataclass(d: dict[str, Any]) -> Any:
    cls = _cls(d["c"])
    # Restore the stored state as it was, without __init__/__post_init__: old events must
    # load even if today's validation of the value object is stricter.
    obj = object.__new__(cls)
    for name, value in d["f"].items():
        object.__setattr__(obj, name, _dec(value))
    return obj


_TAGS: dict[str, _Decoder] = {
    "date": lambda d: date.fromisoformat(d["v"]),
    "dt": lambda d: datetime.fromisoformat(d["v"]),
    "uuid": lambda d: UUID(d["v"]),
    "dec": lambda d: Decimal(d["v"]),
    "bytes": lambda d: b64decode(d["v"]),
    "tuple": lambda d: tuple([_dec(x) for x in d["v"]]),
    "fset": lambda d: frozenset([_dec(x) for x in d["v"]]),
    "map": lambda d: {_dec(k): _dec(v) for k, v in d["v"]},
    "enum": lambda d: _cls(d["c"])(_dec(d["v"])),
    "dc": _dec_dataclass,
}


def _dec_dict(o: dict[str, Any]) -> dict[str, Any]:
    # orjson hands us fresh containers, so rewrite in place instead of copying; tags are
    # resolved inline to save a call per value.
    for k, v in o.items():
        tv = type(v)
        if tv is dict:
            tag = v.get("_t")
            o[k] = _dec_dict(v) if tag is None else _TAGS[tag](v)
        elif tv is list:
            o[k] = _dec_list(v)
    return o


def _dec_list(o: list[Any]) -> list[Any]:
    for i, v in enumerate(o):
        tv = type(v)
        if tv is dict:
            tag = v.get("_t")
            o[i] = _dec_dict(v) if tag is None else _TAGS[tag](v)
        elif tv is list:
            o[i] = _dec_list(v)
    return o


def _dec(o: Any) -> Any:
    t = type(o)
    if t is dict:
        tag = o.get("_t")
        return _dec_dict(o) if tag is None else _TAGS[tag](o)
    if t is list:
        return _dec_list(o)
    return o


class OrjsonTranscoder(Transcoder):
    """Transcoder for event state: orjson plus type tags (see module docstring)."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(_enc(obj))

    def decode(self, data: bytes) -> Any:
        return _dec(orjson.loads(data))
