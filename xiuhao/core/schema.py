"""OpenAPI post-processing: every operation documents the error body the API returns."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "validation_failed"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "Messages per input field (validation errors only).",
                },
            },
        }
    },
}

ERRORS = {
    "400": "Bad input: nothing was changed.",
    "401": "Not authenticated.",
    "403": "No permission (or the request was refused for this address / without two-factor login).",
    "404": "Not found, or outside your data scope.",
    "409": "Conflict: the record is in use or was changed meanwhile.",
    "429": "Too many requests.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _document_codes(operation, ref)
            for code, description in ERRORS.items():
                if code == "409" and method not in ("post", "put", "patch", "delete"):
                    continue
                operation["responses"].setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result


def _document_codes(operation, ref):
    """An operation that lists its error codes (`x-error-codes`, e.g. a declared move) gets them as
    the enum of `error.code` in each of its error responses."""
    codes = operation.get("x-error-codes")
    if not codes:
        return
    for status, names in codes.items():
        response = operation["responses"].setdefault(status, {"description": ERRORS.get(status, "")})
        response["content"] = {"application/json": {"schema": {"allOf": [ref, {
            "type": "object",
            "properties": {"error": {"type": "object", "properties": {"code": {"type": "string", "enum": names}}}},
        }]}}}
