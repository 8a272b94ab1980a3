"""The OpenAPI document driving schemathesis against the site: no 5xx, every answer as the document says.

For each operation of /openapi.json, valid requests (GenerationMode.POSITIVE) and invalid ones
(NEGATIVE) are generated from the document and sent through the Flask test client; each answer
must be no server error, have a documented status and media type, and a JSON body that
conforms to its schema. Bounded: a few examples per operation and mode, no shrinking.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from ..conftest import missing_tool

try:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import positive_data_acceptance
except ImportError:  # the dev extra installs it; missing_tool skips, or fails with KG_REQUIRE_TOOLS=1
    schemathesis = None

EXAMPLES = 8
"""Generated requests per operation and mode."""


@pytest.fixture(scope="module")
def api_schema(app: Flask) -> Any:
    if schemathesis is None:
        missing_tool("schemathesis is missing: pip install -e '.[dev]'")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # The document names the public base, whose path a proxy may add; the application answers at its root.
    schema.config.update(base_url="http://localhost/")
    return schema


def fuzz(operation: Any, mode: Any) -> None:
    """Send EXAMPLES generated requests to one operation; raise on the first that fails a check."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(excluded_checks=excluded)

    # A SPARQL query is text that JSON Schema cannot describe: a schema-valid string is rarely a query,
    # and 400 is the right answer to it. So for a fragment's RDF terms in their explicit representation,
    # and a page past the fragment's last, which depends on the data. Named-query parameters are typed, so
    # there the check stays.
    excluded = [positive_data_acceptance] if operation.path in ("/sparql", "/fragments") else []

    run()


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_every_answer_conforms_to_the_document(api_schema: Any, mode: str) -> None:
    failed = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        try:
            fuzz(operation, GenerationMode(mode))
        except Unsatisfiable:  # no invalid request exists: no parameter, or any string is valid
            continue
        except Exception as error:  # noqa: BLE001 - every operation is tried; all failures are reported
            failed.append(f"{operation.label}: {error}")
    assert not failed, "\n\n".join(failed)
