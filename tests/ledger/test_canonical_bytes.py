"""The hash chain covers `canonical_json`'s bytes: any change of encoder rewrites every
hash after it. These are today's bytes for every payload shape the ledger can hold.

orjson was measured as a replacement and is not byte-identical: it writes 1e16 as
`1e16` where json writes `1e+16`, 1e-07 as `1e-7`, and refuses integers beyond 64 bits
(a JSON payload may hold them). So the encoder stays `json.dumps`."""

from __future__ import annotations

import pytest

from ledger.chain import canonical_json, event_hash

SHAPES = [
    ({"b": 1, "a": {"d": [3, 2, 1], "c": None}}, '{"a":{"c":null,"d":[3,2,1]},"b":1}'),
    ({"name": "Société « l'Été » 𝄞 ñ"}, '{"name":"Société « l\'Été » 𝄞 ñ"}'),
    ({"quote": 'a"b\\c\n\t'}, '{"quote":"a\\"b\\\\c\\n\\t"}'),
    ([0.1, 1.0, -0.0, 1e16, 1e-07, 123456.789], "[0.1,1.0,-0.0,1e+16,1e-07,123456.789]"),
    ([2**63, -(2**70), 10**30], "[9223372036854775808,-1180591620717411303424,1" + "0" * 30 + "]"),
    ({"t": True, "f": False, "e": [], "o": {}}, '{"e":[],"f":false,"o":{},"t":true}'),
    ({"10": 1, "9": 2, "é": 3, "Z": 4}, '{"10":1,"9":2,"Z":4,"é":3}'),
]


@pytest.mark.parametrize(("value", "text"), SHAPES)
def test_canonical_json_is_the_bytes_the_chain_was_built_on(value: object, text: str) -> None:
    assert canonical_json(value) == text


def test_an_event_hash_is_pinned() -> None:
    row = {
        "position": 1,
        "event_id": "00000000-0000-0000-0000-000000000001",
        "stream_id": "s",
        "stream_version": 1,
        "type": "T",
        "schema_version": 1,
        "data": {"b": 1, "a": {"d": [3, 2, 1], "c": None}, "x": 1e16, "n": 2**70, "u": "é"},
        "tenant_id": None,
        "subject_id": None,
        "amount_cents": 12,
        "effective_date": "2026-01-05",
        "recorded_at": "2026-01-05T00:00:00.000000Z",
        "actor": None,
        "correlation_id": None,
        "causation_id": None,
        "idempotency_key": None,
        "reverses": None,
    }
    assert event_hash("0" * 64, row) == PINNED


PINNED = "370e6c04f2aeec867c2e497521f2f274b03349b8f59586ea04b7010bc7dd3d2f"
