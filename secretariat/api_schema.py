"""What the OpenAPI schema says beyond what drf-spectacular reads from the views:
the refusals every operation may answer with, and the fields some readers are
not given. The API's fuzzing suite (tests/security/test_api_fuzz.py) holds every
answer to the schema, so the schema must tell the whole truth."""

ERROR = {
    "type": "object",
    "description": "A refusal, with its message.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "field": {"type": "string"},
    },
    "required": ["detail"],
}
# A malformed input names each field at fault with its messages; a refused
# business rule is an ``Error``.
INVALID = {
    "description": "The input was refused: messages by field, a list of messages, "
    "or an Error.",
    "oneOf": [
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {"type": "string"}},
    ],
}

# Fields a serializer leaves out for some readers (see its ``to_representation``):
# the schema must not promise them to everyone.
SOMETIMES_ABSENT = {
    # Not even the number of bids is told while they are sealed; the invited
    # manufacturers of a restricted tender are for staff only.
    "Tender": {"bids_received", "invited"},
    "TenderLot": {"bids_received"},
    # A liaison reads their state's companies, not where they are paid.
    "ManufacturerDetail": {"iban", "bic"},
}

WRITES = {"post", "put", "patch", "delete"}


def _response(description, schema_ref):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": schema_ref}}},
    }


def document_refusals(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may be refused
    (403: not signed in or not allowed; 404: not found or not yours, or a page
    past the end of a list; 400: malformed input; 409: the record's state
    refuses the change), and say so with the same bodies."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    schemas["Invalid"] = INVALID
    for name, fields in SOMETIMES_ABSENT.items():
        component = schemas.get(name, {})
        required = [
            field for field in component.get("required", []) if field not in fields
        ]
        if required:
            component["required"] = required
        else:
            component.pop("required", None)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            has_input = "requestBody" in operation or any(
                parameter.get("in") == "query"
                for parameter in operation.get("parameters", [])
            )
            if has_input:
                responses.setdefault(
                    "400", _response("Malformed input.", "#/components/schemas/Invalid")
                )
            if operation.get("operationId") == "auth_token_create":
                continue  # open to anyone; a wrong password is a 400
            responses.setdefault(
                "403",
                _response(
                    "Not signed in, or not allowed to do this.",
                    "#/components/schemas/Error",
                ),
            )
            if "{" in path or method == "get":
                responses.setdefault(
                    "404",
                    _response(
                        "Not found, or not yours to see.", "#/components/schemas/Error"
                    ),
                )
            if method in WRITES:
                responses.setdefault(
                    "409",
                    _response(
                        "The record's state does not allow this now.",
                        "#/components/schemas/Error",
                    ),
                )
    return result
