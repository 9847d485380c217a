"""The OpenAPI document's settings and the human-readable API page.

apiflask serves the document at ``/api/v1/openapi.json`` (generated from
the Pydantic models the views validate with); :func:`finish_spec` adds the
description and marks every error response ``application/problem+json``
with the :class:`~.schemas.Problem` schema. ``/api/v1/docs`` renders the
same document server-side (no script, no CDN: the site's CSP holds).
"""

from __future__ import annotations

import json

from flask import current_app, render_template

from . import bp, problems
from .schemas import Problem

DESCRIPTION = (
    "The JSON API of the 双随机、一公开 service: registries, plans and tasks, draws, results, review and "
    "publication, with the same rules as the pages. Authenticate with a personal API token "
    "(`Authorization: Bearer insp_…`, created on the account page or with `POST /api/v1/tokens`). Errors are RFC 9457 "
    "`application/problem+json` documents with a stable `code`. See docs/api.md."
)


def finish_spec(spec: dict) -> dict:
    spec["info"]["description"] = DESCRIPTION
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = schema
    for path in spec.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault("401", {"description": "No valid token (missing, unknown, revoked, expired)"})
                responses.setdefault("403", {"description": "The token's user lacks the role"})
                responses.setdefault("429", {"description": "Rate limit of the token exceeded (Retry-After)"})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "Malformed JSON"})
                responses.setdefault("413", {"description": "Body too large"})
                responses.setdefault("422", {"description": "Validation error"})
            for status, response in responses.items():
                if str(status)[0] in "45":
                    response["content"] = {problems.MEDIA_TYPE: {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}
    return spec


@bp.record_once
def _install(state) -> None:
    app = state.app
    app.config["DESCRIPTION"] = DESCRIPTION
    app.config["VALIDATION_ERROR_SCHEMA"] = {"$ref": "#/components/schemas/Problem"}
    app.config["HTTP_ERROR_SCHEMA"] = {"$ref": "#/components/schemas/Problem"}
    app.spec_processor(finish_spec)


METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/docs")
@bp.doc(hide=True)
def docs():
    """The API page: every operation of the OpenAPI document with its
    security, parameters, body and responses."""
    spec = current_app.spec
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                op = item[method]
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                operations.append({
                    "method": method.upper(), "path": path, "op": op,
                    "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    "secured": bool(op.get("security")),
                    "body": json.dumps(body, ensure_ascii=False, indent=2) if body else None,
                    "responses": [(code, r.get("description", ""),
                                   json.dumps(next(iter(r.get("content", {}).values()), {}).get("schema"),
                                              ensure_ascii=False, indent=2) if r.get("content") else None)
                                  for code, r in op.get("responses", {}).items()],
                })
    return render_template("api/docs.html", spec=spec, operations=operations, codes=problems.CODES,
                           schemas=sorted(spec.get("components", {}).get("schemas", {}).items()))
