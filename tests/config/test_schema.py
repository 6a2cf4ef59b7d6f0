"""The OpenAPI schema is generated without a warning and validates (what clients are generated from)."""
import pytest
import yaml
from django.core.management import call_command


def test_the_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert yaml.safe_load(out.read_text())["paths"]


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    out = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    return yaml.safe_load(out.read_text())


def _path_parameters(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    yield f"{method.upper()} {path}", parameter


def test_every_id_in_a_path_is_an_integer_and_every_other_path_parameter_a_string_or_a_choice(schema):
    for where, parameter in _path_parameters(schema):
        expected = "string" if parameter["name"] in ("client_slug", "decision", "variant") else "integer"
        assert parameter["schema"]["type"] == expected, (where, parameter)
        if parameter["name"] in ("decision", "variant"):
            assert parameter["schema"].get("enum"), (where, parameter)


def test_every_json_answer_has_a_declared_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                body = response.get("content", {}).get("application/json", {}).get("schema")
                if body is not None:
                    assert "$ref" in body or body.get("type") == "array", (method, path, code, body)
