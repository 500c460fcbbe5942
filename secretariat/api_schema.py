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
    "TenderDetail": {"bids_received", "invited"},
    "TenderLot": {"bids_received"},
    # A liaison reads their state's companies, not where they are paid.
    "ManufacturerDetail": {"iban", "bic"},
}

WRITES = {"post", "put", "patch", "delete"}
# The operations anyone may call to sign in (the API token endpoint).
SIGN_IN_OPERATIONS = {"auth_token_create"}


def _response(description, schema_ref):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": schema_ref}}},
    }


def document_refusals(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation may be refused
    (403: not signed in or not allowed; 404: not found or not yours, or a page
    past the end of a list; 400: malformed input, a body too large or nested too
    deep; 409: the record's state refuses the change, or the read; 429 on
    sign-in: locked out), and say so with the same bodies."""
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
            # A write may also be refused by a business rule (an Error, 400),
            # with or without input: an administrator submitting someone else's
            # disbursement, for one.
            if has_input or method in WRITES:
                responses.setdefault(
                    "400",
                    _response(
                        "Malformed input, or a business rule refused it.",
                        "#/components/schemas/Invalid",
                    ),
                )
            if operation.get("operationId") in SIGN_IN_OPERATIONS:
                # Open to anyone; a wrong password is a 400, and too many of
                # them from one address lock the name out (django-axes).
                responses.setdefault(
                    "429",
                    _response(
                        "Too many failed sign-ins for this user name from this "
                        "address; try again after the cool-off.",
                        "#/components/schemas/Error",
                    ),
                )
                continue
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
            # Some reads of a record depend on its state too (a tender's
            # ranking exists once the evaluation has started).
            if method in WRITES or "{" in path:
                responses.setdefault(
                    "409",
                    _response(
                        "The record's state does not allow this now.",
                        "#/components/schemas/Error",
                    ),
                )
    return result
